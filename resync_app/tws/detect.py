"""Change detection: from the previous poll's view of a job/workstation/instance and the new one, the events.

Pure functions, no I/O: the poll (`snapshot.py`) feeds them and stores what they return. Every event carries a
dedupe key built from what identifies the change (the job's id and run number, a workstation's transition counter,
the instance's health sequence, the outage's start), so storing it twice is impossible (unique constraint) and a
second poller, a restart or a repeated poll finds the same key.

Derived flags (CONTRACT §7, the TWS Monitoring fields):
- stuck: running (EXEC, …) for longer than `tws_job_stuck_threshold_minutes`;
- late: not started `tws_job_late_threshold_minutes` after its scheduled start;
- deadline risk of a critical job: from its deadline prediction while it can still run (issue 17,
  `prediction/live.py`); `deadline_risk` (HWA's method) for a finished job, without an estimate, and as the
  benchmark's baseline.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from resync_app.tws.plan_fields import (
    CANCELLED_STATUSES, FAILED_STATUSES, FINAL_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES, JobView,
)
from resync_app.prediction import wording
from resync_app.prediction.types import (  # the levels and their thresholds: one definition for both estimators
    NORMAL_FROM, POTENTIAL_FROM, RISK_HIGH, RISK_NORMAL, RISK_POTENTIAL, risk_of,
)
from resync_app.tws.statuses import meaning as status_meaning

# Risk levels of a critical job (HCL's console: normal / potential risk / high risk): confidence ≥ NORMAL_FROM (0.8)
# → normal, ≥ POTENTIAL_FROM (0.5) → potential risk, below → high risk (`prediction.types.risk_of`).
RISK_LEVELS = (RISK_NORMAL, RISK_POTENTIAL, RISK_HIGH)
MIN_SPREAD_S = 60.0  # the deviation never goes below a minute
DEFAULT_SPREAD_SHARE = 0.25  # without 2+ past runs: a quarter of the expected duration
MIN_FINISHED_FOR_RATE = 10  # the failure rate means something from 10 finished jobs on


@dataclass(frozen=True)
class Thresholds:
    stuck_minutes: int = 60
    late_minutes: int = 30
    failure_rate: float = 0.1


@dataclass(slots=True)
class Known:
    """What the poller remembers of a job between polls. The first seven fields are also in its snapshot row;
    `raw` (a digest of the job's JSON, valid in this process only), `recheck` (when a time-based flag — late,
    stuck — may flip; None: not before the job changes) and `volatile` (a critical job still running or waiting:
    its deadline risk moves with the clock) let the next poll skip unchanged jobs without parsing them again."""

    fingerprint: int
    status: str
    run_number: int
    late: bool
    stuck: bool
    risk: str
    confidence: float | None = None
    raw: int | None = None
    recheck: datetime | None = None
    volatile: bool = False
    run_seq: int = 0  # Resync's count of the job's runs (0: not known, a row from before it was stored)


@dataclass(slots=True)
class Candidate:
    """An event before it is stored (`dedupe_key` decides whether it is new)."""

    type: str
    severity: str
    message: str
    dedupe_key: str
    job: str | None = None
    job_id: str | None = None
    job_stream: str | None = None
    workstation: str | None = None
    status: str | None = None
    return_code: int | None = None


@dataclass(frozen=True)
class DurationStats:
    """Past successful runs of one job: how many, mean and standard deviation of their durations (s)."""

    runs: int
    mean_s: float
    stdev_s: float


# ---- jobs -------------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def fingerprint(view: JobView) -> int:
    """A stable 64-bit digest of the fields the snapshot stores (same value in every process)."""
    parts = (
        view.name, view.job_stream, view.job_stream_id, view.workstation, view.status, view.common_status,
        _iso(view.start), _iso(view.end), _iso(view.scheduled_start), _iso(view.deadline),
        repr(view.estimated_duration_s), "1" if view.critical else "0", repr(view.return_code), str(view.run_number),
        repr(view.priority), ",".join(view.predecessors), view.substatus,
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def run_seq(prev: Known | None, view: JobView) -> int:
    """Resync's count of the job's runs, for the run in `view` (issue 16, D5). A new run is seen when its position in
    `jobruns` grows, when a known job number changes to another, or when a finished job runs again (only a rerun
    revives a job that ended); a run that merely gets its job number at launch stays the same run."""
    if prev is None or prev.run_seq <= 0:
        return max(1, view.run_position)
    numbered_anew = prev.run_number > 0 and view.run_number > 0 and prev.run_number != view.run_number
    revived = prev.status in FINAL_STATUSES and view.status not in FINAL_STATUSES and bool(view.status)
    if view.run_position > prev.run_seq or numbered_anew or revived:
        return max(prev.run_seq + 1, view.run_position)
    return prev.run_seq


def _run_label(view: JobView) -> str:
    return str(view.run_number) if view.run_number else "not numbered yet"


def stuck_flag(status: str, start: datetime | None, now: datetime, th: Thresholds) -> bool:
    """Running for longer than `stuck_minutes`."""
    return status in RUNNING_STATUSES and start is not None and now - start > timedelta(minutes=th.stuck_minutes)


def late_flag(status: str, start: datetime | None, scheduled: datetime | None, now: datetime,
              th: Thresholds) -> bool:
    """Not started (not running, not finished) `late_minutes` after its scheduled start."""
    if scheduled is None or start is not None or status in RUNNING_STATUSES or status in FINAL_STATUSES:
        return False
    return now - scheduled > timedelta(minutes=th.late_minutes)


def recheck_at(view: JobView, late: bool, stuck: bool, th: Thresholds) -> datetime | None:
    """When the late or stuck flag of an otherwise unchanged job would flip (None: not before it changes)."""
    if view.status in RUNNING_STATUSES:
        return view.start + timedelta(minutes=th.stuck_minutes) if view.start is not None and not stuck else None
    if view.status in FINAL_STATUSES or view.start is not None or view.scheduled_start is None or late:
        return None
    return view.scheduled_start + timedelta(minutes=th.late_minutes)


def is_stuck(view: JobView, now: datetime, th: Thresholds) -> bool:
    return stuck_flag(view.status, view.start, now, th)


def is_late(view: JobView, now: datetime, th: Thresholds) -> bool:
    return late_flag(view.status, view.start, view.scheduled_start, now, th)


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def deadline_risk(view: JobView, now: datetime, stats: DurationStats | None) -> tuple[str, float | None]:
    """(risk level, confidence) of a critical job with a deadline; ("", None) for any other job.

    confidence = P(the job ends by its deadline) = Φ((deadline − estimated end) / σ), where
    - the expected duration μ is the mean of its past successful runs, else TWS's estimated duration;
    - σ is the standard deviation of those runs (2+ runs), else a quarter of μ; never below a minute;
    - the estimated end is start + μ for a running job (now, if it already overran μ), and
      max(now, scheduled start) + μ for a job that has not started.
    A finished job: 1 if it ended by the deadline, 0 if not. A failed or cancelled job cannot end in time
    without an operator: 0. Levels: ≥ 0.8 normal, ≥ 0.5 potential, else high.
    """
    if not view.critical or view.deadline is None:
        return "", None
    deadline = view.deadline
    if view.status in SUCCESS_STATUSES:
        ok = view.end is None or view.end <= deadline
        return (RISK_NORMAL, 1.0) if ok else (RISK_HIGH, 0.0)
    if view.status in FAILED_STATUSES or view.status in CANCELLED_STATUSES:
        return RISK_HIGH, 0.0
    if stats is not None and stats.runs >= 1:
        mean = stats.mean_s
    else:
        mean = view.estimated_duration_s or 0.0
    if stats is not None and stats.runs >= 2:
        spread = stats.stdev_s
    else:
        spread = DEFAULT_SPREAD_SHARE * mean
    spread = max(spread, MIN_SPREAD_S)
    if view.status in RUNNING_STATUSES and view.start is not None:
        est_end = max(view.start + timedelta(seconds=mean), now)
    else:
        begin = max(now, view.scheduled_start) if view.scheduled_start is not None else now
        est_end = begin + timedelta(seconds=mean)
    confidence = normal_cdf((deadline - est_end).total_seconds() / spread)
    confidence = round(confidence, 3)
    return risk_of(confidence), confidence


def counts_as_at_risk(view: JobView, risk: str, now: datetime) -> bool:
    """A critical job that may still make it but probably will not: at potential or high risk, not finished
    successfully, deadline not passed yet (a passed deadline is missed, not at risk)."""
    return (risk in (RISK_POTENTIAL, RISK_HIGH) and view.status not in SUCCESS_STATUSES
            and view.deadline is not None and now <= view.deadline)


def _job_candidate(instance: str, view: JobView, type_: str, severity: str, message: str, key: str) -> Candidate:
    return Candidate(type=type_, severity=severity, message=message[:500], dedupe_key=f"{instance}:{key}"[:400],
                     job=view.name, job_id=view.id, job_stream=view.job_stream, workstation=view.workstation,
                     status=view.status, return_code=view.return_code)


def job_events(instance: str, prev: Known | None, view: JobView, *, late: bool, stuck: bool, risk: str,
               confidence: float | None, th: Thresholds, now: datetime | None = None,
               estimate: object | None = None) -> list[Candidate]:
    """The events one job's change gives (none when nothing that matters changed). `estimate`: the job's deadline
    prediction (issue 17), whose estimated end, interval and top cause the deadline-at-risk message carries."""
    out: list[Candidate] = []
    label = f"{view.workstation}#{view.job_stream}.{view.name}"
    run, number = view.run_seq or max(1, view.run_position), _run_label(view)
    prev_status = prev.status if prev is not None else None
    new_run = prev is not None and prev.run_seq > 0 and run != prev.run_seq
    status_changed = prev_status != view.status or new_run
    if status_changed:
        if view.status in RUNNING_STATUSES and (prev_status not in RUNNING_STATUSES or new_run):
            out.append(_job_candidate(instance, view, "job_started", "info", f"Job {label} started (run {number}).",
                                      f"job_started:{view.id}:{run}"))
        elif view.status in SUCCESS_STATUSES and (prev_status not in SUCCESS_STATUSES or new_run):
            out.append(_job_candidate(instance, view, "job_completed", "info",
                                      f"Job {label} completed successfully (run {number}, return code "
                                      f"{view.return_code if view.return_code is not None else '—'}).",
                                      f"job_completed:{view.id}:{run}"))
        elif view.status in FAILED_STATUSES and (prev_status not in FAILED_STATUSES or new_run):
            out.append(_job_candidate(instance, view, "job_abended", "critical",
                                      f"Job {label} is {view.status}: {status_meaning(view.status)} (run {number}, "
                                      f"return code {view.return_code if view.return_code is not None else '—'}).",
                                      f"job_abended:{view.id}:{run}"))
    if stuck and not (prev is not None and prev.stuck and not new_run):
        out.append(_job_candidate(instance, view, "job_stuck", "warning",
                                  f"Job {label} has been running for more than {th.stuck_minutes} minutes "
                                  f"(since {view.start:%Y-%m-%d %H:%M} UTC).",
                                  f"job_stuck:{view.id}:{run}"))
    if late and not (prev is not None and prev.late):
        out.append(_job_candidate(instance, view, "job_late", "warning",
                                  f"Job {label} has not started {th.late_minutes} minutes after its scheduled start "
                                  f"({view.scheduled_start:%Y-%m-%d %H:%M} UTC).",
                                  f"job_late:{view.id}:{_iso(view.scheduled_start)}"))
    was_risk = prev.risk if prev is not None and not new_run else ""
    if risk in (RISK_POTENTIAL, RISK_HIGH) and _risk_rank(risk) > _risk_rank(was_risk) \
            and view.status not in SUCCESS_STATUSES:
        severity = "critical" if risk == RISK_HIGH else "warning"
        words = "high risk" if risk == RISK_HIGH else "potential risk"
        pct = f"{confidence * 100:.0f}%" if confidence is not None else "unknown"
        if view.deadline is not None and now is not None and now > view.deadline:
            text = f"Critical job {label} has missed its deadline ({view.deadline:%Y-%m-%d %H:%M} UTC)."
        else:
            text = (f"Critical job {label} is at {words} of missing its deadline "
                    f"({view.deadline:%Y-%m-%d %H:%M} UTC): {pct} chance to finish in time."
                    + wording.event_tail(estimate))
        out.append(_job_candidate(instance, view, "deadline_at_risk", severity, text,
                                  f"deadline_at_risk:{view.id}:{run}:{risk}"))
    return out


def _risk_rank(risk: str) -> int:
    return {RISK_POTENTIAL: 1, RISK_HIGH: 2}.get(risk, 0)


# ---- workstations -----------------------------------------------------------------------------------


def workstation_events(instance: str, name: str, *, was_linked: bool | None, was_offline: bool | None,
                       linked: bool, offline: bool, seq: int) -> list[Candidate]:
    """Link/offline transitions of one workstation (`seq` is its transition counter after this change)."""
    if was_linked is None:
        return []  # a workstation new to the plan: its state is the baseline
    out: list[Candidate] = []

    def make(type_: str, severity: str, message: str) -> Candidate:
        return Candidate(type=type_, severity=severity, message=message, workstation=name,
                         dedupe_key=f"{instance}:ws:{name}:{seq}:{type_}"[:400])

    if offline and not was_offline:
        out.append(make("workstation_offline", "critical", f"Workstation {name} is offline."))
    elif not linked and was_linked and not offline:
        out.append(make("workstation_unlinked", "warning", f"Workstation {name} is unlinked."))
    elif linked and not offline and (not was_linked or was_offline):
        out.append(make("workstation_linked", "info", f"Workstation {name} is linked again."))
    return out


# ---- the instance -----------------------------------------------------------------------------------


def failure_rate(failed: int, completed: int) -> float:
    finished = failed + completed
    return failed / finished if finished >= MIN_FINISHED_FOR_RATE else 0.0


def health_of(*, rate: float, th: Thresholds, ws_total: int, ws_down: int, stuck: int, high_risk: int) -> str:
    """healthy | degraded | critical from the plan's figures:
    critical: failure rate above the threshold, or half or more of the workstations unlinked/offline;
    degraded: failure rate above half the threshold, any workstation down, any stuck job, any critical job at
    high risk; else healthy."""
    if rate > th.failure_rate or (ws_total and ws_down * 2 >= ws_total):
        return "critical"
    if rate > th.failure_rate / 2 or ws_down or stuck or high_risk:
        return "degraded"
    return "healthy"


def health_event(instance: str, old: str, new: str, seq: int, reason: str) -> Candidate | None:
    """The event of a health transition (`seq` is the health sequence after it)."""
    if old == new:
        return None
    if new == "critical":
        type_, severity, words = "instance_critical", "critical", "critical"
    elif new == "degraded":
        type_, severity, words = "instance_degraded", "warning", "degraded"
    else:
        type_, severity, words = "instance_recovered", "info", "healthy again"
    return Candidate(type=type_, severity=severity, message=f"TWS instance {instance} is {words}: {reason}"[:500],
                     dedupe_key=f"{instance}:health:{seq}:{type_}")


def failure_rate_event(instance: str, rate: float, th: Thresholds, episode: int, failed: int,
                       finished: int) -> Candidate:
    return Candidate(type="failure_rate_high", severity="warning",
                     message=(f"Failure rate on {instance} is {rate * 100:.1f}% ({failed} of {finished} finished "
                              f"jobs), above the {th.failure_rate * 100:.0f}% threshold."),
                     dedupe_key=f"{instance}:failure_rate:{episode}")


def unreachable_event(instance: str, since: datetime, error: str) -> Candidate:
    return Candidate(type="instance_unreachable", severity="critical",
                     message=f"TWS instance {instance} cannot be polled: {error}"[:500],
                     dedupe_key=f"{instance}:unreachable:{since.isoformat()}")


def reachable_event(instance: str, since: datetime, now: datetime) -> Candidate:
    minutes = max(0, int((now - since).total_seconds() // 60))
    return Candidate(type="instance_recovered", severity="info",
                     message=f"TWS instance {instance} answers again (stale for {minutes} min).",
                     dedupe_key=f"{instance}:reachable:{since.isoformat()}")
