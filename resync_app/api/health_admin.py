"""`/api/v1/admin/health` (CONTRACT §7): the components' real checks, their 24 h history, the billed deep check.
Thin: `resync_app.health` holds the checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from resync_app.api.deps import require_admin
from resync_app.health import service as health

router = APIRouter(prefix="/api/v1/admin/health", tags=["health"], dependencies=[Depends(require_admin)])


class DeepCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(None, min_length=1, max_length=200)


@router.get("")
async def get_health(cached: bool = Query(False, description="answer from the newest stored run instead of "
                                                               "checking now")) -> dict[str, Any]:
    """`{database, tws, llm, teams, redis?, rag?: {ok, latency_ms, detail, checked_at, last_failure, history_24h,
    …}, status, checked_at}`; checks now unless `cached=true`. LLM checks list models, never a paid call."""
    results = None if cached else await health.run_checks(trigger="api")
    return health.report(results)


@router.post("/check")
async def check_now() -> dict[str, Any]:
    """Run every check now (same answer as `GET`)."""
    return health.report(await health.run_checks(trigger="manual"))


@router.post("/deep-check")
async def deep_check(body: DeepCheckRequest | None = Body(None)) -> dict[str, Any]:
    """One real, billed completion through the LLM gateway (ledger purpose `health`): `{success, model, provider,
    latency_ms, tokens, cost_usd, response, error}`. A failing provider is `success: false`, not an error."""
    return await health.deep_check(body.model if body else None)


@router.get("/history")
def history(component: str = Query(..., min_length=1, max_length=32), hours: int = Query(24, ge=1, le=24),
            bucket_minutes: int = Query(10, ge=1, le=240)) -> dict[str, Any]:
    """The component's checks over the last `hours`, in buckets (oldest first)."""
    known = set(health.components()) | {health.DEEP}
    if component not in known:
        raise HTTPException(404, detail=f"Unknown component {component!r}; known: {', '.join(sorted(known))}.")
    return {"component": component, "bucket_minutes": bucket_minutes,
            "points": health.history(component, hours, bucket_minutes)}
