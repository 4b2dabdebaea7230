"""At most `MAX_LOG_FETCHES` job-log fetches in flight per TWS instance, whoever asks (issue 15 item 5).

The per-client rate limits bound how often ONE client may open a job; this bounds what MANY clients together can
ask of one TWS at once: a log is the one on-demand TWS call of the operator side. A fetch takes a slot of its
instance for its duration (`slot()`); when every slot is taken the fetch is not made and the caller says TWS is
busy (nothing waits in a queue). Slots live in Redis when RESYNC_REDIS_URL is set (shared by every worker: one
sorted set per instance, members leased for `LEASE_S` so that a worker that dies cannot hold a slot for ever),
else in this process (then the app runs one worker). If Redis cannot be reached the process's own count applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator

logger = logging.getLogger("resync.tws.service")

MAX_LOG_FETCHES = 4  # per TWS instance, across clients (and workers)
LEASE_S = 30.0  # longer than a fetch may take (service.LOG_TIMEOUT_S + 1)


class _LocalSlots:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: dict[str, int] = {}

    def take(self, instance: str, limit: int) -> str | None:
        with self._lock:
            if self._taken.get(instance, 0) >= limit:
                return None
            self._taken[instance] = self._taken.get(instance, 0) + 1
            return "local"

    def give_back(self, instance: str, _slot: str) -> None:
        with self._lock:
            self._taken[instance] = max(0, self._taken.get(instance, 0) - 1)

    def in_use(self, instance: str) -> int:
        with self._lock:
            return self._taken.get(instance, 0)


class _RedisSlots:
    _TAKE = """
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
    if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
    redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return 1
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self._take = self._redis.register_script(self._TAKE)

    @staticmethod
    def _key(instance: str) -> str:
        return f"resync:tws-log-slots:{instance}"

    def take(self, instance: str, limit: int) -> str | None:
        slot, now = uuid.uuid4().hex, time.time()
        taken = self._take(keys=[self._key(instance)], args=[repr(now), limit, repr(now + LEASE_S), slot,
                                                              int(LEASE_S) + 1])
        return slot if taken else None

    def give_back(self, instance: str, slot: str) -> None:
        self._redis.zrem(self._key(instance), slot)

    def in_use(self, instance: str) -> int:
        return int(self._redis.zcount(self._key(instance), repr(time.time()), "+inf"))


class LogGate:
    """The slots of every instance (see the module docstring)."""

    def __init__(self, redis_url: str | None, limit: int = MAX_LOG_FETCHES) -> None:
        self.redis_url, self.limit = redis_url, limit
        self._local = _LocalSlots()
        self._shared = _RedisSlots(redis_url) if redis_url else None
        self.refused = 0

    def _take(self, instance: str) -> tuple[object, str | None]:
        if self._shared is not None:
            try:
                return self._shared, self._shared.take(instance, self.limit)
            except Exception as exc:  # Redis down: count in this process meanwhile
                logger.warning("log fetch slots: Redis unreachable (%s); counting in this worker",
                               type(exc).__name__)
        return self._local, self._local.take(instance, self.limit)

    @contextlib.asynccontextmanager
    async def slot(self, instance: str) -> AsyncIterator[bool]:
        """`async with gate.slot(name) as granted:` — fetch only when `granted`; the slot is given back after."""
        store, slot = await asyncio.to_thread(self._take, instance)
        if slot is None:
            self.refused += 1
            yield False
            return
        try:
            yield True
        finally:
            try:
                await asyncio.to_thread(store.give_back, instance, slot)  # type: ignore[attr-defined]
            except Exception:  # the lease runs out by itself
                logger.warning("log fetch slot of %s not given back (it expires in %.0f s)", instance, LEASE_S)

    def in_use(self, instance: str) -> int:
        store = self._shared or self._local
        return store.in_use(instance)


_gate: LogGate | None = None
_lock = threading.Lock()


def get_gate() -> LogGate:
    """The process-wide gate for the current settings (rebuilt if RESYNC_REDIS_URL changed)."""
    global _gate
    from resync_app.settings import get_settings

    url = get_settings().redis_url
    if _gate is None or _gate.redis_url != url:
        with _lock:
            if _gate is None or _gate.redis_url != url:
                _gate = LogGate(url)
    return _gate


def reset_gate() -> None:
    global _gate
    with _lock:
        _gate = None
