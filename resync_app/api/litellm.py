"""`/api/v1/litellm`: the LLM gateway's REST front door (CONTRACT §6). Thin: the gateway holds the rules."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from resync_app.api.deps import client_address, require_admin
from resync_app.auth.sessions import Principal
from resync_app.llm import analytics, budget
from resync_app.llm.gateway import get_gateway
from resync_app.llm.gateway_types import ModelNotRoutable
from resync_app.llm.providers import PROVIDERS
from resync_app.llm.provider_update import ProviderUpdate, validate_provider_update

router = APIRouter(prefix="/api/v1/litellm", tags=["litellm"], dependencies=[Depends(require_admin)])


class TestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200)
    prompt: str = Field("Reply with the single word: pong", min_length=1, max_length=4000)
    timeout: float = Field(30.0, ge=5, le=120)


class PriceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_cost_per_1k: float = Field(ge=0, le=1000)
    output_cost_per_1k: float = Field(ge=0, le=1000)


class DryRunRequest(BaseModel):
    question: str = Field(min_length=1, max_length=8000)


def _provider_or_404(provider_id: str) -> str:
    if provider_id not in PROVIDERS:
        raise HTTPException(404, detail=f"Unknown provider {provider_id!r}; known: {', '.join(PROVIDERS)}.")
    return provider_id


@router.get("/status")
def status() -> dict[str, Any]:
    return get_gateway().status()


@router.get("/models")
def models(provider: str | None = Query(None), local_only: bool = Query(False)) -> list[dict[str, Any]]:
    """The models the router can route to (enabled providers), with LiteLLM's model info and prices."""
    if provider:
        _provider_or_404(provider)
    return get_gateway().models(provider=provider, local_only=local_only)


@router.get("/usage")
def usage() -> dict[str, Any]:
    return analytics.usage()


@router.get("/costs")
def costs(days: int = Query(30, ge=1, le=366)) -> dict[str, Any]:
    return analytics.costs(days)


@router.get("/providers")
def providers() -> list[dict[str, Any]]:
    return get_gateway().provider_views()


@router.put("/providers/{provider_id}")
def update_provider(provider_id: str, request: Request, body: ProviderUpdate,
                    admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """Change a provider: `{enabled?, api_key? (write-only), api_base?, models?}`; omitted fields keep their value."""
    gateway = get_gateway()
    changes = validate_provider_update(_provider_or_404(provider_id), body, gateway.providers[provider_id])
    return gateway.update_provider(provider_id, changes, admin.username, client_address(request))


@router.post("/test")
async def test(body: TestRequest) -> dict[str, Any]:
    """One real call to a model: 200 with `success:false` and the provider's error when the provider fails."""
    try:
        return await get_gateway().test(body.model, body.prompt, body.timeout)
    except ModelNotRoutable as exc:
        raise HTTPException(404, detail=str(exc)) from None


@router.post("/reset")
def reset(request: Request, admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    return get_gateway().reset(admin.username, client_address(request))


@router.get("/dashboard-data")
def dashboard_data() -> dict[str, Any]:
    gateway = get_gateway()
    return {
        "status": gateway.status(),
        "usage": analytics.usage(),
        "costs": analytics.costs(30),
        "providers": gateway.provider_views(),
        "models_count": len(gateway.models()),
        "timestamp": datetime.now(timezone.utc).isoformat(),
    }


@router.get("/budget")
def budget_status() -> dict[str, Any]:
    """Daily and monthly budget: spent, limit, reset time, burn rate, projected exhaustion, alerts."""
    note = budget.enforcement_note()
    return {"periods": budget.guard.status(), "alerts": budget.alerts(50), "enforced": note is None, "note": note}


@router.post("/budget/alerts/{alert_id}/acknowledge")
def acknowledge_alert(alert_id: int, request: Request, admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    if not budget.acknowledge(alert_id, admin.username, client_address(request)):
        raise HTTPException(404, detail=f"No budget alert {alert_id}.")
    return {"success": True, "id": alert_id}


@router.get("/prices")
def prices() -> dict[str, Any]:
    """Admin-set prices (per 1 k tokens) for models LiteLLM's map lacks or overrides."""
    from resync_app.llm.pricing import custom_prices

    return {m: {"input_cost_per_1k": p.input_per_token * 1000, "output_cost_per_1k": p.output_per_token * 1000}
            for m, p in custom_prices().items()}


@router.put("/prices/{model:path}")
def set_price(model: str, body: PriceRequest, request: Request, admin: Principal = Depends(require_admin)):
    """Set a model's price; calls made while it was unpriced are recomputed."""
    if get_gateway().model_ref(model) is None:
        raise HTTPException(404, detail=f"Model {model!r} is not served by any provider.")
    return get_gateway().set_price(model, body.input_cost_per_1k, body.output_cost_per_1k, admin.username,
                                   client_address(request))


@router.post("/route-preview")
def route_preview(body: DryRunRequest) -> dict[str, Any]:
    """Which model would answer a question and why, and its estimated cost; no provider is called."""
    return get_gateway().dry_run(body.question)


@router.get("/analytics")
def analytics_report(start: date | None = None, end: date | None = None, days: int = Query(30, ge=1, le=366),
                     provider: list[str] | None = Query(None), model: list[str] | None = Query(None)):
    """The analytics page's figures for a date range (default: the last `days` days) and filters."""
    if start is None or end is None:
        first, last, _ = analytics.day_range(days)
    else:
        if start > end:
            raise HTTPException(422, detail="start must be on or before end.")
        if (end - start).days > 366:
            raise HTTPException(422, detail="The range may span at most 366 days.")
        first, last = start.isoformat(), end.isoformat()
    return {**analytics.report(first, last, provider, model), "burn_down": analytics.burn_down()}
