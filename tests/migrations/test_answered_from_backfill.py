"""Migration 0015 (Portuguese): turns stored before it get what answered them and their language, classified once
from what they hold (SQLite and PostgreSQL); from then on the footer is worded from those columns."""

from __future__ import annotations

from argparse import Namespace
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command

from resync_app.cli import _alembic_config
from tests.support.pg import fresh_database

ROWS = [  # (answer, fast_path, model, learned_id) → expected answered_from
    ("`X` is **SUCC**.\n\n_As of 14:05 (UTC) · answered from the plan, no model used._", True, None, None, "plan"),
    ("**What ABEND means**\n\n…\n\n_From the built-in knowledge base (`status-abend`) · no model used._", True, None,
     None, "knowledge"),
    ("**Runbook**\n\nCall the DBA.\n\n_From the knowledge service (RAG) · no model used._", True, None, None,
     "knowledge"),
    ("Page the on-call.\n\n_From approved answer #3 · no model used._", True, None, 3, "learned"),
    ("It failed because the disk was full.", False, "gpt-4o", None, "model"),
    ("No model is available.", False, None, None, "model"),
]


def _backfill(url: str) -> None:
    config = _alembic_config()
    config.cmd_opts = Namespace(x=[f"url={url}"])
    command.upgrade(config, "0014")
    engine = sa.create_engine(url)
    turns = sa.Table("chat_turns", sa.MetaData(), autoload_with=engine)
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as db:
        for i, (answer, fast, model, learned, _) in enumerate(ROWS):
            db.execute(turns.insert().values(id=i + 1, conversation_id="c", created_at=now, question="q",
                                             answer=answer, fast_path=fast, model=model, tokens=0, cost_usd=0.0,
                                             outcome="ok", learned_id=learned))
    command.upgrade(config, "head")
    turns = sa.Table("chat_turns", sa.MetaData(), autoload_with=engine)
    with engine.connect() as db:
        got = db.execute(sa.select(turns.c.answered_from, turns.c.language).order_by(turns.c.id)).all()
    engine.dispose()
    assert [tuple(row) for row in got] == [(expected, "en") for *_, expected in ROWS]


def test_sqlite_backfill(tmp_path):
    _backfill(f"sqlite:///{tmp_path / 'backfill.db'}")


@pytest.mark.postgres
def test_postgresql_backfill():
    with fresh_database() as url:
        _backfill(url)
