"""Helpers of the live-refresh loops of admin pages (background tasks waiting on a feed topic).

A loop must stop when the client leaves (navigates away, closes the tab, or its session ends) and must never keep
the session alive by itself: `session_alive` reads the session without touching its last-seen time (the guard's
`current_admin` does touch it, which is right for a user's action but not for a timer).
"""

from __future__ import annotations

import sys

import reflex as rx
from sqlmodel import select

from resync_app.auth.models import AuthSession, User
from resync_app.auth.sessions import SESSION_IDLE, hash_token
from resync_app.db import session_scope, utcnow
from resync_app.state.guard import _cookie_token


def session_alive(state: rx.State) -> bool:
    """Whether this client's admin session is still valid — read-only (the idle timer is not reset)."""
    token = _cookie_token(state)
    if not token or len(token) > 256:
        return False
    now = utcnow()
    with session_scope() as db:
        row = db.exec(select(AuthSession.expires_at, AuthSession.last_seen_at, User.is_admin)
                      .join(User, User.id == AuthSession.user_id)
                      .where(AuthSession.token_hash == hash_token(token), AuthSession.kind == "session")).first()
    if row is None:
        return False
    expires_at, last_seen_at, is_admin = row
    return bool(is_admin) and expires_at > now and now - last_seen_at <= SESSION_IDLE


def client_connected(state: rx.State) -> bool:
    """Whether this client's websocket is still connected to this worker's app (True when unknown)."""
    module = sys.modules.get("resync_app.resync_app")
    namespace = getattr(getattr(module, "app", None), "event_namespace", None)
    if namespace is None:
        return True
    return state.router.session.client_token in namespace.token_to_sid


def still_watching(state: rx.State, watch_id: int, route: str) -> bool:
    """A page's refresh loop goes on only while it is the newest loop of a connected client that is still on
    `route` with a live session."""
    return (getattr(state, "_watch_id", None) == watch_id and state.router.url.path.rstrip("/") == route
            and client_connected(state) and session_alive(state))
