"""Tests against the Redis server (RESYNC_TEST_REDIS_URL, default 127.0.0.1:6379/15); they fail if it is down."""

from __future__ import annotations

import os

import pytest

REDIS_URL = os.environ.get("RESYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    """RESYNC_REDIS_URL set for the test (settings re-read), an empty Redis database, all undone afterwards."""
    import redis

    from resync_app.settings import reload_settings

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    client.ping()
    client.flushdb()
    os.environ["RESYNC_REDIS_URL"] = REDIS_URL
    reload_settings()
    try:
        yield REDIS_URL
    finally:
        os.environ.pop("RESYNC_REDIS_URL", None)
        reload_settings()
        client.flushdb()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/redis/" in str(item.fspath):
            item.add_marker(pytest.mark.redis)
