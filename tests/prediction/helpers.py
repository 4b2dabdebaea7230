"""Small hand-made plans and histories for the prediction tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from resync_app.prediction import PastRun, PlanNode

NOW = datetime(2030, 3, 12, 3, 0, tzinfo=timezone.utc)  # a Tuesday


def runs(minutes: list[float], *, last_day: datetime = NOW) -> list[PastRun]:
    """One successful run a day, the last one the day before `last_day`, durations in minutes (oldest first)."""
    out = []
    for age, value in zip(range(len(minutes), 0, -1), minutes):
        start = last_day - timedelta(days=age)
        out.append(PastRun(start, start + timedelta(minutes=value), "SUCC"))
    return out


def node(key: str, *, preds: list[str] | None = None, critical: bool = False, deadline: datetime | None = None,
         status: str = "HOLD", start: datetime | None = None, end: datetime | None = None,
         scheduled: datetime | None = NOW, estimate_s: float | None = None, stream: str = "S") -> PlanNode:
    return PlanNode(key, key, stream, "W", critical, deadline, scheduled, preds or [], status, start, end, estimate_s)


def hist_key(key: str, stream: str = "S") -> str:
    return f"W#{stream}.{key}"
