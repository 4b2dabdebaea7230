"""How long the poller waits before the next poll of an instance (`tws_polling_mode`), and the error backoff.

- fixed: `tws_polling_interval_seconds`.
- adaptive: a third of it (at least 5 s) while jobs run or a poll just saw new failures; four times it (at most
  300 s) when the plan is idle (nothing running, nothing waiting to run); the interval otherwise.
- scheduled: the interval during business hours (Monday–Friday 07:00–19:00 in RESYNC_TIMEZONE), four times it
  (at most 300 s) outside them (nights and weekends).
- after a failed poll: the interval doubled per consecutive failure, capped at 300 s (or the interval, if larger).
The interval is read at every poll: a new value applies from the next poll.
"""

from __future__ import annotations

from datetime import datetime, time

MIN_INTERVAL_S = 5.0
MAX_INTERVAL_S = 300.0
BUSINESS_DAYS = range(0, 5)  # Monday..Friday
BUSINESS_HOURS = (time(7, 0), time(19, 0))
MODES = ("fixed", "adaptive", "scheduled")


def in_business_hours(local: datetime) -> bool:
    return local.weekday() in BUSINESS_DAYS and BUSINESS_HOURS[0] <= local.time() < BUSINESS_HOURS[1]


def next_interval(mode: str, base_s: float, *, running: int = 0, pending: int = 0, failed_new: int = 0,
                  local_now: datetime | None = None) -> float:
    """Seconds until the next poll after a successful one."""
    base = max(MIN_INTERVAL_S, float(base_s))
    if mode == "adaptive":
        if running or failed_new:
            return max(MIN_INTERVAL_S, base / 3)
        if not pending:
            return min(MAX_INTERVAL_S, base * 4)
        return base
    if mode == "scheduled" and local_now is not None and not in_business_hours(local_now):
        return min(MAX_INTERVAL_S, base * 4)
    return base


def backoff_interval(base_s: float, failures: int) -> float:
    """Seconds until the next try after `failures` consecutive failed polls (exponential, capped)."""
    base = max(MIN_INTERVAL_S, float(base_s))
    cap = max(MAX_INTERVAL_S, base)
    return min(cap, base * (2 ** max(0, min(failures, 16))))
