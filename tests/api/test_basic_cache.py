"""HTTP Basic: successful verifications are cached briefly under a keyed hash (never the password), the cache
gives way to a password reset, a role change and the lockout, and failures are never cached."""

from __future__ import annotations

import hashlib

from resync_app.auth import passwords
from resync_app.auth.basic_cache import cache
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, basic


def counting_bcrypt(monkeypatch) -> list[int]:
    calls = [0]
    real = passwords.verify_password

    def counted(password, hashed):
        calls[0] += 1
        return real(password, hashed)

    import resync_app.auth.service as service

    monkeypatch.setattr(service, "verify_password", counted)
    return calls


def test_second_basic_request_skips_bcrypt(api, monkeypatch):
    calls = counting_bcrypt(monkeypatch)
    assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 200
    assert calls[0] == 1
    for _ in range(5):
        assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 200
    assert calls[0] == 1 and cache.hits >= 5


def test_the_cache_key_holds_no_password(api):
    assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 200
    [key] = cache.keys()
    assert ADMIN_PASSWORD not in key and ADMIN_PASSWORD.encode().hex() not in key
    unkeyed = {hashlib.sha256(f"{ADMIN_USER}\0{ADMIN_PASSWORD}".encode()).hexdigest(),
               hashlib.sha256(ADMIN_PASSWORD.encode()).hexdigest()}
    assert key not in unkeyed and len(key) == 64
    entry = cache.get(key)
    assert ADMIN_PASSWORD not in repr(entry)


def test_failures_are_not_cached(api, monkeypatch):
    calls = counting_bcrypt(monkeypatch)
    wrong = basic(password="not-the-password-1")
    assert [api.get("/api/v1/admin/audit", headers=wrong).status_code for _ in range(2)] == [401, 401]
    assert calls[0] == 2 and cache.keys() == []


def test_password_reset_invalidates_the_cached_verification(api):
    from resync_app.auth.service import reset_password

    assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 200
    reset_password(ADMIN_USER, "a-brand-new-password-9", actor="tests")
    try:
        assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 401
        assert api.get("/api/v1/admin/audit", headers=basic(password="a-brand-new-password-9")).status_code == 200
    finally:
        reset_password(ADMIN_USER, ADMIN_PASSWORD, actor="tests")


def test_lockout_applies_to_cached_credentials(api):
    assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 200
    wrong = basic(password="not-the-password-1")
    for _ in range(5):
        api.get("/api/v1/admin/audit", headers=wrong)
    locked = api.get("/api/v1/admin/audit", headers=basic())
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_entries_expire(clean_db):
    from datetime import datetime, timezone

    from resync_app.auth.basic_cache import BasicCache

    now = [100.0]
    local = BasicCache(ttl=60, clock=lambda: now[0])
    local.put("k", 1, "admin", True, datetime.now(timezone.utc))
    now[0] += 59
    assert local.get("k") is not None
    now[0] += 2
    assert local.get("k") is None


def test_a_role_change_ends_the_cached_verification(api, monkeypatch):
    """The cache promises a role change takes effect on the next request: a demoted admin's Basic credentials,
    verified (and cached) a moment ago as an admin's, no longer open an admin route, and are checked again in
    full (bcrypt) rather than answered from the cache; promoted back, the same credentials open it again."""
    from resync_app.auth.users import Actor, create_user, set_role

    create_user("second-admin", "second-admin-password-1", "admin", Actor("tests"))
    headers = basic("second-admin", "second-admin-password-1")
    calls = counting_bcrypt(monkeypatch)
    assert [api.get("/api/v1/admin/audit", headers=headers).status_code for _ in range(3)] == [200, 200, 200]
    assert calls[0] == 1  # verified once, then from the cache

    set_role("second-admin", "operator", Actor(ADMIN_USER))
    demoted = api.get("/api/v1/admin/audit", headers=headers)
    assert demoted.status_code == 403, demoted.text  # not the admin the cache remembered
    assert calls[0] == 2  # the cached entry was dropped: a full check
    assert api.get("/api/v1/tws/summary", headers=headers).status_code in (200, 404)  # still an operator

    set_role("second-admin", "admin", Actor(ADMIN_USER))
    assert api.get("/api/v1/admin/audit", headers=headers).status_code == 200
