"""Sign-in lockout: 5 failures for one username within 15 minutes lock it for 15 minutes.

The counter is keyed by the lower-cased username whether or not the account exists, so that an unknown
name behaves exactly like a known one. It lives in the database (shared by every worker) or, when
RESYNC_REDIS_URL is set, in Redis.

Every attempt is counted *before* the password is checked, atomically with the check of the lock
(`begin_attempt`: one transaction serialised per username, or one Redis script), so concurrent guesses
cannot slip past the lock: at most 5 are checked per window whatever the concurrency. A successful sign-in
then clears the counter (`reset`); a failed one leaves its attempt counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlmodel import col, delete, select

from resync_app.auth.models import LoginFailure
from resync_app.db import serialize, session_scope, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def username_key(username: str) -> str:
    return (username or "").replace("\x00", "").strip().lower()[:150]


@dataclass(frozen=True)
class Attempt:
    """What `begin_attempt` decided: refused (locked), or counted as the `count`-th failure of the window
    until the password proves right."""

    retry_after: int = 0  # > 0: locked, nothing was counted
    locked_until: datetime | None = None
    count: int = 0  # failures in the window, this attempt included

    @property
    def locks_if_wrong(self) -> bool:
        return self.count >= MAX_FAILURES


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
    def begin_attempt(self, username: str, client: str) -> Attempt: ...
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

    def begin_attempt(self, username: str, client: str) -> Attempt:
        """Refuse the attempt if the username is locked, else count it as a failure: one transaction
        serialised per username (an advisory lock on PostgreSQL, the write lock on SQLite)."""
        key = username_key(username)
        now = utcnow()
        with session_scope() as session:
            serialize(session, f"resync:lockout:{key}")
            recent = list(session.exec(
                select(LoginFailure.timestamp).where(LoginFailure.username_key == key)
                .order_by(col(LoginFailure.timestamp).desc()).limit(MAX_FAILURES)).all())
            until = _locked_until(recent)
            if until is not None and until > now:
                return Attempt(retry_after=_seconds_left(until), locked_until=until)
            session.add(LoginFailure(username_key=key, client=client[:64], timestamp=now))
            # Old rows are useless: keep the table small.
            session.exec(delete(LoginFailure).where(LoginFailure.timestamp < now - WINDOW - LOCK_DURATION))
        in_window = [t for t in recent if now - t < WINDOW]
        return Attempt(count=len(in_window) + 1)

    def reset(self, username: str) -> None:
        with session_scope() as session:
            session.exec(delete(LoginFailure).where(LoginFailure.username_key == username_key(username)))


class RedisLockout:
    """Failures kept as a capped Redis list of timestamps per username."""

    # KEYS[1] the list of failure times (epoch seconds, newest first); ARGV: now, max failures, window, lock,
    # ttl. Returns {locked_until or "", failures in the window including this attempt}.
    _ATTEMPT = """
    local now, max = tonumber(ARGV[1]), tonumber(ARGV[2])
    local window, lock = tonumber(ARGV[3]), tonumber(ARGV[4])
    local items = redis.call('LRANGE', KEYS[1], 0, max - 1)
    if #items >= max then
        local newest, oldest = tonumber(items[1]) or 0, tonumber(items[max]) or 0
        if newest - oldest < window and newest + lock > now then
            return {tostring(newest + lock), 0}
        end
    end
    local count = 1
    for _, t in ipairs(items) do
        if now - (tonumber(t) or 0) < window then count = count + 1 end
    end
    redis.call('LPUSH', KEYS[1], ARGV[1])
    redis.call('LTRIM', KEYS[1], 0, max - 1)
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
    return {"", count}
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._attempt = self._redis.register_script(self._ATTEMPT)

    def _key(self, username: str) -> str:
        return f"resync:lockout:{username_key(username)}"

    def _recent(self, username: str) -> list[datetime]:
        raw = self._redis.lrange(self._key(username), 0, MAX_FAILURES - 1)
        out = []
        for item in raw:
            try:
                out.append(datetime.fromtimestamp(float(item), timezone.utc))
            except ValueError:  # written by an earlier version (ISO text)
                out.append(datetime.fromisoformat(item.decode()))
        return out

    def retry_after(self, username: str) -> int:
        return _seconds_left(_locked_until(self._recent(username)))

    def begin_attempt(self, username: str, client: str) -> Attempt:
        """The same decision as the database store, atomically in one Lua script."""
        now = utcnow().timestamp()
        until, count = self._attempt(keys=[self._key(username)], args=[
            repr(now), MAX_FAILURES, WINDOW.total_seconds(), LOCK_DURATION.total_seconds(),
            int((WINDOW + LOCK_DURATION).total_seconds())])
        if until:
            locked_until = datetime.fromtimestamp(float(until), timezone.utc)
            return Attempt(retry_after=_seconds_left(locked_until), locked_until=locked_until)
        return Attempt(count=int(count))

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
