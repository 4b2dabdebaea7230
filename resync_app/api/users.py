"""User accounts (CONTRACT §9 "Users"), admin only: list, add, and change role / disabled / password. The same
service as the /admin/users page and the CLI (`auth/users.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from resync_app.api.deps import client_address, require_admin, require_admin_session
from resync_app.auth import users
from resync_app.auth.sessions import Principal

router = APIRouter(prefix="/api/v1/admin/users", tags=["users (admin)"])


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(max_length=1024)
    role: str = Field("operator", description="operator or admin")


def _actor(request: Request, admin: Principal) -> users.Actor:
    return users.Actor(admin.username, client_address(request))


def _refused(exc: users.UserError) -> HTTPException:
    return HTTPException(exc.status, detail=f"Nothing was changed: {exc}")


@router.get("")
def list_users(_: Principal = Depends(require_admin)) -> list[dict]:
    """Every account: `{id, username, role, disabled, created_at, last_login_at, password_changed_at}`."""
    return users.list_users()


@router.post("", status_code=201)
async def create_user(body: NewUser, request: Request, admin: Principal = Depends(require_admin)) -> dict:
    """Add an operator or admin; 409 if the name is taken, 422 for a bad name, role or password."""
    try:
        return await run_in_threadpool(users.create_user, body.username, body.password, body.role,
                                       _actor(request, admin))
    except users.UserError as exc:
        raise _refused(exc) from None


@router.get("/{username}")
def get_user(username: str, _: Principal = Depends(require_admin)) -> dict:
    try:
        return users.get_user(username)
    except users.UserError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None


@router.put("/{username}")
async def update_user(username: str, request: Request, body: Any = Body(...),
                      admin: Principal = Depends(require_admin)) -> dict:
    """`{role?, disabled?, password?}`: a new password or disabling ends the user's sessions and tokens. The last
    enabled admin cannot be disabled or demoted, nor can you disable or demote yourself (409)."""
    if not isinstance(body, dict) or not body:
        raise HTTPException(422, detail="Send a JSON object with role, disabled and/or password.")
    try:
        return await run_in_threadpool(users.update_user, username, body, _actor(request, admin))
    except users.UserError as exc:
        raise _refused(exc) from None


# ---- the /admin/users page's dialogs (browser session only: passwords never travel through the websocket) -------

ui_router = APIRouter(prefix="/api/v1/ui/users", tags=["admin UI (browser session)"])


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1024)


@ui_router.post("")
async def create_user_from_page(body: NewUser, request: Request,
                                admin: Principal = Depends(require_admin_session)) -> dict:
    try:
        user = await run_in_threadpool(users.create_user, body.username, body.password, body.role,
                                       _actor(request, admin))
    except users.UserError as exc:
        raise _refused(exc) from None
    return {"success": True, "username": user["username"]}


@ui_router.post("/{username}/password")
async def reset_password_from_page(username: str, body: NewPassword, request: Request,
                                   admin: Principal = Depends(require_admin_session)) -> dict:
    """A new password; every session and token of the user ends."""
    try:
        ended = await run_in_threadpool(users.reset_password, username, body.password, _actor(request, admin))
    except users.UserError as exc:
        raise _refused(exc) from None
    return {"success": True, "username": users.get_user(username)["username"], "sessions_ended": ended}
