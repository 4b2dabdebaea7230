"""The audit log of sign-ins (issue 10, item 10): a locked username's attempts cannot flood it (one row per
lock window, with a count), and a password typed into the username box is not shown to every admin (unknown
usernames are masked: their first two characters and their length; known ones are shown in full)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from resync_app.audit.models import AuditEntry
from resync_app.audit.service import recent
from resync_app.auth import service
from resync_app.auth.models import LoginFailure
from resync_app.db import session_scope
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER

TYPED_PASSWORD = "Winter2026!blue-horse"  # typed into the username box by mistake


def login_rows(action: str | None = None) -> list[dict]:
    return [e for e in recent(1000, "login") if action is None or e["action"] == action]


def lock(username: str) -> None:
    for _ in range(5):
        assert not service.check_credentials(username, "wrong-password-1", client="10.0.0.9").locked
    assert service.check_credentials(username, "wrong-password-1").locked


def test_an_unknown_username_is_masked_in_every_sign_in_row(clean_db):
    lock(TYPED_PASSWORD)
    rows = login_rows()
    assert {r["action"] for r in rows} == {"login.failure", "login.lockout", "login.refused_locked"}
    text = json.dumps(rows)
    assert TYPED_PASSWORD not in text and TYPED_PASSWORD.lower() not in text and "blue-horse" not in text
    masked = f"wi… ({len(TYPED_PASSWORD)} characters)"
    assert all(r["target"] == masked and r["actor"] == masked for r in rows), rows


def test_a_known_username_is_shown_in_full(clean_db):
    lock(ADMIN_USER)
    assert all(r["target"] == ADMIN_USER for r in login_rows())
    service.reset_password(ADMIN_USER, ADMIN_PASSWORD)  # unlocks (and audits) for the next tests


def test_a_locked_usernames_attempts_make_one_row_per_lock_window(clean_db):
    lock("no-such-admin")
    before = len(recent(1000))
    for _ in range(40):
        assert service.check_credentials("no-such-admin", "another-guess").locked
    assert len(recent(1000)) == before  # no new row: the lock window's row counts them
    [refused] = login_rows("login.refused_locked")
    assert refused["detail"]["count"] == 41 and refused["detail"]["lock_until"]
    assert refused["detail"]["channels"] == ["api"]

    # the lock ends: 16 minutes pass (the failures and the window's row move back in time, so the new window
    # differs whatever the clock did meanwhile); the next lock is a new window with a row of its own
    with session_scope() as db:
        for row in db.query(LoginFailure).all():
            row.timestamp = row.timestamp - timedelta(minutes=16)
            db.add(row)
        entry = db.get(AuditEntry, refused["id"])
        detail = json.loads(entry.detail)
        earlier = (datetime.fromisoformat(detail["lock_until"]) - timedelta(minutes=16)).isoformat(timespec="seconds")
        entry.detail = json.dumps({**detail, "window": earlier, "lock_until": earlier}, sort_keys=True)
        db.add(entry)
    lock("no-such-admin")
    windows = login_rows("login.refused_locked")
    assert len(windows) == 2 and windows[0]["detail"]["count"] == 1
    assert windows[0]["detail"]["lock_until"] != windows[1]["detail"]["lock_until"]


def test_concurrent_attempts_on_a_locked_username_still_make_one_row(clean_db):
    lock(ADMIN_USER)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: service.check_credentials(ADMIN_USER, "guess-guess", channel="basic"),
                                range(20)))
    assert all(r.locked for r in results)
    [refused] = login_rows("login.refused_locked")
    assert refused["detail"]["count"] == 21 and sorted(refused["detail"]["channels"]) == ["api", "basic"]
    service.reset_password(ADMIN_USER, ADMIN_PASSWORD)
