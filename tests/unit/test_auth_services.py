"""Auth services: bcrypt hashing, sessions/tokens, lockout, the first admin."""

from __future__ import annotations

import hashlib
import stat
from datetime import timedelta

import bcrypt
import pytest

from resync_app.auth import lockout, passwords, service, sessions
from resync_app.auth.models import AuthSession, LoginFailure
from resync_app.db import session_scope, utcnow
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.support.dbutil import table_count


def test_hash_is_bcrypt_cost_12_and_verifies(production_bcrypt):
    assert passwords.BCRYPT_ROUNDS == 12
    hashed = passwords.hash_password("a-long-enough-password")
    assert hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"a-long-enough-password", hashed.encode())
    assert passwords.verify_password("a-long-enough-password", hashed)
    assert not passwords.verify_password("a-long-enough-passworD", hashed)


@pytest.mark.parametrize("bad", ["short", "x" * 73])
def test_password_policy_refuses_weak_or_overlong(bad):
    with pytest.raises(passwords.PasswordPolicyError):
        passwords.hash_password(bad)


def test_unknown_user_check_does_the_bcrypt_work_and_fails(monkeypatch, production_bcrypt):
    calls = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: calls.append(h) or real(pw, h))
    assert passwords.verify_password("whatever-password", None) is False
    assert len(calls) == 1 and calls[0].startswith(b"$2b$12$")


def test_session_roundtrip_hash_only_and_revoke(clean_db):
    user = service.find_user(ADMIN_USER)
    issued = utcnow()
    raw, expires = sessions.issue(user, "session")
    assert timedelta(hours=12) <= expires - issued < timedelta(hours=12, seconds=5)  # 12 h absolute
    with session_scope() as db:
        stored = db.query(AuthSession).one()
        assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in stored.token_hash
        assert len(raw) >= 43  # 32 random bytes, URL-safe base64
    principal = sessions.resolve(raw, "session")
    assert principal is not None and principal.username == ADMIN_USER
    assert sessions.resolve(raw, "token") is None  # a session cookie is not an API token
    assert sessions.resolve(raw + "x", "session") is None
    sessions.revoke(raw)
    assert sessions.resolve(raw, "session") is None


def test_api_tokens_live_one_hour(clean_db):
    issued = utcnow()
    _, expires = sessions.issue(service.find_user(ADMIN_USER), "token")
    assert timedelta(hours=1) <= expires - issued < timedelta(hours=1, seconds=5)


def test_a_session_idle_for_29_minutes_lives_on(clean_db):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    with session_scope() as db:
        row = db.query(AuthSession).one()
        row.last_seen_at = utcnow() - timedelta(minutes=29, seconds=50)
        db.add(row)
    assert sessions.resolve(raw, "session") is not None


def test_session_idle_and_absolute_expiry(clean_db):
    user = service.find_user(ADMIN_USER)
    idle_raw, _ = sessions.issue(user, "session")
    old_raw, _ = sessions.issue(user, "token")
    with session_scope() as db:
        for row in db.query(AuthSession).all():
            if row.token_hash == hashlib.sha256(idle_raw.encode()).hexdigest():
                row.last_seen_at = utcnow() - timedelta(minutes=30, seconds=1)  # 30 min idle
            else:
                row.expires_at = utcnow() - timedelta(seconds=1)
            db.add(row)
    assert sessions.resolve(idle_raw, "session") is None
    assert sessions.resolve(old_raw, "token") is None
    assert table_count("auth_sessions") == 0  # expired rows are removed when seen


def test_password_reset_kills_sessions_and_tokens(clean_db):
    user = service.find_user(ADMIN_USER)
    a, _ = sessions.issue(user, "session")
    b, _ = sessions.issue(user, "token")
    try:
        assert service.reset_password(ADMIN_USER, "another-long-password") == 2
        assert sessions.resolve(a, "session") is None and sessions.resolve(b, "token") is None
        assert service.check_credentials(ADMIN_USER, "another-long-password").principal is not None
    finally:
        service.reset_password(ADMIN_USER, ADMIN_PASSWORD)


