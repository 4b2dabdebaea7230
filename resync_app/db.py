"""Database engine and sessions (SQLModel on SQLAlchemy).

SQLite (the embedded default) runs in WAL mode with a busy timeout so that the web workers, the ledger
flusher and the CLI can share it. Any other SQLAlchemy URL works; PostgreSQL is the production choice.
The schema is owned by Alembic (`alembic upgrade head`); nothing here creates tables.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, TypeDecorator, event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from resync_app.settings import get_settings

_lock = threading.Lock()
_engine: Engine | None = None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, pool_min: int | None = None, pool_max: int | None = None) -> Engine:
    """Create an engine for `url`; pool sizes apply to server databases only."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs: dict = {"pool_pre_ping": True}
    if pool_min is not None and pool_max is not None:
        kwargs.update(pool_size=pool_min, max_overflow=max(pool_max - pool_min, 0))
    return create_engine(url, **kwargs)


def get_engine() -> Engine:
    """The process-wide engine for RESYNC_DATABASE_URL."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = make_engine(get_settings().database_url)
    return _engine


def configure_pool(pool_min: int, pool_max: int) -> None:
    """Rebuild the engine with the configured pool sizes (restart-only settings, applied at start)."""
    global _engine
    settings = get_settings()
    if settings.is_sqlite:
        return
    with _lock:
        old, _engine = _engine, make_engine(settings.database_url, pool_min=pool_min, pool_max=pool_max)
    if old is not None:
        old.dispose()


def reset_engine() -> None:
    """Drop the engine (tests switch databases between cases)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def serialize(session: Session | Connection, name: str) -> None:
    """Serialise the transactions that call this with the same `name` until the session's transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of `name`. SQLite has one writer at a time:
    take the write lock now (`BEGIN IMMEDIATE`), before anything is read, so what the transaction reads next is
    what it writes against.
    """
    conn = session.connection() if isinstance(session, Session) else session
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)
