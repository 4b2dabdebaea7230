"""Usage and cost figures, read from the daily rollups only (a few hundred rows whatever the ledger size).

Counts are attempts: a call that fell back counts its failed attempt(s) and the answer. Costs are USD from
LiteLLM's price map or admin-set prices; calls of unpriced models are counted in `unpriced_requests`.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from resync_app.config.store import setting
from resync_app.db import get_engine
from resync_app.llm.budget import current_periods, guard as budget
from resync_app.llm.ledger import LATENCY_BOUNDS
from resync_app.llm.models import LatencyDaily, UsageDaily

U = UsageDaily.__table__
L = LatencyDaily.__table__
REASONS = ("simple", "complex", "fallback", "local-preferred", "budget", "requested", "default")



def today() -> date:
    return current_periods()["daily"].start.date()


def day_range(days: int) -> tuple[str, str, list[str]]:
    """The last `days` calendar days (in RESYNC_TIMEZONE) ending today."""
    end = today()
    start = end - timedelta(days=days - 1)
    return start.isoformat(), end.isoformat(), [(start + timedelta(days=i)).isoformat() for i in range(days)]


def _filters(start: str | None, end: str | None, providers=None, models=None) -> list:
    clauses = []
    if start:
        clauses.append(U.c.day >= start)
    if end:
        clauses.append(U.c.day <= end)
    if providers:
        clauses.append(U.c.provider.in_(list(providers)))
    if models:
        clauses.append(U.c.model.in_(list(models)))
    return clauses


def usage() -> dict[str, Any]:
    """All-time totals and today's, from the rollups (`GET /usage`)."""
    day = today().isoformat()
    with get_engine().connect() as conn:
        totals = conn.execute(select(
            func.coalesce(func.sum(U.c.requests), 0), func.coalesce(func.sum(U.c.errors), 0),
            func.coalesce(func.sum(U.c.prompt_tokens), 0), func.coalesce(func.sum(U.c.completion_tokens), 0),
            func.coalesce(func.sum(U.c.cost_usd), 0.0), func.coalesce(func.sum(U.c.latency_ms_sum), 0.0),
            func.coalesce(func.sum(U.c.cache_hits), 0), func.coalesce(func.sum(U.c.unpriced_requests), 0))).one()
        by_model = conn.execute(select(U.c.model, func.sum(U.c.requests)).group_by(U.c.model)
                                .order_by(func.sum(U.c.requests).desc())).all()
        today_row = conn.execute(select(func.coalesce(func.sum(U.c.requests), 0),
                                        func.coalesce(func.sum(U.c.cost_usd), 0.0)).where(U.c.day == day)).one()
    requests, errors, prompt, completion, cost, latency, cache_hits, unpriced = totals
    return {
        "total_requests": int(requests),
        "total_input_tokens": int(prompt),
        "total_output_tokens": int(completion),
        "total_cost_usd": round(float(cost), 8),
        "avg_response_time_ms": round(float(latency) / requests, 1) if requests else 0.0,
        "error_rate": round(errors / requests, 4) if requests else 0.0,
        "model_usage": {m: int(n) for m, n in by_model},
        "requests_today": int(today_row[0]),
        "cost_today_usd": round(float(today_row[1]), 8),
        "total_errors": int(errors),
        "cache_hits": int(cache_hits),
        "cache_hit_rate": round(cache_hits / requests, 4) if requests else 0.0,
        "unpriced_requests": int(unpriced),
        "cost_tracking_enabled": bool(setting("LLM_COST_TRACKING_ENABLED")),
        "note": None if setting("LLM_COST_TRACKING_ENABLED") else
        "LLM_COST_TRACKING_ENABLED is off: calls are counted but their costs are not recorded.",
    }


def _budget_view(status: dict[str, Any]) -> dict[str, Any]:
    return {"limit_usd": status["limit_usd"], "spent_usd": round(status["spent_usd"], 8),
            "used_percent": status["used_percent"], "resets_at": status["resets_at"],
            "remaining_usd": status["remaining_usd"], "burn_rate_usd_per_day": status["burn_rate_usd_per_day"],
            "projected_exhaustion": status["projected_exhaustion"], "alert_threshold": status["alert_threshold"],
            "enforced": status["enforced"]}


