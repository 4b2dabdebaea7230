"""Run durations that behave like real batch jobs (issue 17 §5), for the live plan and the back-filled history.

Each job (by its stream and name) has a fixed profile drawn from a hash of its identity, so the same job behaves
the same way today, in the back-fill and in every process:
- log-normal spread around its median (σ 0.08-0.35 of the log duration);
- a weekday effect (some jobs run longer on Mondays, shorter at weekends) and a month-end effect (the last two days
  of a month: 1.3-2× for a third of the jobs);
- slow drift: a quarter of the jobs get slower (or faster) by up to 1 % a day, relative to 2026-01-01;
- rare hangs: 0.3 % of runs take 3-6× their usual time.
Fan-in dependencies come from the plan's own structure (`build.py`: jobs with two predecessors, cross-stream ones).
The median is the template's estimated duration times these factors, so TWS's estimate stays roughly right on an
ordinary day.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

DAY = 86400.0
_EPOCH_DAY = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() / DAY
HANG_RATE = 0.003


@dataclass(frozen=True)
class Profile:
    sigma: float
    weekday: tuple[float, ...]  # factor per weekday, Monday first
    month_end: float
    drift_per_day: float


_profiles: dict[str, Profile] = {}


def profile(identity: str) -> Profile:
    """The job's fixed behaviour (deterministic for its identity, e.g. "STREAM.JOB")."""
    found = _profiles.get(identity)
    if found is not None:
        return found
    rng = random.Random(zlib.crc32(identity.encode()))
    weekday = [1.0] * 7
    if rng.random() < 0.4:
        weekday[0] = rng.uniform(1.15, 1.5)  # Monday catches up the weekend
    if rng.random() < 0.5:
        weekday[5] = weekday[6] = rng.uniform(0.6, 0.9)  # less data at weekends
    month_end = rng.uniform(1.3, 2.0) if rng.random() < 0.33 else 1.0
    drift = rng.uniform(-0.004, 0.01) if rng.random() < 0.25 else 0.0
    found = Profile(sigma=rng.uniform(0.08, 0.35), weekday=tuple(weekday), month_end=month_end, drift_per_day=drift)
    _profiles[identity] = found
    return found


def median(identity: str, est: float, at: float) -> float:
    """The job's typical duration (s) for a run starting at `at` (epoch seconds)."""
    p = profile(identity)
    moment = datetime.fromtimestamp(at, timezone.utc)
    factor = p.weekday[moment.weekday()]
    tomorrow = datetime.fromtimestamp(at + 2 * DAY, timezone.utc)
    if tomorrow.month != moment.month:
        factor *= p.month_end
    days = at / DAY - _EPOCH_DAY
    factor *= min(2.0, max(0.5, 1.0 + p.drift_per_day * days))
    return est * factor


def draw(rng: random.Random, identity: str, est: float, at: float) -> float:
    """One run's duration (s) for a run starting at `at`."""
    p = profile(identity)
    value = median(identity, est, at) * math.exp(rng.gauss(0.0, p.sigma))
    if rng.random() < HANG_RATE:
        value *= rng.uniform(3.0, 6.0)
    return max(5.0, round(value, 1))
