"""The lockout cannot be raced (issue 10, item 4): however many wrong passwords arrive at once, from threads or
from processes, at most 5 are checked per window; the others are refused with 429 before bcrypt. The same
module runs on PostgreSQL (tests/postgres) and with the Redis counter (tests/redis)."""

from __future__ import annotations

import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from resync_app.auth import service
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.support.forked import forked
from tests.support.sign_in_guesser import guess as guess_in_child

GUESSES = 30


@pytest.mark.parametrize("username", [ADMIN_USER, "no-such-admin"])
def test_thirty_concurrent_wrong_passwords_get_five_guesses(api, username):
    def guess(_):
        return api.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password-guess"})

    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    codes = Counter(a.status_code for a in answers)
    assert codes == {401: 5, 429: GUESSES - 5}, codes
    assert all(0 < int(a.headers["Retry-After"]) <= 900 for a in answers if a.status_code == 429)
    # locked: even the right password is refused
    assert api.post("/api/v1/auth/token", json={"username": username, "password": ADMIN_PASSWORD}).status_code == 429


def test_thirty_concurrent_wrong_passwords_through_the_service_get_five_guesses(clean_db):
    with ThreadPoolExecutor(max_workers=GUESSES) as pool:
        results = list(pool.map(lambda _: service.check_credentials("no-such-admin", "wrong-password-guess"),
                                range(GUESSES)))
    assert Counter("locked" if r.locked else "failed" for r in results) == {"failed": 5, "locked": GUESSES - 5}


def test_concurrent_guesses_and_one_right_password_still_cap_the_guesses(clean_db):
    """A success resets the counter; whatever the interleaving, no more than 5 wrong guesses are checked
    between two resets."""
    def attempt(i):
        password = ADMIN_PASSWORD if i == 2 else "wrong-password-guess"
        return service.check_credentials(ADMIN_USER, password, client="race")

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(12)))
    checked_wrong = sum(1 for r in results if r.principal is None and not r.locked)
    assert checked_wrong <= 10  # at most 5 before and 5 after the one reset
    assert sum(1 for r in results if r.principal is not None) <= 1


def run_guessers(database_url: str, username: str, processes: int = 3, threads: int = 10, tmp_path=None,
                 extra_env: dict[str, str] | None = None) -> Counter:
    """`processes` guesser processes (forked from this one), each `threads` wrong passwords at once, all started
    by one go file; what they got, summed."""
    go_file = tmp_path / "go"
    env = {**os.environ, "RESYNC_DATABASE_URL": database_url, **(extra_env or {})}
    children = [forked(guess_in_child, username, threads, str(go_file), env=env) for _ in range(processes)]
    go_file.write_text("go")
    total: Counter = Counter()
    for child in children:
        done = child.wait(timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        total.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return total


@pytest.mark.parametrize("username", [ADMIN_USER, "no-such-admin"])
def test_three_processes_racing_get_five_guesses_between_them(clean_db, tmp_path, username):
    total = run_guessers(clean_db, username, tmp_path=tmp_path)
    assert total == {"failed": 5, "locked": 25, "signed_in": 0}, total
    assert service.check_credentials(username, ADMIN_PASSWORD).locked
