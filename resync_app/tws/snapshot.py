"""One poll of one instance: fetch the plan, compare it with the stored snapshot, store what changed and the events.

`poll_instance(config, client, now=…)` is the whole poll; the poller calls it on its schedule, tests call it
directly with the simulator's virtual clock. Only jobs whose stored fields changed (a 64-bit fingerprint) or whose
derived flags changed (late, stuck, deadline risk) are written, so a poll of an unchanged 50 000-job plan writes a
summary row and a poll-log row. Everything a poll stores — snapshot rows, events, run history, summary — commits in
one transaction; events are inserted with ON CONFLICT DO NOTHING on their dedupe key, so a second poller or a
repeated poll can never store one twice; their incidents and Teams cards are written in that same transaction
(`poll_commit.seal`). After the commit the new events go to `notify.emit_tws_events` once and the feed topics
`tws.snapshot` / `tws.events` tell live pages.

The first successful poll of an instance — of each incarnation: created, re-created or pointed at another TWS — is
its baseline: stored, counted, never notified.

The parts: `poll_collect.py` takes in the pages and compares them with the memory, `poll_store.py` stores and
announces the outcome, `dependency_crawl.py` looks up predecessors after a poll.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import datetime

from resync_app.db import utcnow
from resync_app.prediction import live as prediction_live
from resync_app.tws.detect import Thresholds
from resync_app.tws.errors import TWSError
from resync_app.tws.plan_fields import workstation_view
from resync_app.tws.poll_collect import (
    JOB_COLUMNS, InstanceMemory, PageCollector, duration_stats, gc_frozen, load_memory, prefetched,
)
from resync_app.tws.poll_commit import InstanceChanged
from resync_app.tws.poll_store import PollResult, begin_poll, store_failure, store_success

logger = logging.getLogger("resync.tws.snapshot")

PAGE_SIZE = 1000


def thresholds() -> Thresholds:
    """The TWS Monitoring fields as they are now (read at every poll: changes apply to the next one)."""
    from resync_app.config.store import setting

    return Thresholds(stuck_minutes=int(setting("tws_job_stuck_threshold_minutes")),
                      late_minutes=int(setting("tws_job_late_threshold_minutes")),
                      failure_rate=float(setting("tws_anomaly_failure_rate_threshold")))


class SnapshotCache:
    """Per-instance memories (one per poller process; reloaded from the database after a leader change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memories: dict[str, InstanceMemory] = {}

    def get(self, instance: str) -> InstanceMemory | None:
        with self._lock:
            return self._memories.get(instance)

    def put(self, instance: str, memory: InstanceMemory) -> None:
        with self._lock:
            self._memories[instance] = memory

    def forget(self, instance: str | None = None) -> None:
        with self._lock:
            if instance is None:
                self._memories.clear()
            else:
                self._memories.pop(instance, None)


async def poll_instance(instance: str, client, *, now: datetime | None = None, cache: SnapshotCache | None = None,
                        leader: str = "", th: Thresholds | None = None, incarnation: str | None = None
                        ) -> PollResult:
    """Poll one instance through `client` (an open HWAClient) and store the outcome; never raises for TWS
    trouble (an outage becomes the stale state and one event). `incarnation`: the instance configuration the
    client was made from (the poller passes it; None = whatever the instance is now). A poll whose instance was
    re-created or re-pointed meanwhile stores nothing (`error_kind` "changed")."""
    started = time.perf_counter()
    now = now or utcnow()
    th = th or thresholds()
    cache = cache or SnapshotCache()
    try:
        seq, baseline, needs_engine, incarnation = await asyncio.to_thread(begin_poll, instance, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)
    memory = cache.get(instance)
    if memory is None or memory.poll_seq != seq - 1 or memory.incarnation != incarnation:
        memory = await asyncio.to_thread(load_memory, instance, seq - 1)
    collector = PageCollector(instance, memory, now, th, baseline, seq)
    try:
        engine = await client.engine_info() if needs_engine else None
        workstations = [workstation_view(obj) for obj in await client.workstations()]
        with gc_frozen():  # a 50 000-job plan is millions of objects: the collector skips what existed before
            async for page in prefetched(client.iter_jobs(page_size=PAGE_SIZE)):
                collector.add_page(page)
    except TWSError as exc:
        cache.forget(instance)
        return await _stored_failure(instance, now, exc.kind, str(exc), started, leader, incarnation, cache)
    except Exception as exc:  # a bug or a surprise answer must not kill the poller: recorded like an outage
        logger.exception("poll of %s failed unexpectedly", instance)
        cache.forget(instance)
        return await _stored_failure(instance, now, "error", f"{type(exc).__name__}: {exc}"[:300], started, leader,
                                     incarnation, cache)
    collector.prediction = await asyncio.to_thread(prediction_live.estimate_poll, instance,
                                                   [view for view, *_ in collector.critical], collector.rows,
                                                   JOB_COLUMNS, now)
    keys = sorted({view.key for view, *_ in collector.critical if view.id not in collector.prediction.estimates})
    at_risk = collector.settle_critical(await asyncio.to_thread(duration_stats, instance, keys))
    try:
        result = await asyncio.to_thread(store_success, instance, collector, workstations, engine, now, th, at_risk,
                                         started, leader, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)
    cache.put(instance, InstanceMemory(poll_seq=result.poll_seq, jobs=collector.seen, th=th, incarnation=incarnation))
    return result


async def _stored_failure(instance: str, now: datetime, kind: str, message: str, started: float, leader: str,
                          incarnation: str, cache: SnapshotCache) -> PollResult:
    try:
        return await asyncio.to_thread(store_failure, instance, now, kind, message, started, leader, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)


def _changed(instance: str, cache: SnapshotCache, started: float) -> PollResult:
    """The outcome of a poll whose instance was re-configured while it ran: nothing stored."""
    cache.forget(instance)
    logger.info("poll of %s discarded: the instance was re-created or re-pointed meanwhile", instance)
    return PollResult(instance=instance, ok=False, duration_ms=(time.perf_counter() - started) * 1000,
                      error="The instance was re-created or pointed at another TWS during this poll: nothing of it "
                            "was stored.", error_kind="changed")
