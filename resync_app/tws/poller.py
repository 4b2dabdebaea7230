"""The poller: one per deployment (elected), polling every enabled instance on its schedule.

Every worker starts a `PollerService` (from `runtime.startup()`); it runs in its own thread with its own asyncio
loop, so Reflex's loop never waits on a poll. The service keeps trying to become leader (`election.make_lock`);
the leader runs one task per enabled instance and the periodic retention cleanup, and stands down as soon as it
loses the lock. What admins ask (pause, resume, poll now) is a row in `tws_poller_control` plus a feed message
(`tws.control`): the leader, whichever worker it is, is woken by the message and in any case re-reads the row
every `CONTROL_CHECK_S`. Configuration changes (instances, polling fields) are picked up the same way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from resync_app.db import session_scope, utcnow
from resync_app.events import feed
from resync_app.tws import instances, schedule
from resync_app.tws.client import HWAClient
from resync_app.tws.dependency_crawl import crawl_dependencies
from resync_app.tws.election import LeaderLock, identity, make_lock
from resync_app.tws.instance_config import InstanceConfig
from resync_app.tws.models import TwsPollerControl, TwsSummary
from resync_app.tws.poll_store import record_poller_state
from resync_app.tws.snapshot import SnapshotCache, poll_instance

logger = logging.getLogger("resync.tws.poller")

CONTROL_TOPIC = "tws.control"
ELECTION_RETRY_S = 3.0
LOCK_CHECK_S = 5.0
CONTROL_CHECK_S = 2.0
CLEANUP_EVERY_S = 3600.0
_POLLING_FIELDS = ("tws_polling_enabled", "tws_polling_interval_seconds", "tws_polling_mode",
                   "tws_job_stuck_threshold_minutes", "tws_job_late_threshold_minutes",
                   "tws_anomaly_failure_rate_threshold")


def _setting(name: str) -> Any:
    from resync_app.config.store import setting

    return setting(name)


def read_control(instance: str) -> tuple[bool, int]:
    """(paused, poll_now_seq) of an instance's poller."""
    with session_scope() as db:
        row = db.get(TwsPollerControl, instance)
        return (row.paused, row.poll_now_seq) if row is not None else (False, 0)


def _poll_now_seen(instance: str) -> int:
    with session_scope() as db:
        row = db.get(TwsSummary, instance)
        return row.poll_now_seen if row is not None else 0


