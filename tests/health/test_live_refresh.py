"""The live-refresh loops of the Teams and Health pages stop with the client's session and never extend it:
`session_alive` reads the session without touching its idle timer (the guard's check, meant for user actions,
does touch it)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlmodel import select

from resync_app.auth import service, sessions
from resync_app.auth.models import AuthSession
from resync_app.db import session_scope, utcnow
from resync_app.state.live import session_alive
from tests.conftest import ADMIN_USER


def _client(cookie: str | None):
    """What `session_alive` reads of a Reflex state: the cookie header of the client's websocket handshake."""
    header = f"{sessions.SESSION_COOKIE}={cookie}" if cookie else ""
    return SimpleNamespace(router=SimpleNamespace(headers=SimpleNamespace(cookie=header)))


def _age(raw: str, minutes: float) -> None:
    with session_scope() as db:
        row = db.exec(select(AuthSession).where(AuthSession.token_hash == sessions.hash_token(raw))).one()
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.add(row)


def _last_seen(raw: str):
    with session_scope() as db:
        return db.exec(select(AuthSession.last_seen_at)
                       .where(AuthSession.token_hash == sessions.hash_token(raw))).one()


def test_session_alive_does_not_touch_the_session(clean_db):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    _age(raw, 20)
    before = _last_seen(raw)
    for _ in range(3):
        assert session_alive(_client(raw)) is True
    assert _last_seen(raw) == before  # a refresh loop does not keep the session alive
    sessions.resolve(raw, "session")  # a user's action does
    assert _last_seen(raw) > before


def test_session_alive_is_false_for_idle_unknown_and_missing_sessions(clean_db):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    assert session_alive(_client(None)) is False
    assert session_alive(_client("forged")) is False
    _age(raw, sessions.SESSION_IDLE.total_seconds() / 60 + 1)
    assert session_alive(_client(raw)) is False
    token, _ = sessions.issue(service.find_user(ADMIN_USER), "token")
    assert session_alive(_client(token)) is False  # an API token is not a browser session
