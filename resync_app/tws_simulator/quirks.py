"""Where the plan-shaping behaviours (behaviours.py) land in the plan: chosen once per plan from the seed, applied
to every day's instances.

- D3 `stream_dependencies`: a share of the stream templates follow an earlier stream of the same day as a whole;
- D4 `extended_statuses`: a share of the job templates go through the extended life cycle (`lifecycle.py`);
- D5 `late_job_numbers`: the day's runs get their numbers at launch (`Plan._launch`), not now;
- D6 `agents_without_online`: a share of the agents never list ONLINE.

Each behaviour draws from its own random generator (seeded from the plan's seed and its name), so switching one on
changes nothing else and a plan with every behaviour off is the plan the seed always gave.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from resync_app.tws_simulator.behaviours import Behaviours
from resync_app.tws_simulator.build import StreamTemplate
from resync_app.tws_simulator.model import Stream, Workstation

AGENT_TYPES_WITH_ONLINE = ("FTA", "MANAGER")  # the types that keep listing ONLINE under D6


@dataclass
class Quirks:
    follows_stream: dict[int, int] = field(default_factory=dict)  # stream template → the earlier one it follows
    extended: set[tuple[int, int]] = field(default_factory=set)  # (stream template, job position) of extended jobs


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


def prepare(behaviours: Behaviours, seed: int, templates: list[StreamTemplate],
            workstations: list[Workstation]) -> Quirks:
    """Choose, once per plan, which streams, jobs and agents show the behaviours switched on."""
    out = Quirks()
    if behaviours.stream_dependencies > 0:
        rng = _rng(seed, "stream_dependencies")
        for index, template in enumerate(templates):
            if rng.random() >= behaviours.stream_dependencies:
                continue
            earlier = [i for i, other in enumerate(templates) if other.at < template.at]
            if earlier:
                out.follows_stream[index] = rng.choice(earlier)
    if behaviours.extended_statuses > 0:
        rng = _rng(seed, "extended_statuses")
        out.extended = {(t, j) for t, template in enumerate(templates) for j in range(len(template.jobs))
                        if rng.random() < behaviours.extended_statuses}
    if behaviours.agents_without_online > 0:
        rng = _rng(seed, "agents_without_online")
        for ws in workstations:
            if ws.host_type != "MASTER" and ws.type not in AGENT_TYPES_WITH_ONLINE:
                ws.reports_online = rng.random() >= behaviours.agents_without_online
    return out


def apply_to_day(quirks: Quirks, behaviours: Behaviours, streams: list[Stream]) -> None:
    """Apply the chosen behaviours to one day's stream instances (in template order, as `build.instantiate` makes
    them)."""
    for index, earlier in quirks.follows_stream.items():
        first, before = streams[index].jobs[0], streams[earlier]
        first.stream_preds.append(before)
        before.succs.append(first)
    for t, j in quirks.extended:
        streams[t].jobs[j].extended = True
    if behaviours.late_job_numbers:
        for stream in streams:
            for job in stream.jobs:
                job.run.number = None


__all__ = ["Quirks", "apply_to_day", "prepare"]
