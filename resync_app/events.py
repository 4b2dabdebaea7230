"""In-process change notifications, bridged across workers through Redis when RESYNC_REDIS_URL is set.

Services `publish(topic)` after they commit a change; listeners registered with `subscribe(topic, fn)` run
in the publishing thread; pages `await wait_for(topic, seen)` in background tasks to refresh live.

With Redis, every publish also increments a per-topic version counter (`resync:events:v:<topic>`) and is sent
on a channel; a relay thread in each worker re-publishes the other workers' messages locally. The relay
reconnects after a Redis outage (backoff, one log line per outage) and then catches up: for every topic whose
counter moved past what this worker has seen, listeners run once more (they reload from the database, so a
missed message costs nothing but a reload). Publishes that failed while Redis was down are sent again when it
is back. The sender id is made per process (the app is imported before the workers fork).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("resync.events")
_CHANNEL = "resync:events"
_VERSION_KEY = "resync:events:v:"
_EPOCH_KEY = "resync:events:epoch"  # a new value = a Redis that lost the counters (restarted empty, flushed)
_CATCH_UP_EVERY_S = 5.0  # belt and braces: compare the counters even while connected
_BACKOFF_MAX_S = 5.0


class ChangeFeed:
    """Topic → sequence counter, listeners and asyncio waiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq: dict[str, int] = defaultdict(int)
        self._listeners: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(list)
        self._redis = None
        self._url: str | None = None
        self._pid = 0
        self._origin_id = ""
        self._remote_seen: dict[str, int] = {}  # topic -> newest Redis version this worker has acted on
        self._epoch: bytes | None = None  # the Redis data set those versions belong to
        self._unsent: set[str] = set()  # topics whose publish did not reach Redis
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.connected = False
        self.reconnects = 0
        self.caught_up = 0

    @property
    def origin(self) -> str:
        """This process's sender id (made in the process itself: forked workers each get their own)."""
        if self._pid != os.getpid():
            self._pid, self._origin_id = os.getpid(), f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        return self._origin_id

    def subscribe(self, topic: str, listener: Callable[[Any], None]) -> None:
        with self._lock:
            if listener not in self._listeners[topic]:
                self._listeners[topic].append(listener)

    def unsubscribe(self, topic: str, listener: Callable[[Any], None]) -> None:
        with self._lock:
            if listener in self._listeners[topic]:
                self._listeners[topic].remove(listener)

    def seq(self, topic: str) -> int:
        return self._seq[topic]

    def publish(self, topic: str, payload: Any = None, *, remote: bool = True) -> None:
        """Tell listeners and waiters about a change; with Redis, tell the other workers too."""
        self._deliver(topic, payload)
        if remote and self._redis is not None:
            self._send(topic, payload)

    def _send(self, topic: str, payload: Any) -> bool:
        try:
            version = int(self._redis.incr(_VERSION_KEY + topic))
            with self._lock:
                self._remote_seen[topic] = max(self._remote_seen.get(topic, 0), version)
            self._redis.publish(_CHANNEL, json.dumps({"origin": self.origin, "topic": topic, "version": version,
                                                      "payload": payload}, default=str))
            return True
        except Exception:  # Redis down: local delivery already happened; resent when Redis is back
            with self._lock:
                first = not self._unsent
                self._unsent.add(topic)
            if first:
                logger.warning("could not publish %s to Redis; other workers catch up when it is back", topic)
            return False

    def _deliver(self, topic: str, payload: Any) -> None:
        with self._lock:
            self._seq[topic] += 1
            listeners = list(self._listeners[topic])
            waiters, self._waiters[topic] = self._waiters[topic], []
        for listener in listeners:
            try:
                listener(payload)
            except Exception:
                logger.exception("listener of %s failed", topic)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def wait_for(self, topic: str, seen: int, timeout: float) -> int:
        """Wait until the topic's sequence passes `seen` (or `timeout` s); return the current sequence."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            if self._seq[topic] > seen:
                return self._seq[topic]
            self._waiters[topic].append(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:  # timed out or cancelled: no publish took the waiter, so it must not stay behind
            with self._lock:
                waiters = self._waiters.get(topic)
                if waiters is not None and waiter in waiters:
                    waiters.remove(waiter)
                if not waiters:
                    self._waiters.pop(topic, None)
        return self._seq[topic]

    # ---- the Redis relay -------------------------------------------------------------------------

    def connect_redis(self, url: str) -> None:
        """Relay publishes between workers through Redis (a daemon thread listens, reconnects, catches up)."""
        import redis

        if self._thread is not None and self._thread.is_alive():
            self.close()
        self._url = url
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5,
                                           health_check_interval=10)
        self._stop.clear()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._relay, args=(ready,), name="resync-events-redis", daemon=True)
        self._thread.start()
        ready.wait(5)  # subscribed (or failed once): publishes from now on are heard

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._redis = None
        self.connected = False

    def _relay(self, ready: threading.Event) -> None:
        delay, down_since = 0.2, None
        first = True
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(_CHANNEL)
                pubsub.get_message(timeout=1)  # the subscribe confirmation
                self.connected = True
                if down_since is not None:
                    logger.warning("change feed: Redis is back after %.1f s; catching up", time.monotonic() - down_since)
                    self.reconnects += 1
                    down_since = None
                self._resend_unsent()
                self._catch_up(initial=first)
                first = False
                ready.set()
                delay = 0.2
                last_check = time.monotonic()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._on_message(message["data"])
                    if time.monotonic() - last_check > _CATCH_UP_EVERY_S:
                        self._resend_unsent()
                        self._catch_up()
                        last_check = time.monotonic()
            except Exception as exc:
                self.connected = False
                ready.set()
                if down_since is None:
                    down_since = time.monotonic()
                    logger.warning("change feed: lost Redis (%s); reconnecting with backoff", type(exc).__name__)
                self._stop.wait(delay)
                delay = min(delay * 2, _BACKOFF_MAX_S)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass

    def _on_message(self, raw: Any) -> None:
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            return
        topic = data.get("topic")
        if not isinstance(topic, str):
            return
        version = data.get("version")
        with self._lock:
            if isinstance(version, int):
                self._remote_seen[topic] = max(self._remote_seen.get(topic, 0), version)
        if data.get("origin") != self.origin:
            self._deliver(topic, data.get("payload"))

    def _check_epoch(self) -> None:
        """Forget the versions seen when Redis lost its counters (a restart without persistence, a flush): they
        start again from 1, and a missed change would otherwise look older than what this worker has seen."""
        epoch = self._redis.get(_EPOCH_KEY)
        if epoch is None:
            self._redis.set(_EPOCH_KEY, uuid.uuid4().hex, nx=True)
            epoch = self._redis.get(_EPOCH_KEY)
        if self._epoch is not None and epoch != self._epoch:
            logger.warning("change feed: Redis lost its version counters (restarted empty or flushed); "
                           "reloading every topic that changed since")
            with self._lock:
                self._remote_seen.clear()
        self._epoch = epoch

    def _catch_up(self, initial: bool = False) -> None:
        """Run the listeners of every topic whose Redis version moved past what this worker has seen."""
        self._check_epoch()
        keys = list(self._redis.scan_iter(match=_VERSION_KEY + "*", count=200))
        if not keys:
            return
        values = self._redis.mget(keys)
        behind = []
        with self._lock:
            for key, value in zip(keys, values):
                if value is None:
                    continue
                topic = (key.decode() if isinstance(key, bytes) else key)[len(_VERSION_KEY):]
                version = int(value)
                if version > self._remote_seen.get(topic, 0):
                    if not initial:  # at start the services have just loaded everything
                        behind.append(topic)
                    self._remote_seen[topic] = version
        for topic in behind:
            self.caught_up += 1
            logger.info("change feed: caught up on %s", topic)
            self._deliver(topic, {"catch_up": True})

    def _resend_unsent(self) -> None:
        with self._lock:
            topics, self._unsent = self._unsent, set()
        for topic in topics:
            self._send(topic, {"resent": True})

    def status(self) -> dict[str, Any]:
        """What this worker's feed knows (for the cluster view)."""
        with self._lock:
            seen = dict(self._remote_seen)
        return {"origin": self.origin, "pid": os.getpid(), "redis": self._redis is not None,
                "connected": self.connected, "reconnects": self.reconnects, "caught_up": self.caught_up,
                "versions_seen": seen}


feed = ChangeFeed()
