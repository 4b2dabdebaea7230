"""Tables of the TWS side: instance configuration, the shared plan snapshot, events, run history, poller control.

The snapshot (`tws_plan_jobs`, `tws_workstations`, `tws_summaries`) is written by the one elected poller and read
by every worker, page and API: it is the only place the plan lives outside TWS. Events carry a unique dedupe key so
that no change is ever stored twice, whatever the number of pollers or restarts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow
from resync_app.tws.incarnation import new_incarnation


def _ts(nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# ---- configuration ----------------------------------------------------------------------------------


class TwsInstance(SQLModel, table=True):
    """One HWA/TWS server the console connects to (the password is stored encrypted, never returned)."""

    __tablename__ = "tws_instances"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=100)
    base_url: str = Field(max_length=500)
    username: str = Field(max_length=150)
    password_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    verify_tls: bool = Field(default=True)
    enabled: bool = Field(default=True)
    read_only: bool = Field(default=False)
    position: int = Field(default=0)
    # Which TWS this row points at: new on create and on every base_url change (`tws/incarnation.py`). The snapshot
    # remembers the incarnation it was built for; event keys are namespaced by it.
    incarnation: str = Field(default_factory=new_incarnation, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_by: str = Field(default="", max_length=150)


class TwsSettings(SQLModel, table=True):
    """The one row of TWS-wide settings: primary instance, config version (bumped on every change)."""

    __tablename__ = "tws_settings"

    id: int = Field(default=1, primary_key=True)
    primary_instance: str | None = Field(default=None, max_length=64)
    default_seeded: bool = Field(default=False)  # the simulator's default instance was offered once
    version: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_by: str = Field(default="", max_length=150)


class TwsPollerControl(SQLModel, table=True):
    """What admins asked of an instance's poller; the leader, whichever worker it is, reads this row."""

    __tablename__ = "tws_poller_control"

    instance: str = Field(primary_key=True, max_length=64)
    paused: bool = Field(default=False)
    poll_now_seq: int = Field(default=0)  # bumped by "poll now"; the leader polls when it has not seen it yet
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_by: str = Field(default="", max_length=150)


# ---- the shared snapshot ----------------------------------------------------------------------------