def costs(days: int = 30) -> dict[str, Any]:
    """Costs over the last `days` days plus the budgets (`GET /costs`)."""
    start, end, all_days = day_range(days)
    with get_engine().connect() as conn:
        per_day = dict(conn.execute(select(U.c.day, func.sum(U.c.cost_usd)).where(*_filters(start, end))
                                    .group_by(U.c.day)).all())
        per_model = conn.execute(select(U.c.model, func.sum(U.c.cost_usd)).where(*_filters(start, end))
                                 .group_by(U.c.model).order_by(func.sum(U.c.cost_usd).desc())).all()
        unpriced = conn.execute(select(func.coalesce(func.sum(U.c.unpriced_requests), 0))
                                .where(*_filters(start, end))).scalar_one()
    status = budget.status()
    monthly = status["monthly"]
    now = datetime.now(timezone.utc)
    local_now = now.astimezone(current_periods()["monthly"].start.tzinfo)
    days_in_month = calendar.monthrange(local_now.year, local_now.month)[1]
    return {
        "daily_costs": {d: round(float(per_day.get(d) or 0.0), 8) for d in all_days},
        "model_costs": {m: round(float(c or 0.0), 8) for m, c in per_model},
        "total_cost_usd": round(sum(float(v or 0.0) for v in per_day.values()), 8),
        "budget_limit_usd": monthly["limit_usd"],
        "budget_used_percent": monthly["used_percent"],
        "projected_monthly_cost": round(monthly["burn_rate_usd_per_day"] * days_in_month, 8),
        "daily_budget": _budget_view(status["daily"]),
        "monthly_budget": _budget_view(monthly),
        "days": days,
        "start_day": start,
        "end_day": end,
        "unpriced_requests": int(unpriced),
    }


def percentile_from_histogram(counts: dict[int, int], q: float) -> float | None:
    """Estimate the q-quantile (ms) from bucket counts, interpolating inside the bucket."""
    total = sum(counts.values())
    if not total:
        return None
    target = q * total
    seen = 0
    for bucket in sorted(counts):
        n = counts[bucket]
        if seen + n >= target:
            low = LATENCY_BOUNDS[bucket - 1] if bucket > 0 else 0
            high = LATENCY_BOUNDS[bucket] if bucket < len(LATENCY_BOUNDS) else low * 2
            return round(low + (high - low) * ((target - seen) / n), 1)
        seen += n
    return float(LATENCY_BOUNDS[-1])


