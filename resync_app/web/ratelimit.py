"""Per-client rate limits (the 5 Rate Limiting fields, read live on every request) with the `limits` package.

Sliding (moving) window when `rate_limit_sliding_window` is on, else fixed one-minute windows. Counters live
in Redis when RESYNC_REDIS_URL is set (shared by every worker and machine), in memory otherwise. A refused
HTTP request gets 429 with `Retry-After` and a JSON `detail`; a refused websocket (a new `/_event` connection)
is closed before it is accepted. If Redis cannot be reached the request is let through (logged once per
outage): availability of the console wins over counting, and the lockout still applies to sign-ins.
Addresses in RESYNC_RATE_LIMIT_EXEMPT (IPs/CIDRs, e.g. a monitoring host) are never limited.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from resync_app.web.clientaddr import in_networks
from resync_app.web.routes import LIMIT_FIELDS

logger = logging.getLogger("resync.ratelimit")
RETRY_AFTER_FAILURE_S = 2.0


class _PerMinute(RateLimitItemPerMinute):
    """A per-minute limit whose counter key leaves out the amount: a live change of the limit keeps counting
    the hits already made (the `limits` default would start a fresh counter per amount)."""

    def key_for(self, *identifiers) -> str:
        return "/".join([self.namespace, *(str(i) for i in identifiers), "minute"])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    route_class: str = ""
    limit: int = 0
    retry_after: int = 0

    def detail(self) -> str:
        return (f"Too many requests: the {self.route_class} limit is {self.limit} per minute per client; "
                f"retry in {self.retry_after} s.")


class RateLimiter:
    """Checks a client against every class a request counts in."""

    def __init__(self, redis_url: str | None, clock=time.time) -> None:
        self.redis_url, self._clock = redis_url, clock
        if redis_url:
            self.storage = RedisStorage(redis_url, key_prefix="resync-rl", socket_connect_timeout=1,
                                        socket_timeout=2)
        else:
            self.storage = MemoryStorage()
        self._strategies = {True: MovingWindowRateLimiter(self.storage), False: FixedWindowRateLimiter(self.storage)}
        self._down_since: float | None = None
        self._last_try = 0.0
        self.refused = 0

    def check(self, client: str, classes: list[str], setting) -> Decision:
        if not classes or in_networks(client, os.environ.get("RESYNC_RATE_LIMIT_EXEMPT", "")):
            return Decision(True)
        if self._down_since is not None and time.monotonic() - self._last_try < RETRY_AFTER_FAILURE_S:
            return Decision(True)  # the store was down a moment ago: no connect timeout on every request
        try:
            sliding = bool(setting("rate_limit_sliding_window"))
            strategy = self._strategies[sliding]
            window = "moving" if sliding else "fixed"
            for cls in classes:
                limit = int(setting(LIMIT_FIELDS[cls]))
                item = _PerMinute(limit)
                if not strategy.hit(item, window, cls, client):
                    stats = strategy.get_window_stats(item, window, cls, client)
                    retry = max(1, math.ceil(stats.reset_time - self._clock()))
                    self.refused += 1
                    return Decision(False, cls, limit, retry)
        except Exception as exc:  # the counter store is down: serve rather than fail
            self._last_try = time.monotonic()
            if self._down_since is None:
                self._down_since = time.monotonic()
                logger.warning("rate limiter: counter store unreachable (%s); requests are not limited meanwhile",
                               type(exc).__name__)
            return Decision(True)
        if self._down_since is not None:
            logger.warning("rate limiter: counter store reachable again after %.1f s",
                           time.monotonic() - self._down_since)
            self._down_since = None
        return Decision(True)

    def reset(self) -> None:
        self.storage.reset()


_limiter: RateLimiter | None = None
_lock = threading.Lock()


def get_limiter() -> RateLimiter:
    """The process-wide limiter for the current settings (rebuilt if RESYNC_REDIS_URL changed)."""
    global _limiter
    from resync_app.settings import get_settings

    url = get_settings().redis_url
    if _limiter is None or _limiter.redis_url != url:
        with _lock:
            if _limiter is None or _limiter.redis_url != url:
                _limiter = RateLimiter(url)
    return _limiter


def reset_limiter() -> None:
    """Forget the limiter and its in-memory counters (tests start each app like a new process)."""
    global _limiter
    with _lock:
        _limiter = None


def refusal_body(decision: Decision) -> bytes:
    return json.dumps({"detail": decision.detail(), "limit_per_minute": decision.limit,
                       "route_class": decision.route_class, "retry_after": decision.retry_after}).encode()