class TwsPlanJob(SQLModel, table=True):
    """One job of an instance's current plan as of the last poll (rows change only when the job changed)."""

    __tablename__ = "tws_plan_jobs"
    __table_args__ = (
        # Paging, sorting and filtering run in SQL on these (ties broken by job_id, so pages never overlap).
        Index("ix_tws_jobs_name", "instance", "name", "job_id"),
        Index("ix_tws_jobs_status_name", "instance", "status", "name", "job_id"),
        Index("ix_tws_jobs_ws_name", "instance", "workstation", "name", "job_id"),
        Index("ix_tws_jobs_stream_name", "instance", "job_stream", "name", "job_id"),
        Index("ix_tws_jobs_start", "instance", "start", "job_id"),
        Index("ix_tws_jobs_end", "instance", "end", "job_id"),
        Index("ix_tws_jobs_duration", "instance", "duration_s", "job_id"),
        Index("ix_tws_jobs_status_start", "instance", "status", "start", "job_id"),
        Index("ix_tws_jobs_status_end", "instance", "status", "end", "job_id"),
        Index("ix_tws_jobs_status_duration", "instance", "status", "duration_s", "job_id"),
        Index("ix_tws_jobs_critical", "instance", "critical", "deadline"),
        Index("ix_tws_jobs_deps", "instance", "deps_state"),
        # /monitoring's late / stuck chips and its return-code column page in index order too (migration 0009)
        Index("ix_tws_jobs_late_name", "instance", "late", "name", "job_id"),
        Index("ix_tws_jobs_stuck_name", "instance", "stuck", "name", "job_id"),
        Index("ix_tws_jobs_rc", "instance", "return_code", "job_id"),
    )

    instance: str = Field(primary_key=True, max_length=64)
    job_id: str = Field(primary_key=True, max_length=200)
    name: str = Field(default="", max_length=200)
    job_stream: str = Field(default="", max_length=200)
    job_stream_id: str = Field(default="", max_length=200)
    workstation: str = Field(default="", max_length=200)
    status: str = Field(default="", max_length=24)  # HWA internal status (SUCC, ABEND, EXEC, READY, HOLD, …)
    external_status: str = Field(default="", max_length=32)
    start: datetime | None = Field(default=None, sa_column=_ts())
    end: datetime | None = Field(default=None, sa_column=_ts())
    duration_s: float | None = Field(default=None)  # end − start of a finished run (running: computed on read)
    scheduled_start: datetime | None = Field(default=None, sa_column=_ts())
    deadline: datetime | None = Field(default=None, sa_column=_ts())
    estimated_duration_s: float | None = Field(default=None)
    critical: bool = Field(default=False)
    return_code: int | None = Field(default=None)
    run_number: int = Field(default=1)
    priority: int | None = Field(default=None)
    predecessors: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of job ids
    deps_state: int = Field(default=0)  # predecessors: 0 not needed yet, 1 wanted (critical path), 2 known
    late: bool = Field(default=False)
    stuck: bool = Field(default=False)
    risk: str = Field(default="", max_length=10)  # normal | potential | high ("" = not a critical job)
    confidence: float | None = Field(default=None)  # P(finishing by the deadline), critical jobs only
    fingerprint: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    changed_seq: int = Field(default=0)  # the poll that last changed this row
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    # Resync's count of the job's runs (`detect.run_seq`): the run part of its events' dedupe keys (migration 0010)
    run_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Deadline prediction (issue 17, migration 0016): the estimate of a job on a critical job's network, written by
    # the poll (`prediction/live.py`): estimated end, its 80 % interval, why ([{cause, job, minutes}] as JSON)
    estimated_end: datetime | None = Field(default=None, sa_column=_ts())
    estimated_end_low: datetime | None = Field(default=None, sa_column=_ts())
    estimated_end_high: datetime | None = Field(default=None, sa_column=_ts())
    why: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))


class TwsWorkstation(SQLModel, table=True):
    """One workstation of an instance's plan as of the last poll."""

    __tablename__ = "tws_workstations"

    instance: str = Field(primary_key=True, max_length=64)
    name: str = Field(primary_key=True, max_length=200)
    ws_id: str = Field(default="", max_length=200)
    type: str = Field(default="", max_length=40)
    link_status: str = Field(default="", max_length=40)
    linked: bool = Field(default=True)
    running: bool = Field(default=True)
    offline: bool = Field(default=False)
    change_seq: int = Field(default=0)  # bumped on every link/offline transition (part of events' dedupe keys)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class TwsSummary(SQLModel, table=True):
    """Per instance: the headline figures of the last poll and the poller's state (one row per instance)."""

    __tablename__ = "tws_summaries"

    instance: str = Field(primary_key=True, max_length=64)
    as_of: datetime | None = Field(default=None, sa_column=_ts())  # time of the last successful poll
    stale_since: datetime | None = Field(default=None, sa_column=_ts())  # first failed poll of the outage
    baseline_at: datetime | None = Field(default=None, sa_column=_ts())
    incarnation: str = Field(default="", max_length=32)  # the instance incarnation this snapshot belongs to
    health: str = Field(default="healthy", max_length=10)
    health_seq: int = Field(default=0)
    running: int = Field(default=0)
    completed: int = Field(default=0)
    failed: int = Field(default=0)
    pending: int = Field(default=0)
    late: int = Field(default=0)
    stuck: int = Field(default=0)
    total: int = Field(default=0)
    at_risk: int = Field(default=0)
    status_counts: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON {status: n}
    failure_rate: float = Field(default=0.0)
    failure_episode: int = Field(default=0)
    failure_high: bool = Field(default=False)
    ws_linked: int = Field(default=0)
    ws_unlinked: int = Field(default=0)
    ws_total: int = Field(default=0)
    engine_info: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    poller_state: str = Field(default="idle", max_length=16)  # idle | polling | waiting | backoff | paused | disabled
    leader: str = Field(default="", max_length=200)  # host:pid of the worker that polls
    last_poll_at: datetime | None = Field(default=None, sa_column=_ts())
    last_poll_ms: float | None = Field(default=None)
    last_error: str = Field(default="", max_length=500)
    last_error_at: datetime | None = Field(default=None, sa_column=_ts())
    consecutive_failures: int = Field(default=0)
    interval_s: float = Field(default=0.0)
    next_poll_at: datetime | None = Field(default=None, sa_column=_ts())
    mode: str = Field(default="fixed", max_length=16)
    poll_seq: int = Field(default=0)
    poll_now_seen: int = Field(default=0)
    polls_total: int = Field(default=0)
    poll_errors_total: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


