"""Flat views of HWA REST API v2 plan objects (field names as `hwa-rest-api-v2.openapi.json` names them).

`job_view(JobInPlanV2)`, `workstation_view(WorkstationInPlanV2)` and `stream_view(JobStreamInPlanV2)` turn the
nested JSON into small dataclasses the poller, the snapshot and the pages use. They never raise on a missing or
odd field (a real server may omit anything): a missing value becomes None / "" / False.

Where each JobView field comes from (JobInPlanV2):
  status          lastRunCompositeStatus.status, else the last run's compositeStatus.status: the JobInPlanStatus
                  enum (HOLD, READY, WAIT, EXEC, SUCC, ABEND, CANCL, …) as `statuses.canonical` spells it
                  (CANCELLED → CANCL …). HWA calls it the "internal status" (the spec's OQL example
                  `jobruns.compositeStatus.status = 'SUCC'`); `internal_status` is the value exactly as TWS sent it,
                  `common_status` the simplified CommonStatusV2 (WAITING, RUNNING, …). What each status means and
                  how it counts: `statuses.py`.
  substatus       the composite status' JobInPlanSubStatus (HOLD_WAITING_FOR_PREDECESSOR, HOLD_PRIORITY_ZERO, …).
  start, end      the last run's timeInfo.actualStartTime / actualEndTime.
  scheduled_start timeRestrictions.startTime (the AT time), else schedTime.
  deadline        timeRestrictions.deadlineTime;  latest_start: timeRestrictions.latestStartTime.
  estimated_duration_s  the last run's timeInfo.estimatedDuration, else jobDefinition.estimatedDuration (ISO 8601).
  critical        jobOptions.critical;  critical_start: criticalStart;  confidence_interval: confidenceInterval.
  late            jobStatusFlags.jobLate;  deadline_passed: jobStatusFlags.deadlineHasPassed.
  return_code     the last run's returnCode;  run_number: the last run's jobNumber (a new number on each rerun),
                  0 while it has none (an engine may give it only at launch, issue 16 D5);
                  run_id: the last run's id (the rerun and job-log routes take it);  run_count: len(jobruns);
                  run_position: where the current run is in `jobruns` ("All the run instances of the job"), from 1;
                  run_seq: Resync's own count of the job's runs (set by the poll, `detect.run_seq`): the run
                  identity of dedupe keys, which never changes when a run merely gets its number.
  predecessors    jobId of the INTERNAL / EXTERNAL_JOB entries of `dependencies`, and `stream:<jobStreamId>` of
                  the EXTERNAL_JOBSTREAM ones (a job that follows a whole job stream, `node_refs.py`). The spec
                  says query results (GET plan/job) leave `dependencies` empty: only GET plan/job/{id} fills it;
                  HWAClient.predecessors() asks plan/job/{id}/predecessors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import Any

from resync_app.tws.node_refs import dependency_ref
from resync_app.tws.statuses import (  # noqa: F401 - the groupings are read from here by the poller and pages
    BY_CODE, CANCELLED_STATUSES, FAILED_STATUSES, FINAL_STATUSES, RUNNING_STATUSES, SPEC_CODES, SUCCESS_STATUSES,
    WAITING_STATUSES, canonical,
)

# Enumerations copied from the spec's components/schemas (the job statuses: `statuses.py`, the one table).
STATUSES = SPEC_CODES  # JobInPlanStatus
SUBSTATUSES = (  # JobInPlanSubStatus
    "HOLD_WAITING_FOR_PREDECESSOR", "HOLD_UNEXPECTED_PREDECESSOR_CONDITION", "HOLD_WAITING_FOR_TIME",
    "HOLD_WAITING_FOR_PROMPT", "HOLD_WAITING_FOR_FILE", "HOLD_WAITING_FOR_INPUT", "HOLD_PRIORITY_ZERO",
    "READY_WAITING_FOR_RESOURCES", "READY_SUPPRESSED", "SUPPR_UNSATISFIED_DEPENDENCY", "SUPPR_WORKSTATION_IGNORED",
    "READY_SUBMITTED", "READY_WAITING_FOR_LIMIT", "READY_WAITING_FOR_AGENT", "READY_WAITING_FOR_USER_INTERVENTION",
    "SUCC_DO_NOT_RUN", "SUCC_COMPLETED",
)
COMMON_STATUSES = (  # CommonStatusV2
    "WAITING", "WAITING_FOR_TRIGGER", "READY", "READY_PREV_WS_NONREP", "COMPLETED", "SUPPRESS_BY_COND",
    "INTERRUPTED", "DUMMY_COMPLETED", "RUNNING", "SUCCESSFUL", "ERROR", "CANCELED", "HELD", "UNDECIDED", "BLOCKED",
    "SUPPRESS",
)
STREAM_STATUSES = (  # JobStreamInPlanStatus
    "READY", "HOLD", "EXEC", "ABEND", "CANCL", "CANCLP", "SUCC", "UNKNOWN", "ADD", "FAIL", "WAIT", "INTRO", "ABENP",
    "SUCCP", "SUSP", "STUCK", "PEND", "BOUND", "SUPPR", "EXTRN", "COMPLETE", "DELETED", "ERROR", "PENDINGPRED",
    "STARTED", "UNDECIDED", "WAITFORINPUT", "INTERRUPTED", "NONREPORTINGPRED", "SUPPRBYCOND",
)
WORKSTATION_STATES = (  # WorkstationStateEnum
    "MASTER", "MANAGER", "LINKED", "FULLY_LINKED", "DIRECTLY_LINKED", "HOST_LINKED", "EXTENDED_LINKED", "BROKER",
    "START", "RUNNING", "TCP_IP_LINKED", "MONMAN", "INSTALLED_AND_RUNNING", "INSTALLED", "UPDATE", "SERVER_STARTED",
    "SERVER_RESTARTING", "ONLINE", "WRITER_RUNNING", "JOBMAN_UP", "WRITER_UP", "EVT_PROC_RUNNING", "SSM_RUNNING",
    "CONFIG_UPDATED", "BEHIND_FIREWALL", "IS_INITED",
)
WORKSTATION_TYPES = ("AGENT", "POOL", "D-POOL", "REM-ENG", "MANAGER", "FTA", "X-AGENT", "S-AGENT",
                     "WORKLOAD_BROKER", "DOMAIN_MANAGER")

_LINK_STATES = frozenset({"LINKED", "FULLY_LINKED", "DIRECTLY_LINKED", "HOST_LINKED", "EXTENDED_LINKED",
                          "TCP_IP_LINKED"})
_RUN_STATES = frozenset({"RUNNING", "INSTALLED_AND_RUNNING", "JOBMAN_UP", "SERVER_STARTED"})
_LAUNCH_OFF = "DISABLED_DEACTIVE_JOB_LAUNCHING_FLAG"  # WorkstationFlagEnum: job launching deactivated


@dataclass(slots=True)
class JobView:
    """One job in the plan, flattened (see the module docstring for the source of each field)."""

    id: str
    name: str
    job_stream: str
    job_stream_id: str
    workstation: str
    status: str
    internal_status: str
    start: datetime | None
    end: datetime | None
    scheduled_start: datetime | None
    deadline: datetime | None
    estimated_duration_s: float | None
    critical: bool
    return_code: int | None
    run_number: int
    predecessors: list[str] = field(default_factory=list)
    priority: int | None = None
    # extras
    folder: str = ""
    common_status: str = ""
    substatus: str = ""
    run_id: str = ""
    run_count: int = 0
    run_position: int = 1
    run_seq: int = 0
    late: bool = False
    deadline_passed: bool = False
    latest_start: datetime | None = None
    critical_start: datetime | None = None
    confidence_interval: str | None = None
    planned_end: datetime | None = None
    elapsed_s: float | None = None

    @property
    def held(self) -> bool:
        """Put on hold by an operator (priority 0), as opposed to waiting for its dependencies."""
        return self.substatus == "HOLD_PRIORITY_ZERO"

    @property
    def key(self) -> str:
        """The usual TWS notation: WORKSTATION#STREAM.JOB."""
        return f"{self.workstation}#{self.job_stream}.{self.name}"


