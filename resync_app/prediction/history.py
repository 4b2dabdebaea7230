"""The outside history format (CONTRACT §13) and the plan as it stood at a moment of a past day.

One run per line of a JSON Lines file: `{day, job, job_stream, workstation, critical, deadline, scheduled_start,
predecessors: [job names of the same day], start, end, status}`; times ISO 8601 with an offset (`day`:
YYYY-MM-DD, the plan's production day), `deadline`/`scheduled_start` may be null, status 'SUCC' or a failure
('ABEND'…). `write` then `read` gives the same runs back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

from resync_app.prediction.types import PastRun, PlanNode

TIME_FIELDS = ("deadline", "scheduled_start", "start", "end")


@dataclass(frozen=True)
class Run:
    """One line of the history file."""

    day: date
    job: str
    job_stream: str
    workstation: str
    critical: bool
    deadline: datetime | None
    scheduled_start: datetime | None
    start: datetime
    end: datetime
    status: str = "SUCC"
    predecessors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def identity(self) -> str:
        """`workstation#stream.job`: the history key of `types.key_of`."""
        return f"{self.workstation}#{self.job_stream}.{self.job}"

    def past(self) -> PastRun:
        return PastRun(self.start, self.end, self.status)


def _time(value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {value!r}")
    return moment


def from_dict(row: dict) -> Run:
    start, end = _time(row["start"]), _time(row["end"])
    if start is None or end is None:
        raise ValueError("a run needs a start and an end")
    return Run(date.fromisoformat(row["day"]), str(row["job"]), str(row["job_stream"]), str(row["workstation"]),
               bool(row.get("critical", False)), _time(row.get("deadline")), _time(row.get("scheduled_start")),
               start, end, str(row.get("status") or "SUCC"), tuple(str(p) for p in row.get("predecessors") or ()))


def to_dict(run: Run) -> dict:
    row = asdict(run)
    row["day"] = run.day.isoformat()
    row["predecessors"] = list(run.predecessors)
    for name in TIME_FIELDS:
        row[name] = row[name].isoformat() if row[name] is not None else None
    return {k: row[k] for k in ("day", "job", "job_stream", "workstation", "critical", "deadline", "scheduled_start",
                                "predecessors", "start", "end", "status")}


def read(path: str | Path) -> list[Run]:
    """The runs of a history file (blank lines skipped; a bad line raises ValueError naming its number)."""
    runs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                runs.append(from_dict(json.loads(line)))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: {error}") from error
    return runs


def write(path: str | Path, runs: Iterable[Run]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for run in runs:
            handle.write(json.dumps(to_dict(run), separators=(",", ":")) + "\n")


def by_day(runs: Iterable[Run]) -> dict[date, list[Run]]:
    days: dict[date, list[Run]] = {}
    for run in runs:
        days.setdefault(run.day, []).append(run)
    return dict(sorted(days.items()))


def plan_at(day_runs: list[Run], now: datetime, estimates: dict[str, float] | None = None) -> list[PlanNode]:
    """The day's plan as a poll at `now` saw it: one node per job (its last run of the day, key = its identity);
    ended runs SUCC (or their failure status), started ones EXEC, the others HOLD; what happened after `now` hidden.
    Predecessors are resolved by name, in the same stream first. `estimates`: TWS's estimated durations by key."""
    last = {r.identity: r for r in sorted(day_runs, key=lambda r: r.start)}
    by_name: dict[str, list[Run]] = {}
    for run in last.values():
        by_name.setdefault(run.job, []).append(run)
    nodes = []
    for key, run in last.items():
        preds = []
        for name in run.predecessors:
            found = by_name.get(name, [])
            same = [r for r in found if r.job_stream == run.job_stream] or found
            preds += [r.identity for r in same[:1]]
        if run.end <= now:
            status, start, end = run.status, run.start, run.end
        elif run.start <= now:
            status, start, end = "EXEC", run.start, None
        else:
            status, start, end = "HOLD", None, None
        nodes.append(PlanNode(key, run.job, run.job_stream, run.workstation, run.critical, run.deadline,
                              run.scheduled_start, preds, status, start, end, (estimates or {}).get(key)))
    return nodes
