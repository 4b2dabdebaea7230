"""How long a job will run: a log-normal model learnt from its past successful runs.

In log space, per job:
- each run weighs 0.5 ** (age in days / HALF_LIFE_DAYS): recent runs count more (a job that got slower last week);
- weekday and month-end effects: each run's residual against the median of the runs within ±3 days (a week, so the
  weekly pattern cancels out); a weekday's effect is the median residual of its runs, once it has WEEKDAY_MIN_RUNS
  of them, shrunk towards 0 (n / (n + 2)); the month-end effect (the last MONTH_END_DAYS calendar days) likewise
  from MONTH_END_MIN_RUNS runs;
- the level is the weighted median of the durations without those effects, the spread 1.4826 × their weighted
  median absolute deviation (robust: one run that hung moves neither), times SIGMA_SCALE, never below SIGMA_MIN.
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
WEEKDAY_MIN_RUNS = 4
MONTH_END_DAYS = 2
MONTH_END_MIN_RUNS = 2
SIGMA_MIN = 0.03
SIGMA_SCALE = 1.0
FEW_RUNS = 5  # below: the spread is blended with FALLBACK_SIGMA
FALLBACK_SIGMA = 0.3
DEFAULT_S = 600.0
MIN_DURATION_S = 1.0
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


def _shrunk_effect(residuals: np.ndarray, weights: np.ndarray, min_runs: int, prior: float) -> float:
    n = len(residuals)
    if n < min_runs:
        return 0.0
    return weighted_median(residuals, weights) * n / (n + prior)


def fit(runs: Sequence[PastRun], on: datetime, *, tws_estimate_s: float | None = None,
        stream_estimate_s: float | None = None) -> DurationModel:
    """The duration model of a job for a run on `on`, from its past runs (failures and runs after `on` ignored)."""
    good = [r for r in runs if r.status in SUCCESS and r.start < on and r.end >= r.start][-MAX_RUNS:]
    if not good:
        for value, source in ((tws_estimate_s, "tws"), (stream_estimate_s, "stream")):
            if value and value > 0:
                return DurationModel(max(float(value), MIN_DURATION_S), FALLBACK_SIGMA, source, 0)
        return DurationModel(DEFAULT_S, FALLBACK_SIGMA * 2, "default", 0)
    logs = np.log(np.maximum([(r.end - r.start).total_seconds() for r in good], MIN_DURATION_S))
    days = np.array([(on - r.start).total_seconds() / 86_400 for r in good])
    weights = 0.5 ** (days / HALF_LIFE_DAYS)
    n = len(good)
    shift = np.zeros(n)
    effect = 0.0
    if n >= 2 * WEEKDAY_MIN_RUNS:
        near = np.abs(days[:, None] - days[None, :]) <= 3.5
        level = np.nanmedian(np.where(near, logs[None, :], np.nan), axis=1)
        resid = logs - level
        weekday = np.array([r.start.weekday() for r in good])
        month_end = np.array([is_month_end(r.start) for r in good])
        me = _shrunk_effect(resid[month_end], weights[month_end], MONTH_END_MIN_RUNS, 1.0)
        shift[month_end] += me
        plain = ~month_end
        for day in range(7):
            mask = plain & (weekday == day)
            eff = _shrunk_effect(resid[mask], weights[mask], WEEKDAY_MIN_RUNS, 2.0)
            shift[mask] += eff
            if day == on.weekday():
                effect += eff
        if is_month_end(on):
            effect += me
    flat = logs - shift
    level = weighted_median(flat, weights)
    spread = 1.4826 * weighted_median(np.abs(flat - level), weights) if n >= 2 else 0.0
    if n < FEW_RUNS:
        spread = (spread * n + FALLBACK_SIGMA * (FEW_RUNS - n)) / FEW_RUNS
    sigma = max(spread * SIGMA_SCALE, SIGMA_MIN)
    return DurationModel(max(math.exp(level + effect), MIN_DURATION_S), sigma, "history", n)


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
