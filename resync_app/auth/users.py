"""User accounts (admins and operators): add, list, disable / enable, change role, reset password.

The one place these rules live: the /admin/users page, `GET/POST/PUT /api/v1/admin/users` and the CLI call it.
Every change is audited in the general audit log (never a password). Two guards keep the console manageable:
the last enabled admin can be neither disabled nor demoted, and an admin cannot disable or demote themselves
(from the page or the API; the CLI, run by whoever holds the server, is `actor="cli"`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from resync_app.audit.service import record as audit
from resync_app.auth import sessions
from resync_app.auth.lockout import get_lockout, username_key
from resync_app.auth.models import ROLE_ADMIN, ROLES, User
from resync_app.auth.passwords import hash_password
from resync_app.db import session_scope, utcnow

MAX_USERNAME = 150


class UserError(ValueError):
    """A change that is refused; `status` is the HTTP answer it maps to (422 bad input, 404, 409 conflict)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a signed-in admin (their name) or "cli" / "startup"."""

    name: str
    client: str = ""


def valid_username(username: str) -> str:
    """The stored form of a username (lower case, trimmed); UserError if it is not 1-150 letters, digits, . - _"""
    name = username_key(username or "")
    if not name or len((username or "").strip()) > MAX_USERNAME or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise UserError(f"the username must be 1-{MAX_USERNAME} letters, digits, '.', '-' or '_'")
    return name


def valid_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"the role must be one of {', '.join(ROLES)}")
    return role


def public(user: User) -> dict[str, Any]:
    """What the page and the API show of an account (never the hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "password_changed_at": user.password_changed_at.isoformat(),
    }


def list_users(role: str | None = None) -> list[dict[str, Any]]:
    """Every account, by name (optionally only one role)."""
    with session_scope() as db:
        query = select(User).order_by(User.username)
        if role is not None:
            query = query.where(User.role == role)
        return [public(u) for u in db.exec(query).all()]


def get_user(username: str) -> dict[str, Any]:
    with session_scope() as db:
        return public(_load(db, username))


def create_user(username: str, password: str, role: str, actor: Actor) -> dict[str, Any]:
    """Add an account; UserError if the name is taken (409) or the name, role or password is not acceptable."""
    name, role = valid_username(username), valid_role(role)
    try:
        password_hash = hash_password(password or "")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session_scope() as db:
        if db.exec(select(User).where(User.username == name)).first() is not None:
            raise UserError(f"a user named {name!r} already exists", 409)
        user = User(username=name, password_hash=password_hash, role=role)
        db.add(user)
        audit(actor.name, "user.create", target=name, detail={"role": role}, client=actor.client, session=db)
        db.flush()
        return public(user)


def reset_password(username: str, password: str, actor: Actor) -> int:
    """Set a new password, clear the user's lockout and end every session/token; return how many ended."""
    try:
        password_hash = hash_password(password or "")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session_scope() as db:
        user = _load(db, username)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        db.add(user)
        audit(actor.name, "user.reset_password", target=user.username, client=actor.client, session=db)
        user_id, name = user.id, user.username
    get_lockout().reset(name)
    return sessions.revoke_all(user_id)


def set_disabled(username: str, disabled: bool, actor: Actor) -> dict[str, Any]:
    """Disable (ends every session/token; sign-in refused) or enable an account."""
    with session_scope() as db:
        user = _load(db, username)
        if user.disabled == disabled:
            return public(user)
        if disabled:
            _refuse_self(user, actor, "disable")
            _refuse_last_admin(db, user, "disable")
        user.disabled = disabled
        db.add(user)
        audit(actor.name, "user.disable" if disabled else "user.enable", target=user.username,
              client=actor.client, session=db)
        answer, user_id = public(user), user.id
    if disabled:
        sessions.revoke_all(user_id)
    return answer


def set_role(username: str, role: str, actor: Actor) -> dict[str, Any]:
    """Change an account's role; a demoted admin's sessions end (they were opened as an admin)."""
    role = valid_role(role)
    with session_scope() as db:
        user = _load(db, username)
        if user.role == role:
            return public(user)
        old = user.role
        if old == ROLE_ADMIN:
            _refuse_self(user, actor, "demote")
            _refuse_last_admin(db, user, "demote")
        user.role = role
        db.add(user)
        audit(actor.name, "user.role", target=user.username, detail={"old_role": old, "new_role": role},
              client=actor.client, session=db)
        answer, user_id = public(user), user.id
    if old == ROLE_ADMIN:
        sessions.revoke_all(user_id)
    return answer


def update_user(username: str, changes: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Apply `{role?, disabled?, password?}` (what `PUT /api/v1/admin/users/{name}` sends), checked first."""
    unknown = set(changes) - {"role", "disabled", "password"}
    if unknown:
        raise UserError(f"unknown field(s): {', '.join(sorted(unknown))}; use role, disabled, password")
    if "disabled" in changes and not isinstance(changes["disabled"], bool):
        raise UserError("disabled must be true or false")
    if "role" in changes:
        valid_role(changes["role"])
    get_user(username)  # 404 before anything changes
    if changes.get("password") is not None:
        reset_password(username, changes["password"], actor)
    if "role" in changes:
        set_role(username, changes["role"], actor)
    if "disabled" in changes:
        set_disabled(username, changes["disabled"], actor)
    return get_user(username)


def record_sign_in(user_id: int) -> None:
    """Remember when the account last signed in (shown on the users page)."""
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is not None:
            user.last_login_at = utcnow()
            db.add(user)


# ---- helpers -------------------------------------------------------------------------------------------


def _load(db, username: str) -> User:
    name = username_key(username or "")
    user = db.exec(select(User).where(User.username == name)).first() if name else None
    if user is None:
        raise UserError(f"no user named {name!r}", 404)
    return user


def _refuse_self(user: User, actor: Actor, verb: str) -> None:
    if user.username == actor.name:
        raise UserError(f"you cannot {verb} your own account; ask another admin", 409)


def _enabled_admins(db) -> int:
    """How many enabled admins; the rows stay locked until the change commits (PostgreSQL), so two admins
    demoting each other at once cannot both pass."""
    query = select(User.id).where(User.role == ROLE_ADMIN, User.disabled == False).with_for_update()  # noqa: E712
    return len(db.exec(query).all())


def _refuse_last_admin(db, user: User, verb: str) -> None:
    if user.role == ROLE_ADMIN and not user.disabled and _enabled_admins(db) <= 1:
        raise UserError(f"{user.username!r} is the last enabled admin: add or enable another admin before you "
                        f"{verb} this one", 409)