@dataclass(slots=True)
class WorkstationView:
    """One workstation in the plan. `link_status` is LINKED or UNLINKED (from activeStates); `offline`: it launches
    no jobs (see `workstation_view`)."""

    id: str
    name: str
    link_status: str
    running: bool
    offline: bool
    type: str
    os: str = ""
    domain: str = ""
    states: tuple[str, ...] = ()
    limit: int | None = None
    fence: int | None = None

    @property
    def linked(self) -> bool:
        return self.link_status == "LINKED"


@dataclass(slots=True)
class StreamView:
    """One job stream instance in the plan."""

    id: str
    name: str
    workstation: str
    status: str
    common_status: str = ""
    folder: str = ""
    scheduled_start: datetime | None = None
    deadline: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    late: bool = False
    jobs_total: int | None = None
    jobs_succ: int | None = None
    jobs_abend: int | None = None
    jobs_exec: int | None = None


# ---- value parsing --------------------------------------------------------------------------------------------

def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time (or epoch milliseconds) as an aware datetime (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _parse_time_text(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc)
    return None


@lru_cache(maxsize=65536)
def _parse_time_text(value: str) -> datetime | None:
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
    return _parse_duration_text(value)


@lru_cache(maxsize=16384)
def _parse_duration_text(value: str) -> float | None:
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


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def last_run(obj: dict) -> dict:
    """The current run instance of a JobInPlanV2 (`lastInRerunChain`, else the highest `jobNumber` when every run
    has one, else the last listed: a rerun not launched yet may have no number)."""
    runs = obj.get("jobruns")
    return _last_of(runs)[0] if runs.__class__ is list else {}


def _last_of(runs: list) -> tuple[dict, int]:
    """(the current run, its position in the list from 1)."""
    if len(runs) == 1 and runs[0].__class__ is dict:  # the usual case, fast
        return runs[0], 1
    indexed = [(i, r) for i, r in enumerate(runs, 1) if isinstance(r, dict)]
    if not indexed:
        return {}, 1
    for i, run in indexed:
        if run.get("lastInRerunChain"):
            return run, i
    if all(_int(r.get("jobNumber")) is not None for _, r in indexed):
        i, run = max(indexed, key=lambda item: _int(item[1].get("jobNumber")) or 0)
        return run, i
    return indexed[-1][1], indexed[-1][0]


# ---- views ----------------------------------------------------------------------------------------------------
# job_view runs for every job of every poll (50 000 on a big plan): the helpers below keep the common case (the
# value has the documented type) to one type check, and fall back to the tolerant converters otherwise.

_EMPTY: dict = {}


def _d(value: Any) -> dict:
    return value if value.__class__ is dict else _EMPTY


def _s(value: Any) -> str:
    return value if value.__class__ is str else _str(value)


def _i(value: Any) -> int | None:
    return value if value.__class__ is int else _int(value)


def _t(value: Any) -> datetime | None:
    if value.__class__ is str:
        return _parse_time_text(value) if value else None
    return None if value is None else parse_time(value)


def _dur(value: Any) -> float | None:
    if value.__class__ is str:
        return _parse_duration_text(value) if value else None
    return None if value is None else parse_duration(value)


def job_view(obj: dict) -> JobView:
    """Flatten one JobInPlanV2."""
    get = obj.get
    runs = get("jobruns")
    if runs.__class__ is not list:
        runs = []
    run, position = _last_of(runs) if runs else (_EMPTY, 1)
    run_get = run.get
    composite = _d(get("lastRunCompositeStatus")) or _d(run_get("compositeStatus"))
    raw_status = _s(composite.get("status"))
    status = raw_status if raw_status in BY_CODE or not raw_status else canonical(raw_status)
    time_info = _d(run_get("timeInfo"))
    restrictions = _d(get("timeRestrictions"))
    flags = _d(get("jobStatusFlags"))
    estimated = _dur(time_info.get("estimatedDuration"))
    if estimated is None:
        definition = _d(get("jobDefinition")) or _d(run_get("jobDefinition"))
        estimated = _dur(definition.get("estimatedDuration"))
    dependencies = get("dependencies")
    predecessors = [
        found for found in (dependency_ref(dep) for dep in dependencies if dep.__class__ is dict) if found
    ] if dependencies.__class__ is list else []
    run_number = _i(run_get("jobNumber"))
    confidence = get("confidenceInterval")
    return JobView(
        id=_s(get("id")),
        name=_s(get("name")),
        job_stream=_s(get("jobStreamName")),
        job_stream_id=_s(get("jobStreamId")),
        workstation=_s(get("workstation")),
        status=status,
        internal_status=raw_status,
        start=_t(time_info.get("actualStartTime")),
        end=_t(time_info.get("actualEndTime")),
        scheduled_start=_t(restrictions.get("startTime")) or _t(get("schedTime")),
        deadline=_t(restrictions.get("deadlineTime")),
        estimated_duration_s=estimated,
        critical=bool(_d(get("jobOptions")).get("critical")),
        return_code=_i(run_get("returnCode")),
        run_number=run_number if run_number is not None else 0,
        predecessors=predecessors,
        priority=_i(get("priority")),
        folder=_s(get("folder")),
        common_status=_s(get("lastRunCommonStatus") or run_get("commonStatus")),
        substatus=_s(composite.get("substatus")),
        run_id=_s(run_get("id")),
        run_count=len(runs),
        run_position=position,
        late=bool(flags.get("jobLate")),
        deadline_passed=bool(flags.get("deadlineHasPassed")),
        latest_start=_t(restrictions.get("latestStartTime")),
        critical_start=_t(get("criticalStart")),
        confidence_interval=_s(confidence) or None if confidence is not None else None,
        planned_end=_t(get("endTime")),
        elapsed_s=_dur(time_info.get("elapsedTime")),
    )


def workstation_view(obj: dict) -> WorkstationView:
    """Flatten one WorkstationInPlanV2 (issue 16, D6: what decides linked and up).

    linked: `activeStates` has a *LINKED state (LINKED, FULLY_LINKED, TCP_IP_LINKED, …); running: it has a running
    state (RUNNING, JOBMAN_UP, INSTALLED_AND_RUNNING, SERVER_STARTED); offline: `activeFlags` says its job launching
    is deactivated (DISABLED_DEACTIVE_JOB_LAUNCHING_FLAG). `ONLINE` is not required: many agents never list it while
    linked and running (the spec's enum has it, and its `activeStates IN ['ONLINE']` example, but says nothing of
    which workstations report it), so its absence proves nothing and is only shown among the states."""
    states = tuple(_str(s) for s in obj.get("activeStates") or [])
    flags = obj.get("activeFlags")
    state_set = set(states)
    return WorkstationView(
        id=_str(obj.get("id")),
        name=_str(obj.get("name")),
        link_status="LINKED" if state_set & _LINK_STATES else "UNLINKED",
        running=bool(state_set & _RUN_STATES),
        offline=isinstance(flags, list) and _LAUNCH_OFF in flags,
        type=_str(obj.get("type")),
        os=_str(obj.get("os")),
        domain=_str(obj.get("domainName")),
        states=states,
        limit=_int(obj.get("limit")),
        fence=_int(obj.get("fence")),
    )


def stream_view(obj: dict) -> StreamView:
    """Flatten one JobStreamInPlanV2."""
    composite = _dict(obj.get("compositeStatus"))
    restrictions = _dict(obj.get("timeRestrictions"))
    time_info = _dict(obj.get("timeInfo"))
    stats = _dict(obj.get("jobStreamStats"))
    return StreamView(
        id=_str(obj.get("id")),
        name=_str(obj.get("name") or obj.get("originalJobStreamName")),
        workstation=_str(obj.get("workstation")),
        status=_str(composite.get("status")),
        common_status=_str(obj.get("commonStatus")),
        folder=_str(obj.get("folder")),
        scheduled_start=parse_time(restrictions.get("startTime")) or parse_time(obj.get("schedTime")),
        deadline=parse_time(restrictions.get("deadlineTime")),
        start=parse_time(time_info.get("actualStartTime")),
        end=parse_time(time_info.get("actualEndTime")),
        late=bool(_dict(obj.get("jsStatusFlags")).get("lateJobStream")),
        jobs_total=_int(stats.get("numberOfJob")),
        jobs_succ=_int(stats.get("numberOfSuccessfullJob")),
        jobs_abend=_int(stats.get("numberOfAbendedJob")),
        jobs_exec=_int(stats.get("numberOfExecutingJob")),
    )


__all__ = [
    "CANCELLED_STATUSES", "COMMON_STATUSES", "FAILED_STATUSES", "FINAL_STATUSES", "JobView", "RUNNING_STATUSES",
    "STATUSES", "STREAM_STATUSES", "SUBSTATUSES", "SUCCESS_STATUSES", "StreamView", "WAITING_STATUSES",
    "WORKSTATION_STATES", "WORKSTATION_TYPES", "WorkstationView", "format_duration", "job_view", "last_run",
    "parse_duration", "parse_time", "stream_view", "workstation_view",
]
