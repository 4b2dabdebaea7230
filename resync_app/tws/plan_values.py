"""Tolerant converters of HWA REST API v2 values: ISO 8601 times and durations (or epoch milliseconds), ints,
strings and objects of any odd shape, and a job's current run. They never raise: a missing or odd value becomes
None / "" / {}. The flat views built from them are `plan_fields.py`."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (or epoch milliseconds) as an aware datetime (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return parse_time_text(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
    return None


@lru_cache(maxsize=65536)
def parse_time_text(value: str) -> datetime | None:
    """Cached: a plan repeats the same instants (schedule times, start times) many times."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: Any) -> float | None:
    """An ISO 8601 duration (PT1H2M3.5S, P1DT2H) or a number of milliseconds, in seconds."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) / 1000.0
    if not isinstance(value, str):
        return None
    return parse_duration_text(value)


@lru_cache(maxsize=16384)
def parse_duration_text(value: str) -> float | None:
    text = value.strip().upper()
    match = _DURATION.match(text)
    if not match or text in ("P", "PT", "-P", "-PT"):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
    seconds = (parts.get("days", 0.0) * 86400 + parts.get("hours", 0.0) * 3600 + parts.get("minutes", 0.0) * 60
               + parts.get("seconds", 0.0))
    return -seconds if match.group("sign") else seconds


def format_duration(seconds: float) -> str:
    """Whole seconds as an ISO 8601 duration (PT1H2M3S), the spec's `format: duration`."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return out if out != "PT" else "PT0S"


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def last_run(obj: dict) -> dict:
    """The current run instance of a JobInPlanV2 (`lastInRerunChain`, else the highest `jobNumber` when every run
    has one, else the last listed: a rerun not launched yet may have no number)."""
    runs = obj.get("jobruns")
    return current_run_of(runs)[0] if runs.__class__ is list else {}


def current_run_of(runs: list) -> tuple[dict, int]:
    """(the current run, its position in the list from 1)."""
    if len(runs) == 1 and runs[0].__class__ is dict:  # the usual case, fast
        return runs[0], 1
    indexed = [(i, r) for i, r in enumerate(runs, 1) if isinstance(r, dict)]
    if not indexed:
        return {}, 1
    for i, run in indexed:
        if run.get("lastInRerunChain"):
            return run, i
    if all(as_int(r.get("jobNumber")) is not None for _, r in indexed):
        i, run = max(indexed, key=lambda item: as_int(item[1].get("jobNumber")) or 0)
        return run, i
    return indexed[-1][1], indexed[-1][0]

