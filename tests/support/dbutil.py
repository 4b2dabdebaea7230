"""Database helpers for tests: switch URL, migrate, clean, reset in-process services."""

from __future__ import annotations

import os

from sqlalchemy import text

KEEP = {"alembic_version", "users"}


def use_database(url: str, migrate: bool = False) -> None:
    """Point the app at `url` (settings and engine are re-read)."""
    from resync_app import db, settings

    os.environ["RESYNC_DATABASE_URL"] = url
    settings.reload_settings()
    db.reset_engine()
    if migrate:
        from resync_app.cli import migrate as run_migrations

        run_migrations()


def clean_tables() -> None:
    """Delete every row except the admin accounts (children first)."""
    from resync_app.db import get_engine
    from resync_app.models import metadata

    with get_engine().begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name not in KEEP:
                conn.execute(table.delete())


def reset_services() -> None:
    """Forget process-wide singletons so the next use starts like a new process."""
    from resync_app import runtime
    from resync_app.auth import lockout
    from resync_app.config import store

    from resync_app.auth.basic_cache import cache
    from resync_app.tws.log_gate import reset_gate
    from resync_app.web.ratelimit import reset_limiter

    runtime.shutdown()
    store.reset_store()
    lockout.reset_lockout_store()
    reset_limiter()
    reset_gate()
    cache.clear()
    from resync_app.prediction.live import history_cache

    history_cache.forget()


def ensure_admin(username: str, password: str) -> None:
    from resync_app.auth.service import create_admin, find_user

    if find_user(username) is None:
        create_admin(username, password, actor="tests")


def table_count(name: str) -> int:
    from resync_app.db import get_engine

    with get_engine().connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()


def forget_demo_calls(conn) -> None:
    """Delete the ledger rows of purpose "demo" (seeded traffic) and rebuild the rollups from the rest."""
    from sqlalchemy import select

    from resync_app.llm.ledger import rollup_rows
    from resync_app.llm.models import LatencyDaily, LedgerEntry, UsageDaily

    ledger, usage, latency = LedgerEntry.__table__, UsageDaily.__table__, LatencyDaily.__table__
    conn.execute(ledger.delete().where(ledger.c.purpose == "demo"))
    rolled, histogram = rollup_rows(dict(r._mapping) for r in conn.execute(select(ledger)))
    conn.execute(usage.delete())
    conn.execute(latency.delete())
    if rolled:
        conn.execute(usage.insert(), rolled)
    if histogram:
        conn.execute(latency.insert(), histogram)


def drop_users_except(username: str) -> None:
    """Remove every account but `username` (with their sessions), and make that one an enabled admin again: the
    users table survives `clean_tables`, so tests that add users clean up after themselves."""
    from sqlmodel import delete, select

    from resync_app.auth.models import AuthSession, User
    from resync_app.db import session_scope

    with session_scope() as db:
        others = [u.id for u in db.exec(select(User).where(User.username != username)).all()]
        if others:
            db.exec(delete(AuthSession).where(AuthSession.user_id.in_(others)))
            db.exec(delete(User).where(User.id.in_(others)))
        keeper = db.exec(select(User).where(User.username == username)).first()
        if keeper is not None and (keeper.role != "admin" or keeper.disabled):
            keeper.role, keeper.disabled = "admin", False
            db.add(keeper)
