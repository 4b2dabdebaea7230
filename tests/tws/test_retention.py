"""Data Retention: the cleanup removes exactly what is older than the configured days (injected clock), and the
snapshot rows of instances that are no longer configured."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from resync_app.config.store import get_store
from resync_app.db import session_scope
from resync_app.tws import instances, retention
from resync_app.tws.models import TwsEvent, TwsJobRun, TwsPlanJob, TwsPollLog, TwsSummary

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


def _seed(ages_days: list[float]) -> None:
    with session_scope() as db:
        for i, age in enumerate(ages_days):
            at = NOW - timedelta(days=age)
            db.add(TwsEvent(at=at, instance="prod", type="job_abended", severity="critical", message=f"e{i}",
                            dedupe_key=f"prod:test:{i}"))
            db.add(TwsJobRun(instance="prod", job_key=f"WS#S.J{i}", job_id=f"j{i}", run_number=1, status="SUCC",
                             start=at - timedelta(minutes=5), end=at, duration_s=300, recorded_at=at))
            db.add(TwsPollLog(instance="prod", at=at, ok=True, duration_ms=10))


def _kept(model, column) -> list[datetime]:
    with session_scope() as db:
        return sorted(db.exec(select(column)).all())


def test_cleanup_removes_exactly_what_is_older(clean_db):
    result = get_store().update({"tws_retention_days_full": 7, "tws_retention_days_summary": 30}, actor="tests")
    assert result.success
    # around each boundary: just inside (kept) and just outside (removed)
    full_cut, summary_cut = 7, 30
    ages = [0, 1, full_cut - 0.001, full_cut + 0.001, 10, summary_cut - 0.001, summary_cut + 0.001, 60]
    _seed(ages)
    removed = retention.cleanup(NOW)
    assert removed["tws_job_runs"] == 5  # older than 7 days: 7.001, 10, 29.999, 30.001 and 60
    kept_runs = _kept(TwsJobRun, TwsJobRun.end)
    assert all(NOW - end <= timedelta(days=full_cut) for end in kept_runs)
    assert len(kept_runs) == 3
    kept_events = _kept(TwsEvent, TwsEvent.at)
    assert len(kept_events) == 6 and removed["tws_events"] == 2
    assert all(NOW - at <= timedelta(days=summary_cut) for at in kept_events)
    assert removed["tws_poll_log"] == 2 and len(_kept(TwsPollLog, TwsPollLog.at)) == 6
    # idempotent: a second run at the same time removes nothing
    assert not any(retention.cleanup(NOW).values())
    # a row exactly at the cut is kept (strictly older goes)
    with session_scope() as db:
        db.add(TwsEvent(at=NOW - timedelta(days=summary_cut), instance="prod", type="job_late", severity="warning",
                        dedupe_key="prod:test:edge"))
    assert retention.cleanup(NOW)["tws_events"] == 0
    assert retention.cleanup(NOW + SECOND)["tws_events"] == 1


def test_configured_days_apply_live(clean_db):
    _seed([2, 4, 6])
    assert get_store().update({"tws_retention_days_full": 3}, actor="tests").success
    assert retention.cleanup(NOW)["tws_job_runs"] == 2
    assert len(_kept(TwsJobRun, TwsJobRun.end)) == 1


def test_snapshot_of_a_removed_instance_is_dropped(clean_db):
    instances.create_instance({"name": "prod", "base_url": "http://127.0.0.1:9", "username": "u",
                               "password": "pw-123456"}, "tests")
    with session_scope() as db:
        for name in ("prod", "gone"):
            db.add(TwsSummary(instance=name))
            db.add(TwsPlanJob(instance=name, job_id="j1", name="J1"))
    removed = retention.cleanup(NOW)
    assert removed["tws_plan_jobs"] == 1 and removed["tws_summaries"] == 1
    with session_scope() as db:
        assert [row.instance for row in db.exec(select(TwsSummary))] == ["prod"]
