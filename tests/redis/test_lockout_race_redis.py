"""The lockout race tests with the Redis counter (RESYNC_REDIS_URL): one Lua script decides and counts. They call
the sign-in service directly (the API path is the same and is raced on SQLite and PostgreSQL): starting the
app's runtime here would connect the process-wide change feed to the test Redis for the rest of the session."""

from __future__ import annotations

import pytest

from resync_app.auth import lockout, service
from tests.api.test_lockout_race import (  # noqa: F401  (re-run against the Redis counter)
    run_guessers,
    test_concurrent_guesses_and_one_right_password_still_cap_the_guesses,
    test_thirty_concurrent_wrong_passwords_through_the_service_get_five_guesses,
)
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER


@pytest.fixture(autouse=True)
def redis_lockout(redis_url):
    lockout.reset_lockout_store()
    assert isinstance(lockout.get_lockout(), lockout.RedisLockout)
    yield
    lockout.reset_lockout_store()


@pytest.mark.parametrize("username", [ADMIN_USER, "no-such-admin"])
def test_three_processes_racing_on_redis_get_five_guesses_between_them(clean_db, redis_url, tmp_path, username):
    total = run_guessers(clean_db, username, tmp_path=tmp_path, extra_env={"RESYNC_REDIS_URL": redis_url})
    assert total == {"failed": 5, "locked": 25, "signed_in": 0}, total
    assert service.check_credentials(username, ADMIN_PASSWORD).locked
    assert lockout.get_lockout().retry_after(username) > 0
