"""At most `MAX_LOG_FETCHES` job-log fetches in flight per TWS instance, whoever asks (issue 15 item 5): many
clients opening jobs at once against a slow TWS (the simulator with latency) — only that many requests reach TWS,
the others are answered "busy" at once and not cached; the slots come back when the fetches end; another instance
has slots of its own. The slots live in Redis when it is configured, shared by every worker (two gates = two
workers)."""

from __future__ import annotations

import asyncio
import os

import pytest

from resync_app.tws import instances, service
from resync_app.tws.log_gate import MAX_LOG_FETCHES, LogGate, get_gate

NAME, OTHER = "gated", "gated-two"
CLIENTS = 10


def _log_requests(sim) -> int:
    return sum(1 for method, path, _ in sim.requests() if path.endswith("/joblog"))


@pytest.fixture
def two_instances(clean_db, simulator_factory):
    service._log_cache.clear()  # logs cached by an earlier test (same plan seed, same job ids) would not be fetched
    sims = {}
    for name in (NAME, OTHER):
        sim = simulator_factory()
        instances.create_instance({"name": name, "base_url": sim.base_url, "username": sim.username,
                                   "password": sim.password}, "tests")
        sims[name] = sim
    return sims


async def test_a_slow_tws_gets_at_most_the_cap_at_once(two_instances):
    sim = two_instances[NAME]
    jobs = sim.job_ids()[:CLIENTS]
    sim.set_latency(0.8)  # every fetch stays in flight long enough for all the others to arrive
    sim.clear_requests()
    answers = await asyncio.gather(*(service.log_excerpt(NAME, job) for job in jobs))
    busy = [a for a in answers if a["error"] == service.LOG_BUSY]
    fetched = [a for a in answers if a["error"] != service.LOG_BUSY]
    # the race happened (more clients than slots at once) and the cap held
    assert len(fetched) == MAX_LOG_FETCHES and len(busy) == CLIENTS - MAX_LOG_FETCHES
    assert _log_requests(sim) == MAX_LOG_FETCHES
    assert all(a["error"] is None and a["text"] is not None for a in fetched), fetched
    assert get_gate().in_use(NAME) == 0  # every slot came back
    # a busy answer is not cached: opened again now that TWS is free, the job's log is fetched
    sim.set_latency(0)
    again = await service.log_excerpt(NAME, jobs[answers.index(busy[0])])
    assert again["error"] is None and not again["cached"] and _log_requests(sim) == MAX_LOG_FETCHES + 1


async def test_each_instance_has_its_own_slots(two_instances):
    slow, other = two_instances[NAME], two_instances[OTHER]
    slow.set_latency(0.8)
    held = [asyncio.create_task(service.log_excerpt(NAME, job)) for job in slow.job_ids()[:MAX_LOG_FETCHES]]
    deadline = asyncio.get_running_loop().time() + 10
    while get_gate().in_use(NAME) < MAX_LOG_FETCHES:  # the slow instance's slots are all taken …
        assert asyncio.get_running_loop().time() < deadline, "the fetches never took their slots"
        await asyncio.sleep(0.01)
    assert (await service.log_excerpt(NAME, slow.job_ids()[-1]))["error"] == service.LOG_BUSY
    answer = await service.log_excerpt(OTHER, other.job_ids()[0])  # … the other instance's are not
    assert answer["error"] is None and answer["text"] is not None
    done = [await task for task in held]
    assert all(a["error"] is None for a in done), done


@pytest.mark.redis
async def test_the_slots_are_shared_by_every_worker():
    """Two gates on one Redis (two workers): the cap is for both together; a slot given back by one is free for
    the other."""
    import redis

    url = os.environ.get("RESYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(url).flushdb()
    first, second = LogGate(url, limit=3), LogGate(url, limit=3)
    async with first.slot("tws") as a, second.slot("tws") as b, first.slot("tws") as c:
        assert (a, b, c) == (True, True, True)
        async with second.slot("tws") as d, first.slot("tws") as e:
            assert (d, e) == (False, False)  # 3 in flight across the two workers
        assert second.in_use("tws") == 3
    async with second.slot("tws") as f:
        assert f and first.in_use("tws") == 1
    assert first.in_use("tws") == 0 and second.refused == 1 and first.refused == 1
