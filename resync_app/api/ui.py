"""Browser-only routes of the admin UI (session cookie, same site): secrets typed in a page go here over HTTP,
never through the Reflex websocket."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from resync_app.api.deps import client_address, require_admin_session
from resync_app.auth.sessions import Principal
from resync_app.llm.gateway import get_gateway
from resync_app.llm.providers import PROVIDERS
from resync_app.llm.provider_update import ProviderUpdate, validate_provider_update

router = APIRouter(prefix="/api/v1/ui", tags=["admin UI (browser session)"])


class KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=500)
    api_base: str | None = Field(None, max_length=2048)  # a new base goes with the key it is for


@router.post("/providers/{provider_id}/key")
def set_provider_key(provider_id: str, body: KeyBody, request: Request,
                     admin: Principal = Depends(require_admin_session)) -> dict:
    """Store a provider key typed in the LiteLLM Configuration page (with the base it is for, when the dialog
    changes that too); answers with the hint only."""
    if provider_id not in PROVIDERS:
        raise HTTPException(404, detail=f"Unknown provider {provider_id!r}.")
    gateway = get_gateway()
    changes = validate_provider_update(provider_id, ProviderUpdate(api_key=body.api_key, api_base=body.api_base),
                                       gateway.providers[provider_id])
    view = gateway.update_provider(provider_id, changes, admin.username, client_address(request))
    return {"success": True, "provider": provider_id, "key_hint": view["key_hint"]}
