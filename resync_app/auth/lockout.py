"""Sign-in lockout: 5 failures for one username within 15 minutes lock it for 15 minutes.

The counter is keyed by the lower-cased username whether or not the account exists, so that an unknown
name behaves exactly like a known one. It lives in the database (shared by every worker) or, when
RESYNC_REDIS_URL is set, in Redis.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import col, delete, select

from resync_app.auth.models import LoginFailure
from resync_app.db import session_scope, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def username_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _locked_until(recent: list[datetime]) -> datetime | None:
    """Given the newest failures (newest first), when the lock ends, if there is one."""
    if len(recent) < MAX_FAILURES:
        return None
    newest, oldest = recent[0], recent[MAX_FAILURES - 1]
    if newest - oldest >= WINDOW:
        return None
    return newest + LOCK_DURATION


class LockoutStore(Protocol):
    def retry_after(self, username: str) -> int: ...
    def record_failure(self, username: str, client: str) -> int: ...
    def reset(self, username: str) -> None: ...


def _seconds_left(until: datetime | None) -> int:
    if until is None:
        return 0
    left = (until - utcnow()).total_seconds()
    return max(0, math.ceil(left))


class DatabaseLockout:
    """Failures kept as rows of `login_failures`."""

    def _recent(self, key: str) -> list[datetime]:
        with session_scope() as session:
            rows = session.exec(
                select(LoginFailure.timestamp)
                .where(LoginFailure.username_key == key)
                .order_by(col(LoginFailure.timestamp).desc())
                .limit(MAX_FAILURES)
            ).all()
        return list(rows)

    def retry_after(self, username: str) -> int:
        """Seconds until the username may try again (0 = not locked)."""
        return _seconds_left(_locked_until(self._recent(username_key(username))))

    def record_failure(self, username: str, client: str) -> int:
        """Count one failure; return the lock's seconds left if it is now locked."""
        key = username_key(username)
        with session_scope() as session:
            session.add(LoginFailure(username_key=key, client=client[:64]))
            # Old rows are useless: keep the table small.
            session.exec(delete(LoginFailure).where(LoginFailure.timestamp < utcnow() - WINDOW - LOCK_DURATION))
        return self.retry_after(username)

    def reset(self, username: str) -> None:
        with session_scope() as session:
            session.exec(delete(LoginFailure).where(LoginFailure.username_key == username_key(username)))


class RedisLockout:
    """Failures kept as a capped Redis list of timestamps per username."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def _key(self, username: str) -> str:
        return f"resync:lockout:{username_key(username)}"

    def _recent(self, username: str) -> list[datetime]:
        raw = self._redis.lrange(self._key(username), 0, MAX_FAILURES - 1)
        return [datetime.fromisoformat(item.decode()) for item in raw]

    def retry_after(self, username: str) -> int:
        return _seconds_left(_locked_until(self._recent(username)))

    def record_failure(self, username: str, client: str) -> int:
        key = self._key(username)
        with self._redis.pipeline() as pipe:
            pipe.lpush(key, utcnow().isoformat())
            pipe.ltrim(key, 0, MAX_FAILURES - 1)
            pipe.expire(key, int((WINDOW + LOCK_DURATION).total_seconds()))
            pipe.execute()
        return self.retry_after(username)

    def reset(self, username: str) -> None:
        self._redis.delete(self._key(username))


_store: LockoutStore | None = None


def get_lockout() -> LockoutStore:
    """The lockout store for this process (Redis when configured)."""
    global _store
    if _store is None:
        from resync_app.settings import get_settings

        url = get_settings().redis_url
        _store = RedisLockout(url) if url else DatabaseLockout()
    return _store


def reset_lockout_store() -> None:
    global _store
    _store = None
