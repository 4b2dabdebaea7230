"""Migration 0016 (deadline prediction): tws_plan_jobs gains estimated_end, its 80 % interval and why; a row stored
before it reads as "no estimate" (why = []); the downgrade to 0015 removes the columns and keeps the rows."""

from __future__ import annotations

from argparse import Namespace
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command

from resync_app.cli import _alembic_config

COLUMNS = {"estimated_end", "estimated_end_low", "estimated_end_high", "why"}


def test_upgrade_adds_the_estimate_columns_and_downgrade_removes_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'prediction.db'}"
    config = _alembic_config()
    config.cmd_opts = Namespace(x=[f"url={url}"])
    command.upgrade(config, "0015")
    engine = sa.create_engine(url)
    jobs = sa.Table("tws_plan_jobs", sa.MetaData(), autoload_with=engine)
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with engine.begin() as db:
        db.execute(jobs.insert().values(instance="i", job_id="j", name="J", job_stream="S", job_stream_id="s",
                                        workstation="W", status="HOLD", external_status="", critical=True,
                                        run_number=1, predecessors="[]", deps_state=0, late=False, stuck=False,
                                        risk="", fingerprint=0, changed_seq=0, updated_at=now, run_seq=0))
    command.upgrade(config, "0016")
    assert COLUMNS <= {c["name"] for c in sa.inspect(engine).get_columns("tws_plan_jobs")}
    with engine.connect() as db:
        row = db.execute(sa.text("SELECT estimated_end, estimated_end_low, estimated_end_high, why "
                                 "FROM tws_plan_jobs")).one()
    assert tuple(row) == (None, None, None, "[]")
    command.downgrade(config, "0015")
    assert not COLUMNS & {c["name"] for c in sa.inspect(engine).get_columns("tws_plan_jobs")}
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT COUNT(*) FROM tws_plan_jobs")).scalar_one() == 1
    engine.dispose()
