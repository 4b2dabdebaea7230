"""In-process change notifications, bridged across workers through Redis when RESYNC_REDIS_URL is set.

Services `publish(topic)` after they commit a change; listeners registered with `subscribe(topic, fn)` run
in the publishing thread; pages `await wait_for(topic, seen)` in background tasks to refresh live. With
Redis, every publish is also sent on a channel and re-published locally by the other workers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("resync.events")
_CHANNEL = "resync:events"


class ChangeFeed:
    """Topic → sequence counter, listeners and asyncio waiters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq: dict[str, int] = defaultdict(int)
        self._listeners: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(list)
        self._redis = None
        self._origin = uuid.uuid4().hex  # tells this worker's own messages apart on the shared channel

    def subscribe(self, topic: str, listener: Callable[[Any], None]) -> None:
        with self._lock:
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
            try:
                self._redis.publish(_CHANNEL, json.dumps({"origin": self._origin, "topic": topic, "payload": payload},
                                                         default=str))
            except Exception:  # Redis down: local delivery already happened
                logger.warning("could not publish %s to Redis", topic)

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
        with self._lock:
            if self._seq[topic] > seen:
                return self._seq[topic]
            self._waiters[topic].append((asyncio.get_running_loop(), event))
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        return self._seq[topic]

    def connect_redis(self, url: str) -> None:
        """Relay publishes between workers through a Redis channel (a daemon thread listens)."""
        import redis

        self._redis = redis.Redis.from_url(url)
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(_CHANNEL)

        def listen() -> None:
            for message in pubsub.listen():
                try:
                    data = json.loads(message["data"])
                except (TypeError, ValueError):
                    continue
                if data.get("origin") != self._origin:
                    self._deliver(data["topic"], data.get("payload"))

        threading.Thread(target=listen, name="resync-events-redis", daemon=True).start()


feed = ChangeFeed()