def report(start: str, end: str, providers: list[str] | None = None, models: list[str] | None = None) -> dict[str, Any]:
    """Everything the analytics page draws, for the days [start, end] and the filters (figures, not rows)."""
    where = _filters(start, end, providers, models)
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    with get_engine().connect() as conn:
        grid = conn.execute(select(
            U.c.day, U.c.model, U.c.provider, func.sum(U.c.requests), func.sum(U.c.errors),
            func.sum(U.c.prompt_tokens), func.sum(U.c.completion_tokens), func.sum(U.c.cost_usd),
            func.sum(U.c.latency_ms_sum), func.sum(U.c.cache_hits), func.sum(U.c.unpriced_requests))
            .where(*where).group_by(U.c.day, U.c.model, U.c.provider)).all()
        reasons = conn.execute(select(U.c.route_reason, func.sum(U.c.requests), func.sum(U.c.cost_usd),
                                      func.sum(U.c.cache_hits)).where(*where).group_by(U.c.route_reason)).all()
        lat_where = [L.c.day >= start, L.c.day <= end] + ([L.c.model.in_(models)] if models else [])
        latency_rows = conn.execute(select(L.c.model, L.c.bucket, func.sum(L.c.count)).where(*lat_where)
                                    .group_by(L.c.model, L.c.bucket)).all()
        all_models = [m for (m,) in conn.execute(select(U.c.model).distinct().order_by(U.c.model))]
        all_providers = [p for (p,) in conn.execute(select(U.c.provider).distinct().order_by(U.c.provider))]
    by_model_day: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_provider_day: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_day = {d: {"requests": 0, "errors": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
               for d in days}
    table: dict[str, dict[str, Any]] = {}
    provider_of: dict[str, str] = {}
    for day, model, provider, req, err, ptok, ctok, cost, lat, hits, unp in grid:
        cost = float(cost or 0.0)
        by_model_day[model][day] += cost
        by_provider_day[provider][day] += cost
        bucket = per_day.setdefault(day, {"requests": 0, "errors": 0, "prompt_tokens": 0, "completion_tokens": 0,
                                          "cost_usd": 0.0})
        bucket["requests"] += int(req)
        bucket["errors"] += int(err)
        bucket["prompt_tokens"] += int(ptok)
        bucket["completion_tokens"] += int(ctok)
        bucket["cost_usd"] += cost
        row = table.setdefault(model, {"model": model, "provider": provider, "requests": 0, "errors": 0,
                                       "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                                       "latency_ms_sum": 0.0, "cache_hits": 0, "unpriced_requests": 0})
        provider_of[model] = provider
        for key, value in (("requests", req), ("errors", err), ("prompt_tokens", ptok), ("completion_tokens", ctok),
                           ("cache_hits", hits), ("unpriced_requests", unp)):
            row[key] += int(value or 0)
        row["cost_usd"] += cost
        row["latency_ms_sum"] += float(lat or 0.0)
    hist: dict[str, dict[int, int]] = defaultdict(dict)
    for model, bucket, count in latency_rows:
        if model in table:
            hist[model][int(bucket)] = int(count)
    top = []
    for model, row in table.items():
        n = row["requests"]
        top.append({
            "model": model, "provider": row["provider"], "requests": n,
            "tokens": row["prompt_tokens"] + row["completion_tokens"], "prompt_tokens": row["prompt_tokens"],
            "completion_tokens": row["completion_tokens"], "cost_usd": round(row["cost_usd"], 8),
            "avg_latency_ms": round(row["latency_ms_sum"] / n, 1) if n else 0.0,
            "error_rate": round(row["errors"] / n, 4) if n else 0.0,
            "p50_ms": percentile_from_histogram(hist.get(model, {}), 0.5),
            "p95_ms": percentile_from_histogram(hist.get(model, {}), 0.95),
            "unpriced_requests": row["unpriced_requests"],
        })
    top.sort(key=lambda r: (-r["cost_usd"], -r["requests"], r["model"]))
    reason_rows = []
    total_requests = sum(int(r[1] or 0) for r in reasons) or 1
    cache_total = sum(int(r[3] or 0) for r in reasons)
    for reason, req, cost, _hits in sorted(reasons, key=lambda r: -int(r[1] or 0)):
        reason_rows.append({"reason": reason or "unknown", "requests": int(req), "cost_usd": round(float(cost or 0), 8),
                            "share": round(int(req) / total_requests, 4)})
    totals = {k: sum(per_day[d][k] for d in days) for k in ("requests", "errors", "prompt_tokens",
                                                             "completion_tokens")}
    totals["cost_usd"] = round(sum(per_day[d]["cost_usd"] for d in days), 8)
    return {
        "start": start, "end": end, "days": days,
        "cost_by_model": {m: [round(v.get(d, 0.0), 8) for d in days] for m, v in sorted(by_model_day.items())},
        "cost_by_provider": {p: [round(v.get(d, 0.0), 8) for d in days] for p, v in sorted(by_provider_day.items())},
        "per_day": [{"day": d, **{k: (round(v, 8) if isinstance(v, float) else v) for k, v in per_day[d].items()},
                     "error_rate": round(per_day[d]["errors"] / per_day[d]["requests"], 4)
                     if per_day[d]["requests"] else 0.0} for d in days],
        "top_models": top,
        "route_reasons": reason_rows,
        "cache_hits": cache_total,
        "fallback_cost_usd": round(sum(r["cost_usd"] for r in reason_rows if r["reason"] == "fallback"), 8),
        "totals": totals,
        "available_models": all_models,
        "available_providers": all_providers,
        "provider_of": provider_of,
    }


def burn_down() -> dict[str, Any]:
    """This month's cumulative spend per day vs. the linear allowance of the monthly budget."""
    period = current_periods()["monthly"]
    start = period.start.date()
    days_in_month = calendar.monthrange(start.year, start.month)[1]
    limit = float(setting("LLM_BUDGET_MONTHLY_USD"))
    with get_engine().connect() as conn:
        per_day = dict(conn.execute(select(U.c.day, func.sum(U.c.cost_usd)).where(U.c.day.like(period.key + "-%"))
                                    .group_by(U.c.day)).all())
    days = [(start + timedelta(days=i)).isoformat() for i in range(days_in_month)]
    today_iso = today().isoformat()
    actual, running = [], 0.0
    for d in days:
        if d > today_iso:
            actual.append(None)
            continue
        running += float(per_day.get(d) or 0.0)
        actual.append(round(running, 8))
    allowance = [round(limit * (i + 1) / days_in_month, 8) for i in range(days_in_month)]
    return {"days": days, "actual": actual, "allowance": allowance, "limit_usd": limit, "month": period.key}
