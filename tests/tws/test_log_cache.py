"""The job log excerpts' cache is bounded in entries and bytes, not only by time (issue 15 item 13): many different
jobs' logs (a loopback HWA server, tests/fakes/hwa_stub.py) leave at most `LOG_CACHE_MAX_ENTRIES` entries and
`LOG_CACHE_MAX_BYTES` bytes in the worker, the most recent ones; a repeat within the time-to-live costs no call."""

from __future__ import annotations

import pytest

from resync_app.tws import instances, service
from resync_app.tws.log_cache import BoundedTtlCache
from tests.fakes.hwa_stub import HwaStub

LOG = "€" * 2000  # 6 000 bytes of excerpt per job


@pytest.fixture
def stub(clean_db):
    service._log_cache.clear()
    with HwaStub(log_text=LOG) as server:
        instances.create_instance({"name": "stub", "base_url": server.base_url, "username": "ops",
                                   "password": "stub-password", "enabled": False}, "tests")
        yield server
    service._log_cache.clear()


async def test_many_jobs_logs_stay_within_the_bounds(stub):
    jobs = [f"job-{i}" for i in range(service.LOG_CACHE_MAX_ENTRIES + 12)]
    for job in jobs:
        answer = await service.log_excerpt("stub", job)
        assert answer["text"] == LOG and not answer["cached"]
    assert len(service._log_cache) <= service.LOG_CACHE_MAX_ENTRIES
    assert service._log_cache.bytes <= service.LOG_CACHE_MAX_BYTES
    assert len(service._log_cache) == service.LOG_CACHE_MAX_ENTRIES  # the newest fill it
    calls = len(stub.paths("/joblog"))
    assert (await service.log_excerpt("stub", jobs[-1]))["cached"] is True  # the newest are kept
    assert (await service.log_excerpt("stub", jobs[0]))["cached"] is False  # the oldest went first
    assert len(stub.paths("/joblog")) == calls + 1


def test_the_cache_bounds_entries_bytes_and_time():
    now = [0.0]
    cache = BoundedTtlCache(ttl_s=30, max_entries=3, max_bytes=100, clock=lambda: now[0])
    for i in range(5):
        cache.put(i, f"v{i}", 10)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == "v4"
    cache.get(2)  # recently used: kept over 3
    cache.put("big", "x", 80)
    assert cache.bytes <= 100 and cache.get(2) == "v2" and cache.get(3) is None
    cache.put("huge", "y", 101)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.bytes <= 100
    now[0] = 31
    assert cache.get(2) is None and cache.get("big") is None
