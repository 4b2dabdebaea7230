"""The health service: a registry of component checks, runs that store their results, and the 24 h history.

    register_check("redis", check_redis, applies=lambda: bool(get_settings().redis_url))

A check is an async function returning `CheckResult(ok, detail, latency_ms?, data?)`; the runner times it (unless
it reports its own latency), bounds it with a timeout and turns an exception into a failed result, so one broken
component never hides the others. Each run is stored (one row per component) and published on the feed topic
`health`; rows older than 24 hours are pruned after each run. The checks themselves live in `checks.py`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, insert, select

from resync_app.db import get_engine, utcnow
from resync_app.events import feed
from resync_app.health.models import HealthCheckResult
from resync_app.logging_setup import redact

logger = logging.getLogger("resync.health")
TOPIC = "health"
HISTORY = timedelta(hours=24)
CHECK_TIMEOUT_S = 12.0
DEEP = "llm_deep"  # the billed deep check's rows (not a component of its own in the report)
_T = HealthCheckResult.__table__


@dataclass
class CheckResult:
    ok: bool
    detail: str
    latency_ms: float | None = None  # None: the runner's measurement
    data: dict[str, Any] = field(default_factory=dict)
    probed: bool = True  # False: nothing was contacted (e.g. not configured), so there is no latency to report


@dataclass(frozen=True)
class Check:
    component: str
    fn: Callable[[], Awaitable[CheckResult]]
    applies: Callable[[], bool]
    timeout_s: float


_registry: dict[str, Check] = {}


def register_check(component: str, fn: Callable[[], Awaitable[CheckResult]], *,
                   applies: Callable[[], bool] | None = None, timeout_s: float = CHECK_TIMEOUT_S) -> None:
    """Add (or replace) the check of a component; `applies()` says whether it is reported at all right now."""
    _registry[component] = Check(component, fn, applies or (lambda: True), timeout_s)


def unregister_check(component: str) -> None:
    _registry.pop(component, None)


def components() -> list[str]:
    """The components reported now, in registration order."""
    out = []
    for check in _registry.values():
        try:
            if check.applies():
                out.append(check.component)
        except Exception:
            logger.exception("health: applies() of %s failed", check.component)
    return out


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ---- running -----------------------------------------------------------------------------------------


async def _run_one(check: Check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(check.fn(), check.timeout_s)
    except asyncio.TimeoutError:
        result = CheckResult(False, f"the check did not finish within {check.timeout_s:g} s")
    except Exception as exc:
        logger.warning("health check %s raised %s", check.component, type(exc).__name__)
        result = CheckResult(False, redact(f"check failed: {type(exc).__name__}: {exc}")[:500])
    measured = round((time.perf_counter() - started) * 1000, 1)
    latency = (None if not result.probed else measured if result.latency_ms is None
               else round(float(result.latency_ms), 1))
    return {"ok": bool(result.ok), "latency_ms": latency, "detail": redact(str(result.detail))[:1000],
            "data": result.data}


async def run_checks(trigger: str = "manual", now: datetime | None = None, only: list[str] | None = None,
                     store: bool = True) -> dict[str, dict[str, Any]]:
    """Run the applicable checks at once; store them (unless `store=False`), prune, publish. Returns
    `{component: {ok, latency_ms, detail, data, checked_at}}`."""
    wanted = [c for c in components() if only is None or c in only]
    checks = [_registry[c] for c in wanted]
    outcomes = await asyncio.gather(*(_run_one(c) for c in checks))
    now = now or utcnow()
    results = {c.component: {**o, "checked_at": now.isoformat()} for c, o in zip(checks, outcomes)}
    if store and results:
        run_id = uuid.uuid4().hex
        await asyncio.to_thread(store_run, results, run_id, trigger, now)
        feed.publish(TOPIC, {"run_id": run_id, "checked_at": now.isoformat()})
    return results


def store_run(results: dict[str, dict[str, Any]], run_id: str, trigger: str, now: datetime) -> None:
    rows = [{"checked_at": now, "run_id": run_id, "trigger": trigger, "worker": worker_id()[:64],
             "component": name, "ok": r["ok"], "latency_ms": r["latency_ms"], "detail": r["detail"][:1000],
             "data_json": json.dumps(r.get("data") or {}, default=str)} for name, r in results.items()]
    with get_engine().begin() as conn:
        conn.execute(insert(_T), rows)
    prune(now)


def prune(now: datetime | None = None) -> int:
    """Delete results older than 24 hours; returns how many."""
    cutoff = (now or utcnow()) - HISTORY
    with get_engine().begin() as conn:
        return conn.execute(_T.delete().where(_T.c.checked_at < cutoff)).rowcount or 0


def last_run_at() -> datetime | None:
    """When any worker last stored a run of the components (the deep check aside)."""
    with get_engine().connect() as conn:
        return conn.execute(select(func.max(_T.c.checked_at)).where(_T.c.component != DEEP)).scalar()


# ---- reading -----------------------------------------------------------------------------------------


def _row(row) -> dict[str, Any]:
    return {"ok": bool(row.ok), "latency_ms": row.latency_ms, "detail": row.detail,
            "checked_at": row.checked_at.isoformat(), "data": json.loads(row.data_json or "{}")}


def latest(component: str) -> dict[str, Any] | None:
    with get_engine().connect() as conn:
        row = conn.execute(select(_T).where(_T.c.component == component)
                           .order_by(_T.c.checked_at.desc(), _T.c.id.desc()).limit(1)).first()
    return _row(row) if row else None


def _last_failures(names: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    with get_engine().connect() as conn:
        for name in names:
            row = conn.execute(select(_T.c.checked_at, _T.c.detail).where(_T.c.component == name, _T.c.ok.is_(False))
                               .order_by(_T.c.checked_at.desc(), _T.c.id.desc()).limit(1)).first()
            if row:
                out[name] = {"at": row.checked_at.isoformat(), "detail": row.detail}
    return out


def _summaries(now: datetime) -> dict[str, dict[str, Any]]:
    since = now - HISTORY
    failed = func.sum(case((_T.c.ok.is_(False), 1), else_=0))
    with get_engine().connect() as conn:
        rows = conn.execute(select(_T.c.component, func.count(), failed, func.avg(_T.c.latency_ms))
                            .where(_T.c.checked_at >= since).group_by(_T.c.component)).all()
    return {name: {"checks": n, "failures": int(f or 0), "availability": round(1 - (f or 0) / n, 4) if n else None,
                   "avg_latency_ms": round(float(avg), 1) if avg is not None else None}
            for name, n, f, avg in rows}


def report(results: dict[str, dict[str, Any]] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """`{component: {ok, latency_ms, detail, checked_at, last_failure, history_24h, …}}` for every applicable
    component, from `results` (a run just made) or the newest stored rows; plus `status` and `checked_at`."""
    now = now or utcnow()
    names = components()
    failures = _last_failures(names)
    summaries = _summaries(now)
    out: dict[str, Any] = {}
    for name in names:
        entry = (results or {}).get(name) or latest(name)
        if entry is None:
            entry = {"ok": False, "latency_ms": None, "detail": "not checked yet", "checked_at": None, "data": {}}
        data = entry.get("data") or {}
        out[name] = {"ok": entry["ok"], "latency_ms": entry["latency_ms"], "detail": entry["detail"],
                     "checked_at": entry["checked_at"], "last_failure": failures.get(name),
                     "history_24h": summaries.get(name, {"checks": 0, "failures": 0, "availability": None,
                                                         "avg_latency_ms": None}),
                     **{k: v for k, v in data.items() if k not in ("ok", "latency_ms", "detail")}}
    if "llm" in out:
        out["llm"]["deep_check"] = last_deep_check()
    checked = [e["checked_at"] for e in out.values() if isinstance(e, dict) and e.get("checked_at")]
    out["status"] = "ok" if all(out[n]["ok"] for n in names) else "degraded"
    out["checked_at"] = max(checked) if checked else None
    return out


def history(component: str, hours: int = 24, bucket_minutes: int = 10,
            now: datetime | None = None) -> list[dict[str, Any]]:
    """The component's checks over the last `hours` (≤ 24) in buckets: `{at, checks, failures, avg_latency_ms,
    max_latency_ms, last_detail, triggers: {periodic|manual|api|deep: n}}`, oldest first."""
    now = now or utcnow()
    hours = max(1, min(int(hours), 24))
    since = now - timedelta(hours=hours)
    with get_engine().connect() as conn:
        rows = conn.execute(select(_T.c.checked_at, _T.c.ok, _T.c.latency_ms, _T.c.detail, _T.c.trigger)
                            .where(_T.c.component == component, _T.c.checked_at >= since)
                            .order_by(_T.c.checked_at)).all()
    size = timedelta(minutes=max(1, int(bucket_minutes)))
    buckets: dict[datetime, dict[str, Any]] = {}
    for at, ok, latency, detail, trigger in rows:
        start = since + size * int((at - since) / size)
        b = buckets.setdefault(start, {"at": start.isoformat(), "checks": 0, "failures": 0, "_lat": [],
                                       "last_detail": "", "triggers": {}})
        b["checks"] += 1
        b["triggers"][trigger] = b["triggers"].get(trigger, 0) + 1
        b["failures"] += 0 if ok else 1
        if latency is not None:
            b["_lat"].append(float(latency))
        if not ok:
            b["last_detail"] = detail
    out = []
    for b in buckets.values():
        lat = b.pop("_lat")
        b["avg_latency_ms"] = round(sum(lat) / len(lat), 1) if lat else None
        b["max_latency_ms"] = round(max(lat), 1) if lat else None
        out.append(b)
    return out


# ---- the billed deep check ---------------------------------------------------------------------------

DEEP_PROMPT = "Health check: reply with the single word OK."


async def deep_check(model: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """One real (billed) completion through the gateway, accounted in the ledger with purpose `health`."""
    from resync_app.llm.gateway import get_gateway
    from resync_app.llm.gateway_types import GatewayError

    from resync_app.llm.budget import BudgetExceeded

    started = time.perf_counter()
    try:
        result = await get_gateway().complete([{"role": "user", "content": DEEP_PROMPT}], purpose="health",
                                              model=model or None, max_tokens=16, use_cache=False,
                                              allow_fallback=False)
        answer = {"success": True, "model": result.model, "provider": result.provider,
                  "latency_ms": result.latency_ms, "tokens": result.prompt_tokens + result.completion_tokens,
                  "cost_usd": result.cost_usd, "response": result.text[:200], "error": None}
    except (GatewayError, BudgetExceeded) as exc:
        answer = {"success": False, "model": getattr(exc, "model", model) or model, "provider": None,
                  "latency_ms": round((time.perf_counter() - started) * 1000, 1), "tokens": 0, "cost_usd": None,
                  "response": None, "error": redact(str(exc))[:500]}
    now = now or utcnow()
    detail = (f"{answer['model']} answered in {answer['latency_ms']:,.0f} ms" if answer["success"]
              else f"deep check failed: {answer['error']}")
    record = {DEEP: {"ok": answer["success"], "latency_ms": answer["latency_ms"], "detail": detail, "data": answer}}
    await asyncio.to_thread(store_run, record, uuid.uuid4().hex, "deep", now)
    feed.publish(TOPIC, {"deep": True, "checked_at": now.isoformat()})
    return {**answer, "checked_at": now.isoformat()}


def last_deep_check() -> dict[str, Any] | None:
    row = latest(DEEP)
    if row is None:
        return None
    return {"ok": row["ok"], "detail": row["detail"], "checked_at": row["checked_at"],
            "model": row["data"].get("model"), "cost_usd": row["data"].get("cost_usd")}