# ---- history ----------------------------------------------------------------------------------------


class TwsEvent(SQLModel, table=True):
    """A change the poller noticed (exactly once: `dedupe_key` is unique)."""

    __tablename__ = "tws_events"
    __table_args__ = (
        Index("ix_tws_events_instance_id", "instance", "id"),
        Index("ix_tws_events_severity_id", "severity", "id"),
        Index("ix_tws_events_type_id", "type", "id"),
        Index("ix_tws_events_instance_type_at", "instance", "type", "at"),  # the shift report's window counts (0012)
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, index=True))
    instance: str = Field(max_length=64)
    type: str = Field(max_length=32)
    severity: str = Field(max_length=10)
    message: str = Field(default="", max_length=500)
    job: str | None = Field(default=None, max_length=200)
    job_id: str | None = Field(default=None, max_length=200)
    job_stream: str | None = Field(default=None, max_length=200)
    workstation: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=24)
    return_code: int | None = Field(default=None)
    dedupe_key: str = Field(max_length=400, unique=True)
    incident_id: int | None = Field(default=None, index=True)  # the incident it belongs to (`tws/incidents.py`)
    card_no: int | None = Field(default=None)  # Teams: None = no card; 0 = waiting for its incident's card; n = on card n


class TwsJobRun(SQLModel, table=True):
    """A finished run of a job (kept per job identity across plans, to estimate durations)."""

    __tablename__ = "tws_job_runs"
    __table_args__ = (
        UniqueConstraint("instance", "job_id", "run_number", name="uq_tws_job_run_once"),
        Index("ix_tws_job_runs_key_end", "instance", "job_key", "end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance: str = Field(max_length=64)
    job_key: str = Field(max_length=400)  # workstation#stream.job: the same job in every plan
    job_id: str = Field(max_length=200)
    run_number: int = Field(default=1)
    status: str = Field(max_length=24)
    start: datetime | None = Field(default=None, sa_column=_ts())
    end: datetime | None = Field(default=None, sa_column=_ts())
    duration_s: float | None = Field(default=None)
    return_code: int | None = Field(default=None)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, index=True))


class TwsPollLog(SQLModel, table=True):
    """One row per poll: latency, outcome and the counts then (poll metrics, jobs-per-status over the day)."""

    __tablename__ = "tws_poll_log"
    __table_args__ = (Index("ix_tws_poll_log_instance_at", "instance", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    instance: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, index=True))
    ok: bool = Field(default=True)
    duration_ms: float = Field(default=0.0)
    error_kind: str = Field(default="", max_length=40)
    jobs_changed: int = Field(default=0)
    events: int = Field(default=0)
    running: int = Field(default=0)
    completed: int = Field(default=0)
    failed: int = Field(default=0)
    pending: int = Field(default=0)
    late: int = Field(default=0)
    stuck: int = Field(default=0)
    total: int = Field(default=0)
