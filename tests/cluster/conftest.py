"""The app with 2 workers on PostgreSQL (a fresh database on the machine's server) and Redis (db 14, flushed),
started by `scripts/serve.sh` exactly as the README says (backend only: no frontend build needed for the API
and the event socket), with a loopback LLM provider."""

from __future__ import annotations

import os

import pytest

from tests.fakes.llm_server import FakeLLMServer
from tests.support.cluster import Cluster
from tests.support.pg import fresh_database

REDIS_URL = os.environ.get("RESYNC_TEST_CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/14")
LLM_KEY = "rk-cluster-0123456789abcdef"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="module")
def llm_server():
    with FakeLLMServer(api_key=LLM_KEY, models=["gpt-4o"]) as server:
        yield server


@pytest.fixture(scope="module")
def cluster(llm_server):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    client.flushdb()
    with fresh_database() as db_url:
        # the checks make hundreds of admin reads from one address: seed generous limits (first start only)
        limits = {"RATE_LIMIT_CRITICAL_PER_MINUTE": "1000", "RATE_LIMIT_AUTHENTICATED_PER_MINUTE": "100000"}
        server = Cluster(database_url=db_url, redis_url=REDIS_URL, workers=2, extra_env=limits)
        server.start()
        try:
            yield server
        finally:
            server.destroy()
            client.flushdb()
