"""How long a job will run: a log-normal model learnt from its past successful runs.

In log space, per job:
- each run weighs 0.5 ** (age in days / HALF_LIFE_DAYS): recent runs count more (a job that got slower last week);
- weekday and month-end effects (from LOCAL_MIN_RUNS runs on): each run's residual against the median of the runs
  within ±3.5 days (a week, so the weekly pattern cancels out); a weekday's effect is the median residual of its
  runs (from WEEKDAY_MIN_RUNS of them), the month-end effect (the last MONTH_END_DAYS calendar days) that of the
  month-end runs; an effect counts when it is over SIGNIFICANCE standard errors, shrunk by e² / (e² + SE²);
- a slow drift: the Theil-Sen slope of the last TREND_DAYS, when over 3 standard errors (and shrunk by them), moves
  each run to `on`;
- the level is the recency-weighted median of the durations without those effects; the spread σ is 1.4826 × the
  median absolute deviation from the week's median (robust: one run that hung moves neither), widened for the
  level's own error (√(1 + 1.57 / n_eff)), times SIGMA_SCALE (1: none needed on the tuning history), ≥ SIGMA_MIN;
  a month end never seen before adds MONTH_END_UNKNOWN_SIGMA and moves the median up by MONTH_END_UNKNOWN_SHIFT
  (month ends are batch closings: slower or the same, seldom faster);
- hangs: runs 2.5 × over their week's median (and 4 σ) give the chance of a hang (with a 1 %-over-20-runs prior)
  and its factor (their median, else 4 ×): the Monte Carlo draws them.
Without successful runs: TWS's estimated duration, then the stream's, then DEFAULT_S, with FALLBACK_SIGMA.
Fits are cached by (job, runs, day): a recompute after a poll reuses them.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from resync_app.prediction.types import PastRun

HALF_LIFE_DAYS = 10.0
MAX_RUNS = 120  # the most recent successful runs used
WEEKDAY_MIN_RUNS = 3
MONTH_END_DAYS = 2
MONTH_END_MIN_RUNS = 2
SIGNIFICANCE = 2.0  # an effect counts when it is over 2 standard errors
TREND_DAYS = 42
TREND_MIN_RUNS = 10
TREND_SIGNIFICANCE = 3.0  # a slope counts when it is over 3 standard errors (weaker ones only added noise)
LOCAL_MIN_RUNS = 8  # from 8 runs on: local levels, effects, trend
LOCAL_CORRECTION = 1.13  # a run's deviation from the median of its own week (7 runs) understates the noise
SIGMA_MIN = 0.03
MONTH_END_UNKNOWN_SIGMA = 0.25
MONTH_END_UNKNOWN_SHIFT = 0.1  # …and more likely slower than faster: + 10 % (tuning seed: Brier 0.0944 → 0.0935)
HANG_LOG = math.log(2.5)  # a run over 2.5 × (and 4 σ above) its week's median hung
HANG_PRIOR, HANG_PRIOR_RUNS, HANG_FACTOR = 0.01, 20, 4.0  # before evidence: 1 % of runs hang, for 4 × as long
SIGMA_SCALE = 1.0
FEW_RUNS = 5  # below: the spread is blended with FALLBACK_SIGMA
FALLBACK_SIGMA = 0.3
DEFAULT_S = 600.0
MIN_DURATION_S = 1.0
MAX_DELAY_S = 6 * 3600.0
SUCCESS = frozenset({"SUCC", "END", "DONE"})
_CACHE: dict[tuple, "DurationModel"] = {}
_CACHE_MAX = 400_000


@dataclass(frozen=True)
class DurationModel:
    """A log-normal duration: median `median_s`, log-space spread `sigma`; `source` history|tws|stream|default."""

    median_s: float
    sigma: float
    source: str
    runs: int
    hang_p: float = 0.0  # the chance that a run hangs: it takes `hang_factor` times as long
    hang_factor: float = 1.0

    @property
    def mu(self) -> float:
        return math.log(self.median_s)


def is_month_end(moment: datetime) -> bool:
    return moment.day > calendar.monthrange(moment.year, moment.month)[1] - MONTH_END_DAYS


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1])])


def _median(values: np.ndarray) -> float:
    """np.median without its overhead (small arrays, no NaN)."""
    v = np.sort(values)
    n = len(v)
    return float(v[(n - 1) // 2] + v[n // 2]) / 2


def _local_levels(days: np.ndarray, logs: np.ndarray) -> np.ndarray:
    """Each run's week: the median of the runs within ±3.5 days of it."""
    near = np.abs(days[:, None] - days[None, :]) <= 3.5
    ranked = np.sort(np.where(near, logs[None, :], np.inf), axis=1)
    count = near.sum(axis=1)
    rows = np.arange(len(logs))
    return (ranked[rows, (count - 1) // 2] + ranked[rows, count // 2]) / 2


def _effect(residuals: np.ndarray, noise: float) -> float:
    """The median residual of a group of runs, kept only when it stands out of the noise (|e| > 2 SE, SE = 1.25 σ/√n,
    a median's standard error) and shrunk towards 0 by e² / (e² + SE²)."""
    n = len(residuals)
    if n == 0:
        return 0.0
    value = _median(residuals)
    error = 1.25 * noise / math.sqrt(n)
    if abs(value) <= SIGNIFICANCE * error:
        return 0.0
    return value * value * value / (value * value + error * error)


def _trend(days: np.ndarray, logs: np.ndarray, noise: float) -> float:
    """Theil-Sen slope of the log duration per day (robust to hangs) over the last TREND_DAYS; 0 unless over
    TREND_SIGNIFICANCE standard errors, then shrunk by b² / (b² + SE²)."""
    recent = days <= TREND_DAYS
    x, y = -days[recent], logs[recent]
    if len(x) < TREND_MIN_RUNS:
        return 0.0
    i, j = np.triu_indices(len(x), 1)
    dx = x[j] - x[i]
    ok = np.abs(dx) > 0.5
    if not ok.any():
        return 0.0
    slope = _median((y[j] - y[i])[ok] / dx[ok])
    spread_x = float(np.std(x))
    error = noise / (spread_x * math.sqrt(len(x))) if spread_x > 0 else math.inf
    if abs(slope) <= TREND_SIGNIFICANCE * error:
        return 0.0
    return slope * slope * slope / (slope * slope + error * error)


def fit(runs: Sequence[PastRun], on: datetime, *, tws_estimate_s: float | None = None,
        stream_estimate_s: float | None = None) -> DurationModel:
    """The duration model of a job for a run on `on`, from its past runs (failures and runs after `on` ignored)."""
    good = [r for r in runs if r.status in SUCCESS and r.start < on and r.end >= r.start][-MAX_RUNS:]
    if not good:
        for value, source in ((tws_estimate_s, "tws"), (stream_estimate_s, "stream")):
            if value and value > 0:
                return DurationModel(max(float(value), MIN_DURATION_S), FALLBACK_SIGMA, source, 0, HANG_PRIOR,
                                     HANG_FACTOR)
        return DurationModel(DEFAULT_S, FALLBACK_SIGMA * 2, "default", 0, HANG_PRIOR, HANG_FACTOR)
    logs = np.log(np.maximum([(r.end - r.start).total_seconds() for r in good], MIN_DURATION_S))
    days = np.array([(on - r.start).total_seconds() / 86_400 for r in good])
    weights = 0.5 ** (days / HALF_LIFE_DAYS)
    n = len(good)
    if n < LOCAL_MIN_RUNS:
        level = weighted_median(logs, weights)
        spread = 1.4826 * _median(np.abs(logs - level)) if n >= 2 else 0.0
        spread = (spread * n + FALLBACK_SIGMA * (FEW_RUNS - n)) / FEW_RUNS if n < FEW_RUNS else spread
        return DurationModel(max(math.exp(level), MIN_DURATION_S), max(spread * SIGMA_SCALE, SIGMA_MIN), "history", n,
                             HANG_PRIOR, HANG_FACTOR)
    resid = logs - _local_levels(days, logs)  # a week around each run: the weekly pattern cancels out
    noise = 1.4826 * _median(np.abs(resid)) * LOCAL_CORRECTION
    shift = np.zeros(n)
    effect = 0.0
    month_end = np.array([is_month_end(r.start) for r in good])
    if month_end.sum() >= MONTH_END_MIN_RUNS:
        me = _effect(resid[month_end], noise)
        shift[month_end] = me
        effect += me if is_month_end(on) else 0.0
    weekday = np.array([r.start.weekday() for r in good])
    for day in range(7):
        mask = ~month_end & (weekday == day)
        if mask.sum() >= WEEKDAY_MIN_RUNS:
            eff = _effect(resid[mask], noise)
            shift[mask] = eff
            if day == on.weekday() and not is_month_end(on):
                effect += eff
    flat = logs - shift
    slope = _trend(days, flat, noise)
    level = weighted_median(flat + slope * days, weights)  # each run moved along the trend to `on`
    noise = 1.4826 * _median(np.abs(resid - shift)) * LOCAL_CORRECTION
    n_eff = float(weights.sum() ** 2 / (weights ** 2).sum())
    sigma = noise * math.sqrt(1 + 1.57 / n_eff) * SIGMA_SCALE
    if is_month_end(on) and not month_end.any():  # a month end never seen: its effect is unknown
        sigma = math.hypot(sigma, MONTH_END_UNKNOWN_SIGMA)
        effect += MONTH_END_UNKNOWN_SHIFT
    hung = (resid - shift) > max(HANG_LOG, 4 * noise)
    hang_p = (int(hung.sum()) + HANG_PRIOR_RUNS * HANG_PRIOR) / (n + HANG_PRIOR_RUNS)
    factor = math.exp(_median((resid - shift)[hung])) if hung.any() else HANG_FACTOR
    return DurationModel(max(math.exp(level + effect), MIN_DURATION_S), max(sigma, SIGMA_MIN), "history", n,
                         hang_p, factor)


def start_delays(runs: Sequence[PastRun], scheduled: datetime) -> np.ndarray:
    """How late, in seconds, each past successful run started after today's scheduled time of day (a job that
    starts on its own: no predecessor); runs that started more than MAX_DELAY_S off that time are left out (another
    schedule), early ones count as 0."""
    at = scheduled.hour * 3600 + scheduled.minute * 60 + scheduled.second
    out = []
    for run in runs[-MAX_RUNS:]:
        if run.status not in SUCCESS:
            continue
        local = run.start.astimezone(scheduled.tzinfo)
        delay = (local.hour * 3600 + local.minute * 60 + local.second - at + 43_200) % 86_400 - 43_200
        if -MAX_DELAY_S <= delay <= MAX_DELAY_S:
            out.append(max(delay, 0.0))
    return np.array(out)


def cached_fit(key: str, runs: Sequence[PastRun], on: datetime, *, tws_estimate_s: float | None = None,
               stream_estimate_s: float | None = None) -> DurationModel:
    """`fit`, remembered by (job key, number of runs, last run's end, day of `on`, estimates)."""
    last = runs[-1].end if runs else None
    ident = (key, len(runs), last, on.date(), tws_estimate_s, stream_estimate_s)
    found = _CACHE.get(ident)
    if found is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        found = _CACHE[ident] = fit(runs, on, tws_estimate_s=tws_estimate_s, stream_estimate_s=stream_estimate_s)
    return found


def clear_cache() -> None:
    _CACHE.clear()