@pytest.mark.parametrize("username", [ADMIN_USER, "nobody-by-this-name"])
def test_lockout_after_five_failures_for_known_and_unknown(clean_db, username):
    for _ in range(4):
        result = service.check_credentials(username, "wrong-password-1")
        assert result.principal is None and not result.locked
    fifth = service.check_credentials(username, "wrong-password-1")
    assert fifth.principal is None
    locked = service.check_credentials(username, ADMIN_PASSWORD)  # even the right password
    assert locked.locked and 0 < locked.retry_after <= 15 * 60
    assert table_count("login_failures") == 5  # attempts while locked are not counted


def test_lock_expires_after_fifteen_minutes(clean_db):
    for _ in range(5):
        service.check_credentials(ADMIN_USER, "wrong-password-1")
    with session_scope() as db:
        for row in db.query(LoginFailure).all():
            row.timestamp = row.timestamp - timedelta(minutes=15, seconds=1)
            db.add(row)
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).principal is not None


def test_failures_spread_over_more_than_the_window_do_not_lock(clean_db):
    for _ in range(5):
        service.check_credentials(ADMIN_USER, "wrong-password-1")
    with session_scope() as db:
        oldest = db.query(LoginFailure).order_by(LoginFailure.id).first()
        oldest.timestamp = utcnow() - timedelta(minutes=16)
        db.add(oldest)
    assert lockout.get_lockout().retry_after(ADMIN_USER) == 0


def test_success_resets_the_counter(clean_db):
    for _ in range(4):
        service.check_credentials(ADMIN_USER, "wrong-password-1")
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).principal is not None
    for _ in range(4):
        service.check_credentials(ADMIN_USER, "wrong-password-1")
    assert not service.check_credentials(ADMIN_USER, "wrong-password-1").locked
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).locked


def test_usernames_are_case_insensitive_for_lockout(clean_db):
    for name in ("Admin", "ADMIN", "admin ", "aDmin", "admin"):
        service.check_credentials(name, "wrong-password-1")
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).locked


def test_first_admin_generated_once_with_private_file(clean_db, tmp_path, monkeypatch):
    from sqlmodel import delete

    from resync_app.auth.models import User

    with session_scope() as db:  # no admin at all: a fresh install
        db.exec(delete(User))
    try:
        target = tmp_path / "initial-admin-password"
        generated = service.ensure_first_admin("root-admin", None, target)
        assert generated and target.read_text().strip() == generated
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert service.check_credentials("root-admin", generated).principal is not None
        assert service.ensure_first_admin("someone-else", None, tmp_path / "again") is None
        assert not (tmp_path / "again").exists()
    finally:
        with session_scope() as db:
            db.exec(delete(User))
        service.create_admin(ADMIN_USER, ADMIN_PASSWORD, actor="tests")


def test_audit_records_sign_in_outcomes_without_passwords(clean_db):
    from resync_app.audit.service import recent

    service.check_credentials(ADMIN_USER, "wrong-password-1", client="10.0.0.1", channel="ui")
    service.check_credentials(ADMIN_USER, ADMIN_PASSWORD, client="10.0.0.1", channel="ui")
    actions = [e["action"] for e in recent(10)]
    assert actions[:2] == ["login.success", "login.failure"]
    assert all(e["client"] == "10.0.0.1" for e in recent(2))
    assert "wrong-password-1" not in str(recent(10)) and ADMIN_PASSWORD not in str(recent(10))


def _last_seen(raw: str):
    with session_scope() as db:
        return db.query(AuthSession).filter(AuthSession.token_hash == sessions.hash_token(raw)).one().last_seen_at


def _age(raw: str, minutes: float) -> None:
    with session_scope() as db:
        row = db.query(AuthSession).filter(AuthSession.token_hash == sessions.hash_token(raw)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.add(row)


def test_a_background_check_does_not_extend_the_idle_timeout(clean_db):
    """Only user actions keep a session alive (issue 10, item 5): `touch=False` checks leave last_seen alone."""
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    _age(raw, 29)
    seen = _last_seen(raw)
    for _ in range(3):
        assert sessions.resolve(raw, "session", touch=False) is not None
    assert _last_seen(raw) == seen
    _age(raw, 31)  # two more minutes with nothing but background checks
    assert sessions.resolve(raw, "session", touch=False) is None


def test_a_user_action_extends_the_idle_timeout(clean_db):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    _age(raw, 29)
    assert sessions.resolve(raw, "session") is not None
    assert utcnow() - _last_seen(raw) < timedelta(seconds=5)
