"""A throw-away PostgreSQL database on the machine's server (RESYNC_TEST_PG_URL)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("RESYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_database():
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards. Fails loudly if unreachable."""
    name = f"resync_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_dsn(ADMIN_URL), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from resync_app import db

        db.reset_engine()
        with psycopg.connect(_dsn(ADMIN_URL), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
