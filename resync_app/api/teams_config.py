"""`/api/v1/admin/teams-config` (CONTRACT §7) and the page's browser-only save route. Thin: `resync_app.teams`
holds the rules. The webhook URL is write-only: answers carry its mask, never the URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from pydantic import ValidationError

from resync_app.api.deps import client_address, require_admin, require_admin_session
from resync_app.auth.sessions import Principal
from resync_app.teams import config as teams_config
from resync_app.teams import outbox
from resync_app.teams import service as teams

router = APIRouter(prefix="/api/v1/admin/teams-config", tags=["teams"], dependencies=[Depends(require_admin)])
ui_router = APIRouter(prefix="/api/v1/ui", tags=["admin UI (browser session)"])


def _parse(body: Any) -> teams_config.TeamsConfigUpdate:
    """The body as an update, or 422 with one message per field — never echoing a value (it may be the URL)."""
    if not isinstance(body, dict):
        raise HTTPException(422, detail={"errors": {"body": "send a JSON object"},
                                         "message": "The body must be a JSON object."})
    try:
        return teams_config.TeamsConfigUpdate(**body)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors(include_input=False, include_url=False):
            name = str(error["loc"][0]) if error.get("loc") else "body"
            errors.setdefault(name, "unknown field" if error["type"] == "extra_forbidden" else error["msg"])
        raise HTTPException(422, detail={"errors": errors, "message": "Invalid fields; nothing was changed."}) \
            from None


def _update(body: Any, admin: Principal, request: Request) -> dict[str, Any]:
    update = _parse(body)
    try:
        view = teams_config.update(update, admin.username, client_address(request))
    except teams_config.TeamsConfigError as exc:
        raise HTTPException(422, detail={"errors": exc.errors, "message": f"{len(exc.errors)} field(s) are "
                                                                          "invalid; nothing was changed."}) from None
    return {**view, "delivery": teams.status()}


@router.get("")
def get_teams_config() -> dict[str, Any]:
    """The settings (webhook URL masked) and delivery figures."""
    return {**teams_config.view(), "delivery": teams.status()}


@router.put("")
def put_teams_config(request: Request, body: Any = Body(...),
                     admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """Change any of the fields; omitted ones keep their value. `webhook_url`: omitted, null or the masked value
    keeps the stored URL, "" removes it; https only (http for loopback hosts). All or nothing; audited."""
    return _update(body, admin, request)


@router.post("/test")
def send_test_card(request: Request, admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """Post one test card to the saved webhook now: `{success, status_code, error}`."""
    return teams.send_test(admin.username, client_address(request))


@router.get("/deliveries")
def list_deliveries(limit: int = Query(20, ge=1, le=200), offset: int = Query(0, ge=0),
                    status: str | None = Query(None, pattern="^(pending|sending|posting|sent|failed|skipped|expired|unconfirmed)$")
                    ) -> dict[str, Any]:
    """Cards queued and sent, newest first: `{count, results:[{created_at, title, status, attempts, error, …}]}`."""
    return outbox.deliveries(limit, offset, status)


@ui_router.put("/teams-config")
def put_teams_config_from_page(request: Request, body: Any = Body(...),
                               admin: Principal = Depends(require_admin_session)) -> dict[str, Any]:
    """The Teams page's save (session cookie, same site): the webhook URL travels here over HTTP, never through
    the websocket. Same rules and answers as `PUT /api/v1/admin/teams-config`."""
    return _update(body, admin, request)
