"""The prediction engine's interface (CONTRACT §13): what goes in (the plan's nodes, their past runs, now) and what
comes out (an estimate per job). Plain dataclasses, no framework; every datetime is timezone-aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Causes of predicted lateness (`Why.cause`), the whole set:
LATE_START = "late_start"  # the chain that ends in the job started (or will start) after its scheduled start
SLOW_RUN = "slow_run"  # the job itself runs (or is expected to run) longer than usual
PREDECESSOR = "predecessor"  # a predecessor on the critical path runs longer than usual
ABENDED_PREDECESSOR = "abended_predecessor"  # a failed job on the path (the job itself too): operator + rerun
LONG_DURATION = "long_duration"  # even at their usual durations the chain does not fit before the deadline
CAUSES = (LATE_START, SLOW_RUN, PREDECESSOR, ABENDED_PREDECESSOR, LONG_DURATION)

# Risk levels and their thresholds, for this engine and HWA's formula in resync_app/tws/detect.py alike.
RISK_NORMAL, RISK_POTENTIAL, RISK_HIGH = "normal", "potential", "high"
NORMAL_FROM = 0.8
POTENTIAL_FROM = 0.5


@dataclass(frozen=True)
class PastRun:
    """One past run of a job: start, end (tz-aware) and its status ('SUCC' or a failure such as 'ABEND')."""

    start: datetime
    end: datetime
    status: str


@dataclass
class PlanNode:
    """A job of the current plan. `key` is its id in the plan; `predecessors` are keys of the same plan; `status`
    is the HWA internal status (see resync_app/tws/statuses.py)."""

    key: str
    name: str
    job_stream: str
    workstation: str
    critical: bool
    deadline: datetime | None
    scheduled_start: datetime | None
    predecessors: list[str]
    status: str
    start: datetime | None
    end: datetime | None
    estimated_duration_s: float | None
    stream_estimated_duration_s: float | None = None


@dataclass(frozen=True)
class Why:
    """One cause of predicted lateness: `minutes` of it come from `job` (see CAUSES)."""

    cause: str
    job: str
    minutes: float


@dataclass
class Estimate:
    """The predicted end of a job: the median scenario's end and an 80 % interval (10th / 90th percentile);
    `confidence` = P(end ≤ deadline) (None without a deadline); `risk` normal|potential|high for a critical job with a
    deadline, else ''; `why`: causes whose minutes add up to the predicted lateness (empty when on time); `hot`: the
    predecessors on HWA's hot list (running over 150 % of their estimated duration, or not started 120 s before
    their critical start)."""

    estimated_end: datetime
    low: datetime
    high: datetime
    confidence: float | None
    risk: str
    why: list[Why] = field(default_factory=list)
    hot: list[str] = field(default_factory=list)


def key_of(node: PlanNode) -> str:
    """The history key of a job: its identity across plans, `workstation#stream.job`."""
    return f"{node.workstation}#{node.job_stream}.{node.name}"


def risk_of(confidence: float | None) -> str:
    """The risk level of a confidence (the thresholds of detect.py); '' without one."""
    if confidence is None:
        return ""
    if confidence >= NORMAL_FROM:
        return RISK_NORMAL
    if confidence >= POTENTIAL_FROM:
        return RISK_POTENTIAL
    return RISK_HIGH
