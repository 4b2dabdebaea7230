"""`/api/v1/system-config`: the 61 settings (CONTRACT §5). Thin: every rule lives in the config store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from resync_app.api.deps import client_address, require_admin
from resync_app.auth.sessions import Principal
from resync_app.config import resources
from resync_app.config.store import UnknownVersion, get_store
from resync_app.config.views import all_categories, category_view

router = APIRouter(prefix="/api/v1/system-config", tags=["system-config"], dependencies=[Depends(require_admin)])


def _answer(result) -> JSONResponse:
    return JSONResponse(result.as_dict(), status_code=result.status)


@router.get("/categories")
def categories() -> list[dict[str, Any]]:
    """All 11 categories with their fields and current values."""
    return all_categories(get_store())


@router.get("/category/{name}")
def one_category(name: str) -> dict[str, Any]:
    try:
        return category_view(name, get_store())
    except KeyError:
        raise HTTPException(404, detail=f"Unknown category {name!r}.") from None


@router.post("/update")
def update(request: Request, body: Any = Body(None), admin: Principal = Depends(require_admin)) -> JSONResponse:
    """Validate and apply a batch `{"updates": {field: value}, "base_version"?: N}`: all or nothing."""
    if not isinstance(body, dict):
        return JSONResponse({"success": False, "updated_fields": [], "errors": {
            "updates": "send a JSON object {\"updates\": {field: value, ...}}"}, "message": "Bad request."},
            status_code=422)
    result = get_store().update(body.get("updates"), admin.username, body.get("base_version"),
                                client=client_address(request))
    return _answer(result)


@router.get("/audit")
def audit(limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    """Per-field changes, newest first."""
    return get_store().audit(limit)


@router.get("/history")
def history(limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    """Versions, newest first, with the fields each changed."""
    return get_store().history(limit)


@router.post("/rollback")
def rollback(request: Request, body: Any = Body(None), admin: Principal = Depends(require_admin)) -> JSONResponse:
    """Restore the configuration of version N as a new version."""
    version = body.get("version") if isinstance(body, dict) else None
    try:
        result = get_store().rollback(version, admin.username, client=client_address(request))
    except UnknownVersion as exc:
        raise HTTPException(404, detail=str(exc)) from None
    return _answer(result)


@router.get("/pending-restart")
def pending_restart() -> dict[str, Any]:
    return {"fields": get_store().pending_restart()}


@router.get("/resources")
def host_resources() -> dict[str, Any]:
    return resources.snapshot()
