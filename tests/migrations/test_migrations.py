"""Alembic migrations: empty → head → base → head, and the models match the migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

from argparse import Namespace

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from resync_app.cli import _alembic_config
from resync_app.models import metadata
from tests.support.pg import fresh_database


def _config(url: str):
    """The app's Alembic config, aimed at `url` the way `alembic -x url=...` does."""
    config = _alembic_config()
    config.cmd_opts = Namespace(x=[f"url={url}"])
    return config


def _cycle(url: str) -> None:
    config = _config(url)
    engine = create_engine(url)
    command.upgrade(config, "head")
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    command.check(config)  # raises if the models and the migrations disagree
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"one linear history expected, got heads {heads}"
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_upgrade_check_downgrade(tmp_path):
    _cycle(f"sqlite:///{tmp_path / 'migrations.db'}")


@pytest.mark.postgres
def test_postgresql_upgrade_check_downgrade():
    with fresh_database() as url:
        _cycle(url)
