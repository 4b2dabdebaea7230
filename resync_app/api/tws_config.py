"""TWS admin routes (CONTRACT §7): the instance configuration, Test connection and the poller's controls, plus the
browser-only route the TWS Configuration page posts an instance (with its password) to. Job actions are an
operator route (`api/tws.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from resync_app.api.deps import client_address, require_admin, require_admin_session
from resync_app.audit.service import record as audit_record
from resync_app.auth.sessions import Principal
from resync_app.tws import instances, service
from resync_app.tws.instance_config import InstanceExists, TwsConfigInvalid, UnknownInstance

router = APIRouter(prefix="/api/v1/admin", tags=["TWS (admin)"], dependencies=[Depends(require_admin)])
ui_router = APIRouter(prefix="/api/v1/ui/tws", tags=["admin UI (browser session)"])


def _invalid(exc: TwsConfigInvalid) -> HTTPException:
    return HTTPException(422, detail={"message": f"Nothing was changed: {exc}", "errors": exc.errors})


def _not_found(exc: UnknownInstance) -> HTTPException:
    return HTTPException(404, detail=str(exc))


def _actor(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    return principal.username if principal is not None else "admin"


# ---- configuration ----------------------------------------------------------------------------------------


@router.get("/tws-config")
def get_tws_config() -> dict:
    """`{primary_instance, instances:[…]}`; passwords are write-only (a mask when one is stored)."""
    return instances.public_config()


@router.put("/tws-config")
def put_tws_config(request: Request, body: Any = Body(...)) -> dict:
    """Replace the configuration, all or nothing. `instances` lists every instance (absent ones are removed;
    omitted fields keep their value; a password omitted, null or masked keeps the stored one)."""
    try:
        return instances.update_config(body, _actor(request), client_address(request))
    except TwsConfigInvalid as exc:
        raise _invalid(exc) from None


@router.get("/tws-config/instances/{name}")
def get_tws_instance(name: str) -> dict:
    try:
        return instances.get_instance(name).public()
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.post("/tws-config/instances", status_code=201)
def create_tws_instance(request: Request, body: Any = Body(...)) -> dict:
    try:
        return instances.create_instance(body, _actor(request), client_address(request))
    except TwsConfigInvalid as exc:
        raise _invalid(exc) from None
    except InstanceExists as exc:
        raise HTTPException(409, detail=str(exc)) from None


@router.put("/tws-config/instances/{name}")
def put_tws_instance(name: str, request: Request, body: Any = Body(...)) -> dict:
    try:
        return instances.update_instance(name, body, _actor(request), client_address(request))
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    except TwsConfigInvalid as exc:
        raise _invalid(exc) from None


@router.delete("/tws-config/instances/{name}")
def delete_tws_instance(name: str, request: Request) -> dict:
    try:
        instances.delete_instance(name, _actor(request), client_address(request))
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    return {"success": True, "deleted": name}


class TestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: str = Field(min_length=1, max_length=64)


@router.post("/tws-config/test")
async def test_tws_instance(body: TestBody, request: Request) -> dict:
    """`{success, latency_ms, engine_info}` or `{success: false, latency_ms, error, error_class}` — an unreachable
    TWS or a wrong password is a failed test, not an error of this route."""
    try:
        result = await service.test_instance(body.instance)
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    audit_record(_actor(request), "tws.instance.test", body.instance,
                 {"success": result["success"], "error_kind": result.get("error_kind")}, client_address(request))
    return result


# ---- the poller ---------------------------------------------------------------------------------------------


@router.get("/tws/poller")
def poller_status() -> list[dict]:
    """Per instance: state, leader worker, last poll, last error, interval, mode, stale since."""
    return service.poller_status()


@router.post("/tws/poller/{instance}/{command}")
def poller_command(instance: str, command: str, request: Request) -> dict:
    """`start`, `stop` or `poll-now` for one instance (reaches the leader, whichever worker it is)."""
    try:
        if command == "start":
            service.set_paused(instance, False, _actor(request), client_address(request))
        elif command == "stop":
            service.set_paused(instance, True, _actor(request), client_address(request))
        elif command == "poll-now":
            service.poll_now(instance, _actor(request), client_address(request))
        else:
            raise HTTPException(404, detail=f"Unknown command {command!r}: use start, stop or poll-now.")
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    return {"success": True, "instance": instance, "command": command}


# ---- the page's form (browser session only: the password never travels through the websocket) ------------------


@ui_router.post("/instances")
def save_instance_from_page(request: Request, body: Any = Body(...),
                            admin: Principal = Depends(require_admin_session)) -> dict:
    """Create or update one instance from the TWS Configuration page; answers without the password."""
    try:
        saved = instances.save_instance(body, admin.username, client_address(request))
    except TwsConfigInvalid as exc:
        raise _invalid(exc) from None
    return {"success": True, "instance": saved}
