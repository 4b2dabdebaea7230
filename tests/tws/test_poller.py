"""The poll against the simulator, driven deterministically: the test calls `poll_instance` itself with the
simulator's virtual clock. Each scripted change gives exactly one event (stored once, handed to notify once); the
baseline gives none; a restart, a repeated poll or a second poller doubles nothing; an outage is one event and a
stale state, the recovery one event."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from resync_app import notify
from resync_app.config.store import get_store
from resync_app.db import session_scope
from resync_app.tws import dependency_crawl, event_queries, instances, queries, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsJobRun, TwsPlanJob, TwsSummary
from tests.tws.polling import events

NAME = "sim"


@pytest.fixture
def sim(clean_db, simulator):
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    return simulator


@pytest.fixture
def notices():
    """Every event handed to notify.emit_tws_events (what Teams would receive)."""
    got: list[notify.TwsEventNotice] = []

    def sink(events):
        got.extend(events)

    notify.register_event_sink(sink)
    yield got
    notify.unregister_event_sink(sink)


@pytest.fixture
async def client(sim):
    async with HWAClient(sim.connection()) as hwa:
        yield hwa


async def poll(sim, client, cache=None):
    return await snapshot.poll_instance(NAME, client, now=sim.now, cache=cache)


def summary_row() -> TwsSummary:
    with session_scope() as db:
        return db.get(TwsSummary, NAME)


def first_root(sim) -> dict:
    return sim.find_jobs(root=True)[0]


def set_config(**values) -> None:
    result = get_store().update(values, actor="tests")
    assert result.success, result.errors


async def test_baseline_shows_what_is_there_and_notifies_nothing(sim, client, notices):
    job = first_root(sim)
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
    result = await poll(sim, client)
    assert result.ok and result.baseline
    assert events() == [] and notices == []
    summary = queries.summary(NAME)
    assert summary["counts"]["failed"] == 1 and summary["counts"]["total"] == sim.job_count()
    assert summary["status_counts"] == sim.state()["status_counts"]
    abended = queries.jobs(NAME, status="ABEND")
    assert abended["count"] == 1 and abended["results"][0]["id"] == job["id"]
    # the finished runs seed the history (durations for the risk figure)
    with session_scope() as db:
        assert db.exec(select(TwsJobRun).where(TwsJobRun.job_id == job["id"])).first() is not None
    # a second poll of an unchanged plan writes no job row and stores no event
    again = await poll(sim, client)
    assert again.ok and not again.baseline and again.jobs_changed == 0 and again.events == []


async def test_scripted_abend_gives_exactly_one_event(sim, client, notices):
    await poll(sim, client)
    job = first_root(sim)
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
    result = await poll(sim, client)
    [event] = events("job_abended", job["id"])
    assert event.severity == "critical" and event.job == job["name"] and event.status == "ABEND"
    assert event.return_code == sim.job_info(job["id"])["return_code"]
    assert [n.id for n in notices if n.type == "job_abended"] == [event.id]
    assert any(n.id == event.id for n in result.events)
    sim.advance(minutes=10)
    await poll(sim, client)
    await poll(sim, client)
    assert len(events("job_abended", job["id"])) == 1
    assert len([n for n in notices if n.type == "job_abended"]) == 1
    # the event is in the read layer, newest first, filterable
    page = event_queries.events(NAME, type="job_abended")
    assert page["count"] == 1 and page["results"][0]["job"] == job["name"]


async def test_stuck_job_gives_exactly_one_event(sim, client, notices):
    set_config(tws_job_stuck_threshold_minutes=30)
    await poll(sim, client)
    job = first_root(sim)
    sim.script_job(job["id"], "stuck")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "EXEC")
    await poll(sim, client)
    assert len(events("job_started", job["id"])) == 1 and events("job_stuck", job["id"]) == []
    sim.advance(minutes=31)
    await poll(sim, client)
    [stuck] = events("job_stuck", job["id"])
    assert stuck.severity == "warning" and "30 minutes" in stuck.message
    row = queries.jobs(NAME, stuck=True)
    assert row["count"] == 1 and row["results"][0]["id"] == job["id"] and row["results"][0]["stuck"] is True
    for _ in range(3):
        sim.advance(minutes=20)
        await poll(sim, client)
    assert len(events("job_stuck", job["id"])) == 1
    assert len([n for n in notices if n.type == "job_stuck"]) == 1
    assert queries.summary(NAME)["counts"]["stuck"] == 1


async def test_late_job_gives_exactly_one_event(sim, client, notices):
    set_config(tws_job_late_threshold_minutes=15)
    await poll(sim, client)
    job = first_root(sim)
    sim.script_job(job["id"], "late")
    from resync_app.tws.plan_values import parse_time

    at = parse_time(job["at"])
    sim.advance_to(at)
    sim.advance(minutes=10)
    await poll(sim, client)
    assert events("job_late", job["id"]) == []  # 10 minutes is within the threshold
    sim.advance(minutes=6)
    await poll(sim, client)
    [late] = events("job_late", job["id"])
    assert late.severity == "warning" and "15 minutes" in late.message
    assert queries.jobs(NAME, late=True, q=job["name"])["results"][0]["late"] is True
    sim.advance(minutes=5)
    await poll(sim, client)
    assert len(events("job_late", job["id"])) == 1
    assert len([n for n in notices if n.job_id == job["id"] and n.type == "job_late"]) == 1


async def test_unlinked_workstation_gives_exactly_one_event_each_way(sim, client, notices):
    await poll(sim, client)
    sim.unlink("CPU_LINUX01")
    await poll(sim, client)
    [unlinked] = events("workstation_unlinked", workstation="CPU_LINUX01")
    assert unlinked.severity == "warning"
    await poll(sim, client)
    assert len(events("workstation_unlinked", workstation="CPU_LINUX01")) == 1
    ws = {w["name"]: w for w in queries.workstations(NAME)}
    assert ws["CPU_LINUX01"]["linked"] is False
    assert queries.summary(NAME)["workstations"]["unlinked"] == 1
    sim.link("CPU_LINUX01")
    await poll(sim, client)
    assert len(events("workstation_linked", workstation="CPU_LINUX01")) == 1
    # flapping again is a new change: a new event (the workstation's transition counter is in the key)
    sim.unlink("CPU_LINUX01")
    await poll(sim, client)
    assert len(events("workstation_unlinked", workstation="CPU_LINUX01")) == 2
    sim.set_offline("CPU_AIX01")
    await poll(sim, client)
    assert len(events("workstation_offline", workstation="CPU_AIX01")) == 1
    assert [n.type for n in notices if n.workstation] == [
        "workstation_unlinked", "workstation_linked", "workstation_unlinked", "workstation_offline"]


async def test_outage_is_one_event_and_a_stale_state_recovery_one_event(sim, client, notices):
    await poll(sim, client)
    assert summary_row().stale_since is None
    sim.go_down()
    down = await poll(sim, client)
    assert not down.ok and down.error_kind == "unreachable"
    stale = queries.summary(NAME)
    assert stale["stale_since"] is not None and stale["health"] == "critical"
    assert stale["as_of"] is not None and stale["poller"]["last_error"] == "TWS unreachable"  # operators: plain
    assert queries.summary(NAME, detail=True)["poller"]["last_error"].startswith("unreachable: TWS at ")
    for _ in range(3):
        await poll(sim, client)
    assert len(events("instance_unreachable")) == 1
    assert summary_row().consecutive_failures == 4
    sim.come_up()
    back = await poll(sim, client)
    assert back.ok
    [recovered] = events("instance_recovered")
    assert "answers again" in recovered.message
    assert queries.summary(NAME)["stale_since"] is None
    await poll(sim, client)
    assert len(events("instance_recovered")) == 1 and len(events("instance_unreachable")) == 1
    assert [n.type for n in notices] == ["instance_unreachable", "instance_recovered"]


async def test_restart_and_a_second_poller_double_nothing(sim, client, notices):
    await poll(sim, client, cache=snapshot.SnapshotCache())
    job = first_root(sim)
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
    # two pollers at once (each with its own memory, as two processes would have): one event
    async with HWAClient(sim.connection()) as other:
        await asyncio.gather(poll(sim, client, snapshot.SnapshotCache()), poll(sim, other, snapshot.SnapshotCache()))
    assert len(events("job_abended", job["id"])) == 1
    assert len([n for n in notices if n.type == "job_abended"]) == 1
    # a restart (fresh memory, read back from the database) sees nothing new
    result = await poll(sim, client, cache=snapshot.SnapshotCache())
    assert result.events == [] and result.jobs_changed == 0


async def test_failure_rate_above_threshold_once(sim, client, notices):
    set_config(tws_anomaly_failure_rate_threshold=0.2)
    await poll(sim, client)
    roots = sim.find_jobs(root=True)
    sim.run_until(lambda s: sum(1 for j in s.find_jobs(status="SUCC")) >= 12, step=300)
    await poll(sim, client)
    assert events("failure_rate_high") == []
    pending = [j for j in roots if sim.job_info(j["id"])["status"] not in ("SUCC", "ABEND", "EXEC")][:6]
    for job in pending:
        sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: all(s.job_info(j["id"])["status"] == "ABEND" for j in pending), step=300,
                  max_seconds=3 * 86400)
    counts = sim.state()["status_counts"]
    assert counts["ABEND"] / (counts["ABEND"] + counts["SUCC"]) > 0.2
    await poll(sim, client)
    await poll(sim, client)
    [high] = events("failure_rate_high")
    assert "above the 20% threshold" in high.message
    assert queries.summary(NAME)["health"] == "critical"
    assert len(events("instance_critical")) == 1


async def test_critical_job_deadline_risk(sim, client, notices):
    """A critical job that overruns: its confidence falls, its risk rises (one event per level, never repeated),
    and the read layer shows `risk` and `confidence`."""
    await poll(sim, client)
    crit = sim.find_jobs(critical=True)[0]
    sim.script_job(crit["id"], "stuck")
    sim.run_until(lambda s: s.job_info(crit["id"])["status"] == "EXEC", step=300, max_seconds=2 * 86400)
    await poll(sim, client)
    first = queries.jobs(NAME, critical=True, q=crit["name"])["results"]
    row = next(r for r in first if r["id"] == crit["id"])
    assert row["critical"] is True and row["deadline"] is not None and row["risk"] in ("normal", "potential", "high")
    assert 0.0 <= row["confidence"] <= 1.0
    seen_levels = []
    for _ in range(30):
        sim.advance(minutes=5)
        await poll(sim, client)
        row = queries.job(NAME, crit["id"])
        seen_levels.append(row["risk"])
        if row["risk"] == "high":
            break
    assert row["risk"] == "high" and row["confidence"] < 0.5
    risk_events = events("deadline_at_risk", crit["id"])
    assert [e.dedupe_key.rsplit(":", 1)[-1] for e in risk_events] in (["potential", "high"], ["high"])
    assert risk_events[-1].severity == "critical"
    for _ in range(3):
        sim.advance(minutes=5)
        await poll(sim, client)
    assert len(events("deadline_at_risk", crit["id"])) == len(risk_events)
    assert crit["id"] in [j["id"] for j in queries.critical_jobs(NAME)]


async def test_dependencies_are_crawled_for_critical_jobs(sim, client):
    await poll(sim, client)
    crit = next(j for j in sim.find_jobs(critical=True) if j["predecessors"])
    for _ in range(5):
        await poll(sim, client)
        await dependency_crawl.crawl_dependencies(NAME, client)  # what the poller does after each successful poll
    detail = queries.job(NAME, crit["id"])
    assert [p["id"] for p in detail["dependencies"]["predecessors"]] == crit["predecessors"]
    pred = queries.job(NAME, crit["predecessors"][0])
    assert crit["id"] in [s["id"] for s in pred["dependencies"]["successors"]]
    with session_scope() as db:
        row = db.get(TwsPlanJob, (NAME, crit["id"]))
        assert row.deps_state == dependency_crawl.DEPS_KNOWN
