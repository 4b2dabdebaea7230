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

The value converters (times, durations, the current run) are `plan_values.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resync_app.tws.node_refs import dependency_ref
from resync_app.tws.plan_values import (
    as_dict, as_int, as_str, current_run_of, parse_duration, parse_duration_text, parse_time, parse_time_text,
)
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


# ---- views ----------------------------------------------------------------------------------------------------
# job_view runs for every job of every poll (50 000 on a big plan): the helpers below keep the common case (the
# value has the documented type) to one type check, and fall back to the tolerant converters otherwise.

_EMPTY: dict = {}


def _d(value: Any) -> dict:
    return value if value.__class__ is dict else _EMPTY


def _s(value: Any) -> str:
    return value if value.__class__ is str else as_str(value)


def _i(value: Any) -> int | None:
    return value if value.__class__ is int else as_int(value)


def _t(value: Any) -> datetime | None:
    if value.__class__ is str:
        return parse_time_text(value) if value else None
    return None if value is None else parse_time(value)


def _dur(value: Any) -> float | None:
    if value.__class__ is str:
        return parse_duration_text(value) if value else None
    return None if value is None else parse_duration(value)


def job_view(obj: dict) -> JobView:
    """Flatten one JobInPlanV2."""
    get = obj.get
    runs = get("jobruns")
    if runs.__class__ is not list:
        runs = []
    run, position = current_run_of(runs) if runs else (_EMPTY, 1)
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
    states = tuple(as_str(s) for s in obj.get("activeStates") or [])
    flags = obj.get("activeFlags")
    state_set = set(states)
    return WorkstationView(
        id=as_str(obj.get("id")),
        name=as_str(obj.get("name")),
        link_status="LINKED" if state_set & _LINK_STATES else "UNLINKED",
        running=bool(state_set & _RUN_STATES),
        offline=isinstance(flags, list) and _LAUNCH_OFF in flags,
        type=as_str(obj.get("type")),
        os=as_str(obj.get("os")),
        domain=as_str(obj.get("domainName")),
        states=states,
        limit=as_int(obj.get("limit")),
        fence=as_int(obj.get("fence")),
    )


def stream_view(obj: dict) -> StreamView:
    """Flatten one JobStreamInPlanV2."""
    composite = as_dict(obj.get("compositeStatus"))
    restrictions = as_dict(obj.get("timeRestrictions"))
    time_info = as_dict(obj.get("timeInfo"))
    stats = as_dict(obj.get("jobStreamStats"))
    return StreamView(
        id=as_str(obj.get("id")),
        name=as_str(obj.get("name") or obj.get("originalJobStreamName")),
        workstation=as_str(obj.get("workstation")),
        status=as_str(composite.get("status")),
        common_status=as_str(obj.get("commonStatus")),
        folder=as_str(obj.get("folder")),
        scheduled_start=parse_time(restrictions.get("startTime")) or parse_time(obj.get("schedTime")),
        deadline=parse_time(restrictions.get("deadlineTime")),
        start=parse_time(time_info.get("actualStartTime")),
        end=parse_time(time_info.get("actualEndTime")),
        late=bool(as_dict(obj.get("jsStatusFlags")).get("lateJobStream")),
        jobs_total=as_int(stats.get("numberOfJob")),
        jobs_succ=as_int(stats.get("numberOfSuccessfullJob")),
        jobs_abend=as_int(stats.get("numberOfAbendedJob")),
        jobs_exec=as_int(stats.get("numberOfExecutingJob")),
    )


__all__ = [
    "CANCELLED_STATUSES", "COMMON_STATUSES", "FAILED_STATUSES", "FINAL_STATUSES", "JobView", "RUNNING_STATUSES",
    "STATUSES", "STREAM_STATUSES", "SUBSTATUSES", "SUCCESS_STATUSES", "StreamView", "WAITING_STATUSES",
    "WORKSTATION_STATES", "WORKSTATION_TYPES", "WorkstationView", "format_duration", "job_view", "last_run",
    "parse_duration", "parse_time", "stream_view", "workstation_view",
]
