"""Deadline prediction in the poll (issue 17, CONTRACT §13), against the simulator with back-filled history: the
critical jobs' rows carry an estimated end inside its 80 % interval, a confidence, a risk and why; the estimates are
stored for the jobs upstream too; the REST rows carry the same fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from resync_app.db import session_scope
from resync_app.notify import TwsEventNotice
from resync_app.teams.cards import tws_event_card
from resync_app.prediction import live
from resync_app.prediction.backfill import write_runs
from resync_app.tws import detect, instances, queries, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent, TwsPlanJob
from resync_app.tws_simulator.history import past_runs
from tests.support.polling import poll_and_crawl

NAME = "sim"
FIELDS = ("estimated_end", "estimated_end_low", "estimated_end_high", "confidence", "risk", "why")


@pytest.fixture
def sim(clean_db, simulator):
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    plan = simulator.plan
    added = write_runs(NAME, past_runs(plan.templates, plan.workstations, days=14, until=simulator.now.timestamp(),
                                       seed=7))
    assert added > 14 * 100  # 120 jobs a day, a few reruns
    return simulator


@pytest.fixture
async def client(sim):
    async with HWAClient(sim.connection()) as hwa:
        yield hwa


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_critical_rows_carry_an_estimate_inside_its_interval_and_why(sim, client):
    await poll_and_crawl(NAME, sim, client)
    sim.advance(hours=1)
    await snapshot.poll_instance(NAME, client, now=sim.now)
    rows = queries.critical_jobs(NAME)
    assert rows
    for row in rows:
        assert all(name in row for name in FIELDS)
        if row["status"] in ("SUCC", "ABEND", "FAIL", "CANCL"):
            continue
        low, end, high = (_time(row[k]) for k in ("estimated_end_low", "estimated_end", "estimated_end_high"))
        assert low <= end <= high and end >= sim.now - timedelta(seconds=1)
        assert 0.0 <= row["confidence"] <= 1.0 and row["risk"] in detect.RISK_LEVELS
        assert isinstance(row["why"], list)
        for item in row["why"]:
            assert set(item) == {"cause", "job", "minutes"} and item["minutes"] >= 0
    # the network upstream of a critical job has estimates too, and only what changed is written again
    with session_scope() as db:
        upstream = db.query(TwsPlanJob).filter(TwsPlanJob.instance == NAME, TwsPlanJob.critical == False,  # noqa
                                               TwsPlanJob.estimated_end.is_not(None)).count()
    assert upstream > 0


async def test_an_abended_predecessor_is_the_top_cause_and_its_minutes_add_up(sim, client):
    await poll_and_crawl(NAME, sim, client)
    crit = next(j for j in sim.find_jobs(critical=True) if j["predecessors"] and j["status"] in ("HOLD", "READY"))
    pred_id = crit["predecessors"][0]
    sim.script_job(pred_id, "abend")
    sim.run_until(lambda s: s.job_info(pred_id)["status"] == "ABEND", max_seconds=86400)
    await snapshot.poll_instance(NAME, client, now=sim.now)
    deadline = _time(queries.job(NAME, crit["id"])["deadline"])
    sim.advance_to(deadline - timedelta(minutes=2))  # nobody reran it: too little time is left
    await snapshot.poll_instance(NAME, client, now=sim.now)
    row = queries.job(NAME, crit["id"])
    assert row["risk"] == detect.RISK_HIGH and row["confidence"] < 0.5
    assert _time(row["estimated_end"]) > deadline
    top = max(row["why"], key=lambda item: item["minutes"])
    assert top["cause"] == "abended_predecessor" and top["job"] == sim.job_info(pred_id)["name"]
    minutes = sum(item["minutes"] for item in row["why"])
    late = (_time(row["estimated_end"]) - deadline).total_seconds() / 60
    assert abs(minutes - late) <= max(1.0, late * 0.05)  # the minutes add up to the predicted lateness
    # the deadline-at-risk event and its Teams card carry the estimate and the top cause
    pred_name = sim.job_info(pred_id)["name"]
    with session_scope() as db:
        event = db.query(TwsEvent).filter(TwsEvent.type == "deadline_at_risk", TwsEvent.job_id == crit["id"]) \
            .order_by(TwsEvent.id.desc()).first()
    assert event is not None and event.dedupe_key.endswith(f"deadline_at_risk:{crit['id']}:1:high")
    assert "Estimated end " in event.message and "(80 %: " in event.message
    assert f"top cause: {pred_name} abended and waits for a rerun (+" in event.message
    card = json.dumps(tws_event_card(TwsEventNotice(
        id=event.id, at=event.at, instance=NAME, type=event.type, severity=event.severity, message=event.message,
        job=event.job, job_id=event.job_id, job_stream=event.job_stream, workstation=event.workstation,
        status=event.status, return_code=event.return_code, dedupe_key=event.dedupe_key)))
    assert "Estimated end " in card and f"top cause: {pred_name}" in card


@pytest.fixture
async def polled(clean_db, simulator):
    """A disabled instance (the test polls, no background poller) polled and crawled a few times."""
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password, "enabled": False}, "tests")
    async with HWAClient(simulator.connection()) as hwa:
        await poll_and_crawl(NAME, simulator, hwa, rounds=3)
    return simulator


def test_the_rest_rows_carry_the_contract_fields(polled, api):
    critical = api.get(f"/api/v1/tws/critical-jobs?instance={NAME}").json()
    assert critical and all(all(name in row for name in FIELDS) for row in critical)
    assert all(row["estimated_end"] and row["estimated_end_low"] <= row["estimated_end"] <= row["estimated_end_high"]
               for row in critical if row["status"] not in ("SUCC", "ABEND"))
    page = api.get(f"/api/v1/tws/jobs?instance={NAME}&critical=true").json()["results"]
    assert {row["id"] for row in page} == {row["id"] for row in critical}
    assert all(all(name in row for name in FIELDS) for row in page)


def test_risk_of_keeps_the_baseline_for_finished_jobs_and_without_an_estimate():
    from resync_app.prediction.types import Estimate
    from resync_app.tws.plan_fields import JobView

    now = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
    view = JobView(id="j", name="J", job_stream="S", job_stream_id="s", workstation="W", status="SUCC",
                   internal_status="SUCC", start=now - timedelta(hours=1), end=now - timedelta(minutes=5),
                   scheduled_start=None, deadline=now, estimated_duration_s=600.0, critical=True, return_code=0,
                   run_number=1)
    estimate = Estimate(estimated_end=now, low=now, high=now, confidence=0.3, risk="high")
    assert live.risk_of(view, now, None, estimate) == ("normal", 1.0)  # finished by its deadline
    view.status = "HOLD"
    view.start = view.end = None
    assert live.risk_of(view, now, None, estimate) == ("high", 0.3)
    assert live.risk_of(view, now, None, None) == detect.deadline_risk(view, now, None)


@pytest.mark.postgres
async def test_the_estimates_on_postgresql(database_url, simulator):
    """The windowed history query, the estimate updates and the §13 reads on the production database."""
    from tests.support import dbutil
    from tests.support.pg import fresh_database

    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        dbutil.reset_services()
        try:
            instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                                       "password": simulator.password, "enabled": False}, "tests")
            plan = simulator.plan
            assert write_runs(NAME, past_runs(plan.templates, plan.workstations, days=7,
                                              until=simulator.now.timestamp(), seed=7)) > 7 * 100
            async with HWAClient(simulator.connection()) as hwa:
                await poll_and_crawl(NAME, simulator, hwa, rounds=4)
                simulator.advance(hours=2)
                await snapshot.poll_instance(NAME, hwa, now=simulator.now)
            rows = [r for r in queries.critical_jobs(NAME) if r["status"] not in ("SUCC", "ABEND")]
            assert rows and all(r["estimated_end_low"] <= r["estimated_end"] <= r["estimated_end_high"]
                                for r in rows)
            assert live.history_cache.runs(NAME, [f"{r['workstation']}#{r['job_stream']}.{r['name']}"
                                                  for r in rows])  # read back from the cache, by key
            assert write_runs(NAME, past_runs(plan.templates, plan.workstations, days=7,
                                              until=simulator.now.timestamp(), seed=7)) == 0  # each run once
        finally:
            dbutil.reset_services()
            dbutil.use_database(database_url)


def test_the_backfill_command_writes_each_run_once(clean_db, capsys):
    from resync_app.prediction import backfill
    from tests.support.dbutil import table_count

    assert backfill.main(["--instance", "demo", "--days", "2", "--jobs", "60", "--seed", "3"]) == 0
    first = table_count("tws_job_runs")
    assert first >= 2 * 60 and "demo: " in capsys.readouterr().out
    assert backfill.main(["--instance", "demo", "--days", "2", "--jobs", "60", "--seed", "3"]) == 0
    assert table_count("tws_job_runs") == first and "demo: 0 past runs" in capsys.readouterr().out
    assert backfill.main(["--instance", "demo", "--days", "5", "--jobs", "60", "--seed", "3", "--if-empty"]) == 0
    assert table_count("tws_job_runs") == first and "already present" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        backfill.main(["--instance", "demo", "--days", "0"])  # a clear usage error, nothing written
    assert table_count("tws_job_runs") == first
