"""Change-feed waiters that time out or are cancelled leave nothing behind (issue 15 item 13): a live page that
follows a quiet topic (`wait_for(topic, seen, timeout)` in a loop) must not grow the feed's waiter list for ever."""

from __future__ import annotations

import asyncio

from resync_app.events import ChangeFeed


def _waiting(feed: ChangeFeed, topic: str) -> int:
    return len(feed._waiters.get(topic, []))


async def test_timed_out_waiters_are_removed():
    feed = ChangeFeed()
    for _ in range(500):
        assert await feed.wait_for("quiet.topic", 0, timeout=0) == 0
    assert _waiting(feed, "quiet.topic") == 0


async def test_cancelled_waiters_are_removed():
    feed = ChangeFeed()
    tasks = [asyncio.create_task(feed.wait_for("quiet.topic", 0, timeout=3600)) for _ in range(50)]
    await asyncio.sleep(0)  # let them register (a scheduling step, not a timed wait)
    assert _waiting(feed, "quiet.topic") == 50
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert _waiting(feed, "quiet.topic") == 0


async def test_a_publish_still_wakes_the_waiters_and_others_stay():
    feed = ChangeFeed()
    woken = asyncio.create_task(feed.wait_for("busy.topic", 0, timeout=3600))
    other = asyncio.create_task(feed.wait_for("other.topic", 0, timeout=3600))
    await asyncio.sleep(0)
    feed.publish("busy.topic", remote=False)
    assert await woken == 1
    assert _waiting(feed, "busy.topic") == 0 and _waiting(feed, "other.topic") == 1
    other.cancel()
    await asyncio.gather(other, return_exceptions=True)
    assert _waiting(feed, "other.topic") == 0
