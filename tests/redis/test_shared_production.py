"""Shared state across workers on Redis: per-process feed sender ids, the relay reconnecting and catching up
after a Redis outage (a Redis server of our own, restarted), budget admissions and rate-limit counters."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from resync_app.events import ChangeFeed
from tests.support.budget_race import race
from tests.support.cluster import TempRedis, wait_for


def _child_origin(feed, queue) -> None:
    queue.put(feed.origin)


def test_sender_id_is_made_per_process():
    feed = ChangeFeed()
    parent = feed.origin  # made before the fork, as the app is imported before granian forks its workers
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    children = [ctx.Process(target=_child_origin, args=(feed, queue)) for _ in range(2)]
    for child in children:
        child.start()
    origins = {queue.get(timeout=30) for _ in children}
    for child in children:
        child.join(30)
    assert len(origins) == 2 and parent not in origins


@pytest.fixture
def own_redis():
    server = TempRedis()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


def test_relay_reconnects_and_catches_up_after_an_outage(own_redis):
    worker_a, worker_b = ChangeFeed(), ChangeFeed()
    worker_a.connect_redis(own_redis.url)
    worker_b.connect_redis(own_redis.url)
    heard: list = []
    worker_b.subscribe("config", heard.append)
    try:
        assert worker_a.connected and worker_b.connected
        worker_a.publish("config", {"version": 1})
        wait_for(lambda: heard == [{"version": 1}], 10, "B hears A's publish")
        assert worker_a.origin != worker_b.origin

        own_redis.stop()
        wait_for(lambda: not worker_b.connected, 15, "B notices the outage")
        worker_a.publish("config", {"version": 2})  # Redis down: remembered, resent later
        assert heard == [{"version": 1}]
        own_redis.start()  # same port, empty: no counters, nothing buffered
        wait_for(lambda: worker_a.connected and worker_b.connected, 20, "both reconnected")
        wait_for(lambda: len(heard) >= 2, 20, "B catches up on the change it missed")
        assert worker_b.reconnects >= 1
        # and the feed works normally again
        before = len(heard)
        worker_a.publish("config", {"version": 3})
        wait_for(lambda: {"version": 3} in heard[before:], 10, "B hears the next publish")
    finally:
        worker_a.close()
        worker_b.close()


def test_catch_up_after_redis_lost_its_counters(own_redis):
    """Redis restarted empty (or flushed): versions start again from 1, and a change this worker missed must still
    reach it, although its number is not above the one it saw before."""
    import redis

    worker_b = ChangeFeed()
    heard: list = []
    worker_b.subscribe("tws.config", heard.append)
    worker_b.connect_redis(own_redis.url)
    client = redis.Redis(port=own_redis.port)
    try:
        client.incr("resync:events:v:tws.config")
        worker_b._catch_up()
        wait_for(lambda: len(heard) == 1, 10, "B reloads on the first missed change")
        client.flushall()  # what a Redis without persistence looks like after a restart
        client.incr("resync:events:v:tws.config")  # version 1 again: a change B did not hear
        worker_b._catch_up()
        wait_for(lambda: len(heard) == 2, 10, "B reloads on the change made after Redis lost its counters")
        assert heard == [{"catch_up": True}, {"catch_up": True}]
    finally:
        worker_b.close()


def test_catch_up_by_version_counters_without_the_message(own_redis):
    """A worker whose subscription missed a message (e.g. reconnecting) reloads on the counter alone."""
    import redis

    worker_b = ChangeFeed()
    heard: list = []
    worker_b.subscribe("llm.providers", heard.append)
    worker_b.connect_redis(own_redis.url)
    try:
        redis.Redis(port=own_redis.port).incr("resync:events:v:llm.providers")  # a publish B did not hear
        worker_b._catch_up()
        assert heard == [{"catch_up": True}]
        worker_b._catch_up()  # nothing new: no second reload
        assert heard == [{"catch_up": True}]
    finally:
        worker_b.close()


async def test_budget_admissions_are_shared_through_redis(clean_db, redis_url):
    from resync_app.config.store import get_store
    from resync_app.llm.budget import BudgetGuard
    from resync_app.llm.budget_store import RedisSpend

    get_store().update({"LLM_BUDGET_DAILY_USD": 1.0}, actor="tests")
    workers = [BudgetGuard() for _ in range(3)]
    assert all(isinstance(w.store, RedisSpend) for w in workers)
    admitted, refused = race(workers, 10, 0.1)
    assert (admitted, refused) == (10, 20)
    status = workers[0].status()["daily"]
    assert status["in_flight_usd"] == pytest.approx(1.0)


def test_reservations_of_a_dead_worker_expire(clean_db, redis_url):
    from resync_app.llm.budget import current_periods
    from resync_app.llm.budget_store import RedisSpend

    from datetime import timedelta

    store = RedisSpend(redis_url)
    keys = {k: p.key for k, p in current_periods().items()}
    limits = {"daily": 1.0, "monthly": 10.0}
    assert store.admit("dead-1", 0.9, keys, limits, timedelta(seconds=0.2)) is None
    refusal = store.admit("live-1", 0.5, keys, limits, timedelta(seconds=60))
    assert refusal is not None and refusal.reason == "over" and refusal.in_flight == pytest.approx(0.9)
    wait_for(lambda: store.admit("live-2", 0.5, keys, limits, timedelta(seconds=60)) is None, 5,
             "the dead worker's reservation expires")
    store.settle("live-2", 0.4, keys)
    spent, in_flight = store.totals(keys)
    assert spent["daily"] == pytest.approx(0.4) and in_flight["daily"] == pytest.approx(0.0)


def test_rate_limit_counters_are_shared(clean_db, redis_url):
    from resync_app.config.store import get_store, setting
    from resync_app.web.ratelimit import RateLimiter

    get_store().update({"rate_limit_public_per_minute": 4}, actor="tests")
    worker_a, worker_b = RateLimiter(redis_url), RateLimiter(redis_url)
    outcomes = [(worker_a if i % 2 else worker_b).check("127.0.0.9", ["public"], setting).allowed for i in range(6)]
    assert outcomes == [True, True, True, True, False, False]
    refused = worker_a.check("127.0.0.9", ["public"], setting)
    assert not refused.allowed and 1 <= refused.retry_after <= 60
    assert worker_b.check("127.0.0.10", ["public"], setting).allowed
