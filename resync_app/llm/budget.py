"""Daily and monthly LLM budgets: admission of paid calls, spend, alerts, reset times and projections.

Periods are calendar days and months in RESYNC_TIMEZONE. Spend = what the rollups hold for the period + calls
settled but not yet flushed, of every worker (`budget_store`: Redis or the database). A paid call is admitted
only if spend + the estimates of every worker's calls in flight + its own estimate stay within every limit,
checked and reserved in one atomic step, so N workers cannot overshoot N-fold: at most by the difference
between those estimates and the real costs. Local models are never refused. An alert is stored and sent once per period and threshold
(`LLM_BUDGET_ALERT_THRESHOLD` and 100 %).
"""

from __future__ import annotations

import calendar
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from resync_app.config.store import setting
from resync_app.db import session_scope
from resync_app.llm.budget_store import Refusal, make_store
from resync_app.llm.models import BudgetAlert
from resync_app.notify import Alert, notify
from resync_app.settings import get_settings

logger = logging.getLogger("resync.llm.budget")
PERIODS = ("daily", "monthly")
_LIMIT_FIELD = {"daily": "LLM_BUDGET_DAILY_USD", "monthly": "LLM_BUDGET_MONTHLY_USD"}


class BudgetExceeded(Exception):
    """A paid call refused because a budget is spent (or would be by this call)."""


@dataclass(frozen=True)
class Period:
    kind: str
    key: str            # 2026-11-26 or 2026-11
    start: datetime     # aware, local
    resets_at: datetime  # aware, local

    @property
    def length(self) -> timedelta:
        return self.resets_at - self.start


def clock() -> datetime:
    """The time the budget periods follow (tests replace it to step into a new day or month)."""
    return datetime.now(timezone.utc)


def current_periods(now: datetime | None = None) -> dict[str, Period]:
    """Today and this month in RESYNC_TIMEZONE, with when each resets."""
    tz = get_settings().timezone
    local = (now or clock()).astimezone(tz)
    day_start = datetime.combine(local.date(), time(0), tz)
    next_day = datetime.combine(local.date() + timedelta(days=1), time(0), tz)
    month_start = datetime.combine(local.date().replace(day=1), time(0), tz)
    days_in_month = calendar.monthrange(local.year, local.month)[1]
    next_month = datetime.combine(local.date().replace(day=1) + timedelta(days=days_in_month), time(0), tz)
    return {
        "daily": Period("daily", local.strftime("%Y-%m-%d"), day_start, next_day),
        "monthly": Period("monthly", local.strftime("%Y-%m"), month_start, next_month),
    }



