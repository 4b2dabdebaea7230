"""What the assistant needs from the plan: the `PlanReader` protocol (bound to `resync_app/tws/queries.py` at merge).

The shapes are those of CONTRACT §9 (`GET /api/v1/tws/summary|jobs|jobs/{id}|events`), plus the few extras listed
below. A method may return its value or an awaitable of it (the fast path awaits when needed), so a synchronous
read layer and an async one both fit. Times may be aware `datetime`s or ISO 8601 strings.

Extras beyond §9 that the fast path uses (the lead binds them to the read layer):

- `jobs(..., late=True | stuck=True | critical=True)`: only rows with that flag set (the read layer computes the
  flags per row already); `at_risk=True`: the critical jobs the dashboard counts as at risk (potential or high
  risk, not finished successfully, deadline not passed). `sort` is a column name, `-` prefixed for descending (`"-end"`, `"start"`, `"name"`).
- `deadline_threats(instance, job)`: the risk figure of one critical job and the predecessors that threaten it
  (`DeadlineThreats` below); None when the job is not in the plan.
- `workstations(instance)` (optional): `{count, results: [{name, linked, status?, type?}]}`. A reader without it
  makes workstation questions fall through to the model.
- `job(...)["dependencies"]` rows: `{name, job_stream?, workstation?, status?, satisfied?, type?}`;
  `["history"]` rows: `{start, end, duration_s, status, return_code}` newest first; `["log_excerpt"]`: text or None.
"""

from __future__ import annotations

from typing import Any, Protocol, TypedDict, runtime_checkable


class JobRow(TypedDict, total=False):
    id: str
    name: str
    job_stream: str
    workstation: str
    status: str
    start: Any
    end: Any
    duration_s: float | None
    return_code: int | None
    late: bool
    stuck: bool
    critical: bool
    deadline: Any
    risk: str | None  # "normal" | "potential" | "high"
    confidence: float | None  # probability (0-1) of ending by the deadline


class JobPage(TypedDict):
    count: int
    results: list[JobRow]


class EventRow(TypedDict, total=False):
    id: Any
    at: Any
    instance: str
    type: str
    severity: str
    job: str | None
    workstation: str | None
    message: str


class EventPage(TypedDict):
    count: int
    results: list[EventRow]


class Threat(TypedDict, total=False):
    id: str
    name: str
    job_stream: str
    workstation: str
    status: str
    slack_s: float | None  # how long it can still slip before the critical job misses its deadline
    estimated_end: Any
    reason: str  # e.g. "ABEND", "late", "running longer than usual"


class DeadlineThreats(TypedDict, total=False):
    job: JobRow
    deadline: Any  # None: the job is not critical / has no deadline
    estimated_end: Any
    risk: str | None
    confidence: float | None
    threats: list[Threat]  # least slack first


@runtime_checkable
class PlanReader(Protocol):
    """Read access to the shared plan snapshot of one deployment (`instance` None: the primary instance)."""

    def summary(self, instance: str | None) -> Any:
        """`{instance, as_of, stale_since, health, counts:{running, completed, failed, pending, late, stuck, total},
        workstations:{linked, unlinked, total}}`"""

    def jobs(self, instance: str | None, *, status: list[str] | None = None, workstation: str | None = None,
             stream: str | None = None, q: str | None = None, sort: str | None = None, limit: int = 50,
             offset: int = 0, late: bool | None = None, stuck: bool | None = None,
             critical: bool | None = None, at_risk: bool | None = None) -> Any:
        """`JobPage`"""

    def job(self, instance: str | None, job_id_or_name: str) -> Any:
        """A `JobRow` plus `dependencies`, `history`, `log_excerpt`; None when unknown."""

    def events(self, instance: str | None, *, severity: str | None = None, type: str | None = None,
               since: Any = None, limit: int = 50) -> Any:
        """`EventPage`, newest first."""

    def deadline_threats(self, instance: str | None, job: str) -> Any:
        """`DeadlineThreats`, or None when the job is not in the plan."""
