"""The pages' live-refresh loops check the session without extending it (`sessions.resolve(touch=False)`)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from resync_app.auth import service, sessions
from resync_app.auth.models import AuthSession
from resync_app.db import session_scope, utcnow
from tests.conftest import ADMIN_USER


def _age_session(raw: str, minutes: float) -> None:
    with session_scope() as db:
        row = db.exec(select(AuthSession).where(AuthSession.token_hash == sessions.hash_token(raw))).one()
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.add(row)


def _last_seen(raw: str):
    with session_scope() as db:
        return db.exec(select(AuthSession.last_seen_at).where(
            AuthSession.token_hash == sessions.hash_token(raw))).one()


def test_a_check_without_touch_does_not_extend_the_session(clean_db):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    _age_session(raw, 10)
    before = _last_seen(raw)
    assert sessions.resolve(raw, "session", touch=False) is not None
    assert _last_seen(raw) == before  # a background refresh is not activity
    assert sessions.resolve(raw, "session") is not None
    assert _last_seen(raw) > before  # a request by the admin is
    _age_session(raw, 31)  # idle longer than the 30-minute limit: the loop's check ends it like any other
    assert sessions.resolve(raw, "session", touch=False) is None
