"""Drive the poller's two steps by hand on the simulator's virtual clock: a poll, then the dependency crawl that the
poller runs after each successful poll."""

from __future__ import annotations

from resync_app.tws import dependency_crawl, snapshot


async def poll_and_crawl(instance: str, sim, client, rounds: int = 6) -> None:
    """`rounds` polls of `instance` at the simulator's time, each followed by a few dependency look-ups."""
    for _ in range(rounds):
        await snapshot.poll_instance(instance, client, now=sim.now)
        await dependency_crawl.crawl_dependencies(instance, client)