class PollerService:
    """The election loop and, while leader, the instance pollers (one thread, one asyncio loop)."""

    def __init__(self, *, lock_factory: Callable[[], LeaderLock] | None = None,
                 clock: Callable[[], datetime] | None = None, election_retry_s: float = ELECTION_RETRY_S,
                 lock_check_s: float = LOCK_CHECK_S) -> None:
        self._lock_factory = lock_factory or make_lock
        self._election_retry_s = election_retry_s  # between tries to take the lock (tests pass less)
        self._lock_check_s = lock_check_s  # between checks (renewals) of a held lock
        self._clock = clock or utcnow
        self.identity = identity()
        self.cache = SnapshotCache()
        self.leader = False
        self.lock_kind = ""
        self.failed_attempts = 0  # tries to become leader that found the lock taken
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._main_wake: asyncio.Event | None = None
        self._wakes: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, tuple[InstanceConfig, asyncio.Task]] = {}
        self._ready = threading.Event()
        self._last_cleanup = 0.0

    # ---- life cycle (called from any thread) ------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._ready.clear()
        self._thread = threading.Thread(target=self._thread_main, name="resync-tws-poller", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        feed.subscribe(CONTROL_TOPIC, self._on_control)
        feed.subscribe(instances.TOPIC, self._on_config)

    def stop(self, timeout: float = 20.0) -> None:
        feed.unsubscribe(CONTROL_TOPIC, self._on_control)
        feed.unsubscribe(instances.TOPIC, self._on_config)
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("the TWS poller thread did not stop within %.0f s", timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self, instance: str | None = None) -> None:
        """Make the loop look at the control rows and settings now (thread-safe)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        events = [self._main_wake] if instance is None else []
        events += list(self._wakes.values()) if instance is None else [self._wakes.get(instance)]
        for event in events:
            if event is not None:
                try:
                    loop.call_soon_threadsafe(event.set)
                except RuntimeError:
                    return

    def _on_control(self, payload: Any) -> None:
        self.wake(payload.get("instance") if isinstance(payload, dict) else None)

    def _on_config(self, _payload: Any) -> None:
        self.wake()

    def on_settings_change(self, changed: dict[str, Any]) -> None:
        """Config store listener: polling fields apply from the next poll (the waits are recomputed now)."""
        if any(name in changed for name in _POLLING_FIELDS):
            self.wake()

    # ---- the thread -------------------------------------------------------------------------------------

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except Exception:
            logger.exception("the TWS poller thread crashed")
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _sleep(self, event: asyncio.Event | None, seconds: float) -> None:
        """Wait `seconds`, or less if `event` (or stop) is set."""
        waiters = [asyncio.ensure_future(self._stop.wait())]
        if event is not None:
            waiters.append(asyncio.ensure_future(event.wait()))
        try:
            await asyncio.wait(waiters, timeout=max(0.0, seconds), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if event is not None:
            event.clear()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._main_wake = asyncio.Event()
        lock = self._lock_factory()
        self.lock_kind = getattr(lock, "kind", "")
        self._ready.set()
        try:
            while not self._stop.is_set():
                if not self.leader:
                    if await asyncio.to_thread(lock.try_acquire):
                        self.leader = True
                        self._last_cleanup = 0.0
                        logger.info("%s is the TWS poller leader (%s lock)", self.identity, self.lock_kind)
                    else:
                        self.failed_attempts += 1
                        await self._sleep(self._main_wake, self._election_retry_s)
                        continue
                elif not await asyncio.to_thread(lock.check):
                    logger.warning("%s lost the TWS poller lock; standing down", self.identity)
                    await self._stand_down()
                    continue
                await self._reconcile()
                await self._maybe_cleanup()
                await self._sleep(self._main_wake, self._lock_check_s)
        finally:
            await self._stand_down()
            await asyncio.to_thread(lock.release)

    async def _stand_down(self) -> None:
        tasks = [task for _, task in self._tasks.values()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self.leader:
            for name in list(self._tasks):
                try:
                    await asyncio.to_thread(record_poller_state, name, poller_state="idle", leader="",
                                            next_poll_at=None)
                except Exception:
                    logger.exception("could not record the poller state of %s", name)
        self._tasks.clear()
        self.leader = False
        self.cache.forget()

    async def _reconcile(self) -> None:
        """Run one task per enabled instance, with its current configuration."""
        try:
            wanted = {inst.name: inst for inst in await asyncio.to_thread(instances.list_instances, True)}
        except Exception:
            logger.exception("could not read the TWS instances")
            return
        for name, (config, task) in list(self._tasks.items()):
            if wanted.get(name) != config or task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                del self._tasks[name]
                if name not in wanted:
                    self.cache.forget(name)
                    await asyncio.to_thread(record_poller_state, name, poller_state="idle", leader="",
                                            next_poll_at=None)
        for name, config in wanted.items():
            if name not in self._tasks:
                self._wakes.setdefault(name, asyncio.Event())
                self._tasks[name] = (config, asyncio.create_task(self._instance_loop(config),
                                                                 name=f"tws-poll-{name}"))

    async def _maybe_cleanup(self) -> None:
        if time.monotonic() - self._last_cleanup < CLEANUP_EVERY_S and self._last_cleanup:
            return
        self._last_cleanup = time.monotonic()
        from resync_app.tws import retention

        try:
            await asyncio.to_thread(retention.cleanup, self._clock())
        except Exception:
            logger.exception("TWS retention cleanup failed")

    async def _instance_loop(self, config: InstanceConfig) -> None:
        name = config.name
        wake = self._wakes.setdefault(name, asyncio.Event())
        state: dict[str, Any] = {}
        failures = 0
        last_end: float | None = None
        last_wall = utcnow()
        last = None
        seen = await asyncio.to_thread(_poll_now_seen, name)

        async def record(**values: Any) -> None:
            if any(state.get(k) != v for k, v in values.items()):
                state.update(values)
                await asyncio.to_thread(record_poller_state, name, **values)

        async with HWAClient(config.connection()) as client:
            while True:
                try:
                    paused, poll_now = await asyncio.to_thread(read_control, name)
                except Exception:
                    logger.exception("could not read the poller control of %s", name)
                    paused, poll_now = False, seen
                try:
                    base = float(_setting("tws_polling_interval_seconds"))
                    mode = str(_setting("tws_polling_mode"))
                    if last is None:
                        interval = 0.0
                    elif last.ok:
                        interval = schedule.next_interval(mode, base, running=last.running, pending=last.pending,
                                                          failed_new=last.failed_new, local_now=self._local_now())
                    else:
                        interval = schedule.backoff_interval(base, failures)
                    wanted_now = poll_now > seen
                    if not wanted_now and (paused or not _setting("tws_polling_enabled")):
                        await record(poller_state="paused" if paused else "disabled", leader=self.identity,
                                     interval_s=interval, mode=mode, next_poll_at=None)
                        await self._sleep(wake, CONTROL_CHECK_S)
                        continue
                    remaining = 0.0 if last_end is None else last_end + interval - time.monotonic()
                    if not wanted_now and remaining > 0:
                        await record(poller_state="backoff" if failures else "waiting", leader=self.identity,
                                     interval_s=interval, mode=mode,
                                     next_poll_at=last_wall + timedelta(seconds=interval))
                        await self._sleep(wake, min(remaining, CONTROL_CHECK_S))
                        continue
                    await record(poller_state="polling", leader=self.identity, interval_s=interval, mode=mode,
                                 next_poll_at=None)
                    last = await poll_instance(name, client, now=self._clock(), cache=self.cache,
                                               leader=self.identity, incarnation=config.incarnation)
                    last_end, last_wall = time.monotonic(), utcnow()
                    failures = 0 if last.ok or last.error_kind == "changed" else failures + 1
                    if last.ok:
                        await crawl_dependencies(name, client)  # the critical path, a few look-ups per poll
                    if wanted_now:
                        seen = poll_now
                        await asyncio.to_thread(record_poller_state, name, poll_now_seen=seen)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the database hiccuped, or a bug: log, wait, go on (never a dead poller)
                    logger.exception("the poller of %s hit an error; retrying", name)
                    failures += 1
                    state.clear()
                    last_end, last_wall = time.monotonic(), utcnow()
                    await self._sleep(None, min(schedule.MAX_INTERVAL_S, CONTROL_CHECK_S * 2 ** min(failures, 6)))

    def _local_now(self) -> datetime:
        from resync_app.settings import get_settings

        return self._clock().astimezone(get_settings().timezone)


_service: PollerService | None = None
_service_lock = threading.Lock()


def get_poller() -> PollerService:
    global _service
    with _service_lock:
        if _service is None:
            _service = PollerService()
        return _service


def reset_poller() -> None:
    """Stop and forget the process's poller (shutdown, tests)."""
    global _service
    with _service_lock:
        service, _service = _service, None
    if service is not None:
        service.stop()
