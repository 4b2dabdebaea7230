"""With RESYNC_REDIS_URL the lockout counter and change notifications are shared between workers."""

from __future__ import annotations

import asyncio

from resync_app.auth import lockout, service
from resync_app.events import ChangeFeed
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER


def test_lockout_lives_in_redis(clean_db, redis_url):
    lockout.reset_lockout_store()
    assert isinstance(lockout.get_lockout(), lockout.RedisLockout)
    for _ in range(5):
        service.check_credentials(ADMIN_USER, "wrong-password-x")
    other_worker = lockout.RedisLockout(redis_url)  # another process would see the same counter
    assert other_worker.retry_after(ADMIN_USER) > 0
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).locked
    other_worker.reset(ADMIN_USER)
    assert service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).principal is not None
    lockout.reset_lockout_store()


async def test_change_feed_relays_between_workers(redis_url):
    worker_a, worker_b = ChangeFeed(), ChangeFeed()
    worker_a.connect_redis(redis_url)
    worker_b.connect_redis(redis_url)
    received = []
    worker_b.subscribe("config", received.append)
    await asyncio.sleep(0)  # let both subscriptions register
    seen = worker_b.seq("config")
    for _ in range(50):  # the listener thread subscribes asynchronously: publish until it hears
        worker_a.publish("config", {"version": 7})
        if await worker_b.wait_for("config", seen, 0.1) > seen:
            break
    assert received and received[0] == {"version": 7}
    assert worker_a.seq("config") >= 1 and all(r == {"version": 7} for r in received)