class BudgetGuard:
    """Admission, settlement and spend of paid calls; the figures live in a store every worker shares
    (`budget_store`: Redis when configured, else the database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store = None
        self._store_url: str | None = "unset"
        self._keys: dict[str, dict[str, str]] = {}   # request_id -> period keys it was admitted in (this worker)
        self._flushed: dict[str, None] = {}           # recently flushed request ids (settled after the flush)
        self._fired: set[tuple[str, str, float]] = set()

    @property
    def store(self):
        """The spend store for the current settings (re-chosen if RESYNC_REDIS_URL changed, e.g. in tests)."""
        url = get_settings().redis_url
        if self._store is None or url != self._store_url:
            self._store, self._store_url = make_store(url), url
        return self._store

    @staticmethod
    def _period_keys(periods: dict[str, Period]) -> dict[str, str]:
        return {kind: p.key for kind, p in periods.items()}

    # ---- spend -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Spend changed in the database other than by settled calls (start, a price recomputed old calls):
        re-read it (Redis counters are rebuilt from the rollups; the database store always reads fresh)."""
        self.store.resync(self._period_keys(current_periods()))

    def _totals(self, periods: dict[str, Period]) -> tuple[dict[str, float], dict[str, float]]:
        return self.store.totals(self._period_keys(periods))

    def spent(self) -> dict[str, float]:
        return self._totals(current_periods())[0]

    # ---- admission -------------------------------------------------------------------------------

    def admit(self, request_id: str, estimate: float) -> None:
        """Reserve `estimate` USD for a paid call or raise BudgetExceeded (the message says why and until when).
        Spend, every worker's calls in flight and this estimate are checked and reserved in one atomic step."""
        periods = current_periods()
        keys = self._period_keys(periods)
        limits = {kind: float(setting(_LIMIT_FIELD[kind])) for kind in periods}
        hold_for = timedelta(seconds=float(setting("LITELLM_TIMEOUT")) + 60)
        refusal = self.store.admit(request_id, float(estimate), keys, limits, hold_for)
        if refusal is not None:
            raise BudgetExceeded(_refusal_message(refusal, estimate, periods[refusal.kind]))
        with self._lock:
            self._keys[request_id] = keys
            if len(self._keys) > 20000:
                self._keys.pop(next(iter(self._keys)))

    def settle(self, request_id: str, cost: float | None) -> None:
        """The call finished: its reservation becomes its real cost until the ledger has flushed it."""
        with self._lock:
            keys = self._keys.pop(request_id, None)
            already_flushed = request_id in self._flushed
        if keys is None:
            return
        self.store.settle(request_id, float(cost or 0.0), keys)
        if already_flushed:  # the ledger wrote it before we settled: the rollups count it already
            self.store.flushed({request_id}, {request_id: keys})
        if cost:
            self.check_alerts()

    def release(self, request_id: str) -> None:
        with self._lock:
            keys = self._keys.pop(request_id, None)
        if keys is not None:
            self.store.release(request_id, keys)

    def on_flushed(self, rows: list[dict[str, Any]]) -> None:
        """Ledger callback: flushed calls are now in the rollups; count them from there."""
        keys_by_id = {}
        for row in rows:
            request_id = row.get("request_id")
            if request_id and row.get("day"):
                keys_by_id[request_id] = {"daily": row["day"], "monthly": row["day"][:7]}
        with self._lock:
            for request_id in keys_by_id:
                self._flushed[request_id] = None
            while len(self._flushed) > 20000:
                self._flushed.pop(next(iter(self._flushed)))
        self.store.flushed(set(keys_by_id), keys_by_id)
        self.check_alerts()

    # ---- alerts ----------------------------------------------------------------------------------

    def load_fired(self) -> None:
        periods = current_periods()
        with session_scope() as db:
            rows = db.exec(select(BudgetAlert.period, BudgetAlert.period_key, BudgetAlert.threshold).where(
                col(BudgetAlert.period_key).in_([p.key for p in periods.values()]))).all()
        with self._lock:
            self._fired = {(p, k, float(t)) for p, k, t in rows}

    def check_alerts(self) -> None:
        """Store and send an alert the first time spend crosses the threshold and 100 % in a period."""
        threshold = float(setting("LLM_BUDGET_ALERT_THRESHOLD"))
        periods = current_periods()
        crossings = []
        spent_by = self._totals(periods)[0]
        with self._lock:
            for kind, period in periods.items():
                limit = float(setting(_LIMIT_FIELD[kind]))
                if limit <= 0:
                    continue
                spent = spent_by[kind]
                for level in sorted({threshold, 1.0}):
                    fired_key = (kind, period.key, level)
                    if spent >= level * limit and fired_key not in self._fired:
                        self._fired.add(fired_key)
                        crossings.append((period, level, spent, limit))
        for period, level, spent, limit in crossings:
            self._raise_alert(period, level, spent, limit)

    def _raise_alert(self, period: Period, level: float, spent: float, limit: float) -> None:
        full = level >= 1.0
        message = (f"{period.kind.capitalize()} LLM budget {'reached' if full else f'at {level:.0%}'}: "
                   f"${spent:,.2f} of ${limit:,.2f} spent in {period.key}."
                   + (" Paid models are paused until the period resets; local models remain available." if full
                      else ""))
        try:
            with session_scope() as db:
                db.add(BudgetAlert(period=period.kind, period_key=period.key, threshold=level, spent_usd=round(spent, 8),
                                   limit_usd=limit, message=message))
        except IntegrityError:
            return  # another worker stored (and sent) this one
        notify(Alert(kind="llm.budget", title=f"LLM budget {period.kind} {level:.0%}", text=message,
                     severity="critical" if full else "warning",
                     dedupe_key=f"llm.budget:{period.kind}:{period.key}:{level:g}",
                     facts={"period": period.key, "spent_usd": f"{spent:.2f}", "limit_usd": f"{limit:.2f}",
                            "resets_at": period.resets_at.isoformat()}))

    def exhausted(self) -> bool:
        """True when a budget (daily or monthly) is spent: paid models are paused."""
        spent = self.spent()
        return any(spent[k] >= float(setting(_LIMIT_FIELD[k])) for k in PERIODS)

    # ---- reporting -------------------------------------------------------------------------------

    def status(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        """Per period: limit, spent, used %, reset time, burn rate and projected exhaustion."""
        now = now or clock()
        periods = current_periods(now)
        threshold = float(setting("LLM_BUDGET_ALERT_THRESHOLD"))
        enforced = bool(setting("LLM_COST_TRACKING_ENABLED"))
        out: dict[str, dict[str, Any]] = {}
        spent_by, in_flight = self._totals(periods)
        for kind, period in periods.items():
            limit = float(setting(_LIMIT_FIELD[kind]))
            spent = spent_by[kind]
            elapsed_days = max((now - period.start).total_seconds() / 86400, 1 / 1440)
            burn = spent / elapsed_days
            exhaustion = None
            if limit > 0 and spent >= limit:
                exhaustion = now.isoformat()
            elif burn > 0 and limit > 0:
                days_left = (limit - spent) / burn
                if now + timedelta(days=min(days_left, 400)) < period.resets_at:
                    exhaustion = (now + timedelta(days=days_left)).isoformat()
            out[kind] = {
                "limit_usd": limit,
                "spent_usd": round(spent, 8),
                "remaining_usd": round(max(limit - spent, 0.0), 8),
                "used_percent": round(spent / limit * 100, 2) if limit > 0 else (100.0 if spent > 0 else 0.0),
                "in_flight_usd": round(in_flight[kind], 8),
                "alert_threshold": threshold,
                "resets_at": period.resets_at.isoformat(),
                "period": period.key,
                "burn_rate_usd_per_day": round(burn, 8),
                "projected_period_spend_usd": round(burn * period.length.total_seconds() / 86400, 8),
                "projected_exhaustion": exhaustion,
                "exhausted": limit <= 0 or spent >= limit,
                "enforced": enforced,
            }
        return out


def _refusal_message(refusal: Refusal, estimate: float, period: Period) -> str:
    kind, limit, spent, in_flight = refusal.kind, refusal.limit, refusal.spent, refusal.in_flight
    when = period.resets_at.strftime("%Y-%m-%d %H:%M %Z")
    if refusal.reason == "zero":
        return (f"The {kind} LLM budget is $0 (no cloud spend): paid models are disabled; "
                "local models remain available.")
    if refusal.reason == "spent":
        return (f"The {kind} LLM budget of ${limit:,.2f} is spent (${spent:,.4f}); paid "
                f"models are paused until {when}. Local models remain available.")
    return (f"This call (about ${estimate:,.4f}) with the ${in_flight:,.4f} in flight would exceed the "
            f"{kind} LLM budget of ${limit:,.2f} (${spent:,.4f} spent); try again shortly or use a local model.")


def enforcement_note() -> str | None:
    """Why the budgets do not limit new calls, if they do not (None when they do)."""
    if setting("LLM_COST_TRACKING_ENABLED"):
        return None
    return ("LLM_COST_TRACKING_ENABLED is off: new calls are recorded without a cost, so the daily and monthly "
            "budgets do not count them and do not limit paid models (spend recorded earlier still counts).")


def alerts(limit: int = 50) -> list[dict[str, Any]]:
    with session_scope() as db:
        rows = db.exec(select(BudgetAlert).order_by(col(BudgetAlert.id).desc()).limit(limit)).scalars().all()
    return [
        {"id": a.id, "created_at": a.created_at.isoformat(), "period": a.period, "period_key": a.period_key,
         "threshold": a.threshold, "spent_usd": a.spent_usd, "limit_usd": a.limit_usd, "message": a.message,
         "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
         "acknowledged_by": a.acknowledged_by}
        for a in rows
    ]


def acknowledge(alert_id: int, actor: str, client: str = "") -> bool:
    """Mark an alert acknowledged (an admin change: audited in the same transaction); False if unknown."""
    from resync_app.audit.service import record as audit
    from resync_app.db import utcnow

    with session_scope() as db:
        alert = db.get(BudgetAlert, alert_id)
        if alert is None:
            return False
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = utcnow(), actor
            db.add(alert)
            audit(actor, "llm.budget.acknowledge", target=str(alert_id), client=client, session=db, detail={
                "period": alert.period, "period_key": alert.period_key, "threshold": alert.threshold})
    return True


guard = BudgetGuard()
