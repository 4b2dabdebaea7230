"""Run API tests against a fresh PostgreSQL database instead of SQLite (the production path)."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.support import dbutil
from tests.support.pg import fresh_database


@pytest.fixture(scope="session")
def database_url():
    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        dbutil.ensure_admin(ADMIN_USER, ADMIN_PASSWORD)
        yield url


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/postgres/" in str(item.fspath):
            item.add_marker(pytest.mark.postgres)
