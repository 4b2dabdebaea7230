"""Leader election for the TWS poller: one poller for the whole deployment, whatever the number of workers.

Every worker runs the election loop; the one holding the lock polls. The lock lives where the data lives:
- PostgreSQL database → a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection. It lives
  exactly as long as that connection: a killed worker loses it at once, no clock involved.
- SQLite database (one machine by nature, whatever else is configured) → `fcntl.flock` on
  `<data dir>/resync-tws-poller.lock`; the kernel drops it with the process.
- any other database with RESYNC_REDIS_URL set → a Redis lock with an expiry, renewed while held (redis-py's
  `Lock`); a dead worker's lock expires after `REDIS_TTL_S`. (`make_lock("redis")` forces it anywhere.)
A lost lock (connection dropped, expiry missed) is noticed at the next `check()` and the poller stands down. Even if
two pollers overlapped for a moment, events cannot double: their dedupe keys are unique in the database.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
from pathlib import Path
from typing import Protocol

logger = logging.getLogger("resync.tws.election")

LOCK_NAME = "resync:tws:poller"
REDIS_TTL_S = 15.0


def identity() -> str:
    """How the page names this worker: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaderLock(Protocol):
    kind: str

    def try_acquire(self) -> bool:
        """Take the lock if free (never blocks); True if this process holds it now."""

    def check(self) -> bool:
        """Still held? (renews it where it expires); False once lost."""

    def release(self) -> None:
        """Let it go (idempotent)."""


class FileLock:
    """`flock` on a file in the data dir (one machine; SQLite deployments)."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, identity().encode())
        self._fd = fd
        return True

    def check(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresAdvisoryLock:
    """A session-level advisory lock held on a connection of its own (not from the pool)."""

    kind = "postgres"

    def __init__(self, database_url: str, name: str = LOCK_NAME) -> None:
        from sqlalchemy.engine import make_url

        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.key = _advisory_key(name)
        self._conn = None

    def try_acquire(self) -> bool:
        import psycopg

        if self._conn is not None:
            return self.check()
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=5, keepalives=1, keepalives_idle=10,
                                   keepalives_interval=5, keepalives_count=3, application_name="resync-tws-leader")
        except psycopg.Error as exc:
            logger.warning("leader election: PostgreSQL unreachable (%s)", type(exc).__name__)
            return False
        try:
            held = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
        except psycopg.Error:
            conn.close()
            return False
        if not held:
            conn.close()
            return False
        self._conn = conn
        return True

    def check(self) -> bool:
        import psycopg

        if self._conn is None:
            return False
        try:
            held = self._conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND ((classid::bigint << 32) | objid::bigint) = %s", (self.key,)).fetchone()[0]
        except psycopg.Error:
            held = 0
        if not held:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # closing the session releases its advisory locks
            except Exception:
                pass
            self._conn = None


class RedisLock:
    """A Redis lock with an expiry, renewed by `check()` (redis-py's Lock: token-checked extend and release)."""

    kind = "redis"

    def __init__(self, redis_url: str, name: str = LOCK_NAME, ttl_s: float = REDIS_TTL_S) -> None:
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=3, socket_connect_timeout=3)
        self._lock = self._client.lock(name, timeout=ttl_s, blocking=False, thread_local=False)
        self._held = False

    def try_acquire(self) -> bool:
        import redis

        if self._held:
            return self.check()
        try:
            self._held = bool(self._lock.acquire(blocking=False))
        except redis.RedisError as exc:
            logger.warning("leader election: Redis unreachable (%s)", type(exc).__name__)
            self._held = False
        return self._held

    def check(self) -> bool:
        import redis

        if not self._held:
            return False
        try:
            self._lock.reacquire()  # resets the expiry; raises if the token is not ours any more
        except (redis.exceptions.LockError, redis.RedisError):
            self._held = False
        return self._held

    def release(self) -> None:
        import redis

        if self._held:
            try:
                self._lock.release()
            except (redis.exceptions.LockError, redis.RedisError):
                pass
            self._held = False


def make_lock(backend: str | None = None, name: str = LOCK_NAME, redis_ttl_s: float = REDIS_TTL_S) -> LeaderLock:
    """The lock for this deployment (`backend` forces "postgres" | "redis" | "file")."""
    from resync_app.settings import get_settings

    settings = get_settings()
    if backend is None:
        if settings.database_url.startswith("postgresql"):
            backend = "postgres"
        elif settings.redis_url and not settings.is_sqlite:
            backend = "redis"
        else:
            backend = "file"
    if backend == "postgres":
        return PostgresAdvisoryLock(settings.database_url, name)
    if backend == "redis":
        if not settings.redis_url:
            raise ValueError("a Redis lock needs RESYNC_REDIS_URL")
        return RedisLock(settings.redis_url, name, redis_ttl_s)
    return FileLock(settings.data_dir / (name.replace(":", "-") + ".lock"))
