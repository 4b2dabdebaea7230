"""bcrypt at its minimum cost in the test processes (tests/conftest.py and the child processes the tests start).

The production cost (12) takes ~0.25 s per hash or check on an idle core, and the suite hashes and checks hundreds
of passwords. `production_bcrypt` (tests/conftest.py) puts cost 12 back for the tests that assert it; servers the
tests start (scripts/serve.sh) always run at cost 12.
"""

from __future__ import annotations

import bcrypt

TEST_ROUNDS = 4


def use_test_cost() -> tuple[int, bytes]:
    """Hash new passwords, and check unknown users, at TEST_ROUNDS; returns the production (rounds, dummy hash)."""
    from resync_app.auth import passwords

    production = passwords.BCRYPT_ROUNDS, passwords._DUMMY_HASH
    passwords.BCRYPT_ROUNDS = TEST_ROUNDS
    passwords._DUMMY_HASH = bcrypt.hashpw(b"resync-no-such-user", bcrypt.gensalt(TEST_ROUNDS))
    return production
