"""Reading Prometheus text (`GET /metrics`): one sample by its exact labels."""

from __future__ import annotations

import re


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample (labels must match exactly those given, in any order)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{labels}")


def count(text: str, name: str, **labels: str) -> float:
    """A counter's sample, 0 before it was first incremented (counters are process-wide: tests compare the value
    before and after what they do)."""
    try:
        return sample(text, name, **labels)
    except AssertionError:
        return 0.0
