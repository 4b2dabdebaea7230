"""The operators' metrics (CONTRACT §9): the figures of `/metrics/dashboard`, read-only, no admin login (a
sign-in with RESYNC_OPERATOR_LOGIN=required), rate-limited per client like the other operator reads
(`web/routes.py`: `/api/v1/metrics/` is public)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query

from resync_app.api.deps import operator_read
from resync_app.reports import metrics

router = APIRouter(prefix="/api/v1/metrics", tags=["Metrics (operator reads)"], dependencies=[Depends(operator_read)])


@router.get("/summary")
def summary(days: str = Query(str(metrics.DEFAULT_DAYS), description="the last N calendar days, 1–90")) -> dict:
    """LLM requests, tokens, latency p50/p95, error and cache hit rates per day; chat feedback ratio and fast-path
    share; TWS poll latency and errors; events per day by severity — with totals over the window. Money: the
    window's total cost only; no keys, no names, no per-user figures."""
    try:
        return metrics.summary(days)
    except metrics.BadWindow as exc:
        raise HTTPException(422, detail={"message": str(exc), "errors": {"days": str(exc)}}) from None
