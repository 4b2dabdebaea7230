"""The simulator's plan: state machine on the virtual clock, dependencies, scripted faults, rates, determinism.

What the plan does is checked through the REST API v2 (the client and `plan_fields`) where it matters to Resync,
and through the in-process control API elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resync_app.tws.client import HWAClient
from resync_app.tws.plan_fields import job_view, workstation_view
from resync_app.tws_simulator.simulator import Simulator

from .conftest import QUIET, SIM_START


def _status(sim: Simulator, job_id: str) -> str:
    return sim.job_info(job_id)["status"]


def test_same_seed_same_plan_and_same_day():
    options = {"jobs": 300, "seed": 11, "start": SIM_START, "flap_rate": 0.5}
    a, b = Simulator(**options), Simulator(**options)
    assert a.job_ids() == b.job_ids()
    a.advance(hours=14)
    b.advance(hours=14)
    assert a.find_jobs() == b.find_jobs() and a.state()["workstations"] == b.state()["workstations"]
    assert Simulator(**{**options, "seed": 12}).job_ids() != a.job_ids()


def test_plan_size_and_realistic_names(simulator):
    assert simulator.job_count() == 120
    names = simulator.workstation_names()
    assert "MASTER" in names and "CPU_LINUX01" in names
    streams = {j["stream"] for j in simulator.find_jobs()}
    assert all(s.replace("_", "").isalnum() and s.isupper() for s in streams)
    assert {j["status"] for j in simulator.find_jobs()} <= {"HOLD", "READY"}  # midnight: nothing started yet
    assert all(j["start"] is None for j in simulator.find_jobs())


def test_a_job_moves_hold_ready_exec_succ_on_the_clock(simulator):
    job = next(j for j in simulator.find_jobs(root=True) if j["at"] > "2026-03-02T00:00:00Z")
    at = job["at"]
    seen = [(_status(simulator, job["id"]), simulator.job_info(job["id"])["substatus"])]
    while seen[-1][0] != "SUCC":
        simulator.advance(5)
        current = (_status(simulator, job["id"]), simulator.job_info(job["id"])["substatus"])
        if current != seen[-1]:
            seen.append(current)
        assert simulator.now < SIM_START + timedelta(days=1)
    statuses = [s for s, _ in seen]
    assert statuses == ["HOLD", "READY", "EXEC", "SUCC"]
    assert seen[0][1] == "HOLD_WAITING_FOR_TIME"
    info = simulator.job_info(job["id"])
    assert info["start"] >= at and info["end"] > info["start"] and info["return_code"] == 0


def test_successors_wait_for_their_predecessors(simulator):
    job = simulator.find_jobs(root=True, has_successors=True)[0]
    simulator.script_job(job["id"], "stuck")
    simulator.run_until(lambda s: _status(s, job["id"]) == "EXEC")
    simulator.advance(hours=20)
    assert _status(simulator, job["id"]) == "EXEC"  # stuck: runs forever
    for successor in job["successors"]:
        info = simulator.job_info(successor)
        assert (info["status"], info["substatus"]) == ("HOLD", "HOLD_WAITING_FOR_PREDECESSOR")
    simulator.script_job(job["id"], "succ")  # let it finish now
    simulator.run_until(lambda s: _status(s, job["id"]) == "SUCC", max_seconds=600)
    simulator.advance(minutes=1)
    for successor in job["successors"]:
        assert simulator.job_info(successor)["substatus"] != "HOLD_WAITING_FOR_PREDECESSOR"


async def test_scripted_abend_shows_in_the_api_and_blocks_successors(simulator, hwa_client):
    job = simulator.find_jobs(root=True, has_successors=True)[0]
    simulator.script_job(job["id"], "abend")
    simulator.run_until(lambda s: _status(s, job["id"]) in ("SUCC", "ABEND"))
    simulator.advance(hours=2)
    abended = [job_view(j) for j in await hwa_client.jobs(oql="lastRunCompositeStatus.status = 'ABEND'")]
    assert [v.id for v in abended] == [job["id"]]
    view = abended[0]
    assert view.return_code not in (None, 0) and view.common_status == "ERROR" and view.end is not None
    successor = job_view(await hwa_client.job(job["successors"][0]))
    assert (successor.status, successor.substatus) == ("HOLD", "HOLD_WAITING_FOR_PREDECESSOR")


async def test_scripted_stuck_job_stays_in_exec(simulator, hwa_client):
    job = simulator.find_jobs(root=True)[0]
    simulator.script_job(job["id"], "stuck")
    simulator.run_until(lambda s: _status(s, job["id"]) == "EXEC")
    simulator.advance(hours=6)
    view = job_view(await hwa_client.job(job["id"]))
    assert view.status == "EXEC" and view.end is None
    assert (simulator.now - view.start) >= timedelta(hours=6)
    assert view.estimated_duration_s < 6 * 3600


async def test_scripted_late_start(simulator, hwa_client):
    job = simulator.find_jobs(root=True)[0]
    simulator.script_job(job["id"], "late")
    simulator.run_until(lambda s: _status(s, job["id"]) == "READY")
    view = job_view(await hwa_client.job(job["id"]))
    assert view.substatus == "READY_WAITING_FOR_RESOURCES"
    simulator.advance(minutes=29)
    assert _status(simulator, job["id"]) == "READY"
    simulator.run_until(lambda s: _status(s, job["id"]) == "EXEC", max_seconds=3 * 3600)
    started = job_view(await hwa_client.job(job["id"])).start
    assert started - view.scheduled_start >= timedelta(minutes=30)


async def test_unlinked_workstation_holds_launches_until_linked(simulator, hwa_client):
    job = simulator.find_jobs(root=True)[0]
    simulator.unlink(job["workstation"])
    ws = [workstation_view(w) for w in await hwa_client.workstations(oql=f"name = '{job['workstation']}'")][0]
    assert (ws.link_status, ws.running, ws.offline) == ("UNLINKED", False, False)
    simulator.run_until(lambda s: _status(s, job["id"]) == "WAIT")
    assert job_view(await hwa_client.job(job["id"])).substatus == "READY_WAITING_FOR_AGENT"
    simulator.advance(hours=3)
    assert _status(simulator, job["id"]) == "WAIT"  # unlinked by hand: no automatic relink
    simulator.link(job["workstation"])
    assert _status(simulator, job["id"]) == "EXEC"


async def test_offline_workstation(simulator, hwa_client):
    simulator.set_offline("CPU_AIX01")
    ws = workstation_view((await hwa_client.workstations(oql="name = 'CPU_AIX01'"))[0])
    assert ws.offline and ws.linked
    simulator.set_online("CPU_AIX01")
    assert not workstation_view((await hwa_client.workstations(oql="name = 'CPU_AIX01'"))[0]).offline


def test_link_flapping_rate(simulator_factory):
    sim = simulator_factory(flap_rate=2.0)  # two unlinks per workstation per hour
    unlinks = 0
    relinks = 0
    previous = {w["name"]: w["linked"] for w in sim.state()["workstations"]}
    for _ in range(6 * 60):
        sim.advance(minutes=1)
        for w in sim.state()["workstations"]:
            if previous[w["name"]] and not w["linked"]:
                unlinks += 1
            elif not previous[w["name"]] and w["linked"]:
                relinks += 1
            previous[w["name"]] = w["linked"]
    assert unlinks >= 10 and relinks >= unlinks - len(previous)
    sim.set_rates(flap=0)
    sim.advance(hours=1)  # pending relinks happen, nothing new unlinks
    assert all(w["linked"] for w in sim.state()["workstations"])


def test_abend_and_stuck_rates(simulator_factory):
    sim = simulator_factory(jobs=200, abend_rate=1.0)
    sim.advance(hours=24)
    ended = sim.find_jobs(status="ABEND")
    assert ended and not sim.find_jobs(status="SUCC")  # every launched job abended
    sim.set_rates(abend=0.0, stuck=1.0)
    job = ended[0]
    sim.rerun(job["id"])  # reruns succeed unless scripted
    sim.advance(hours=2)
    assert _status(sim, job["id"]) == "SUCC"


def test_default_rates_give_a_few_abends_and_late_jobs_per_hour():
    sim = Simulator(jobs=1500, seed=42, start=SIM_START)
    sim.advance(hours=24)
    counts = sim.state()["status_counts"]
    late = [j for j in sim.find_jobs() if j["outcome"] == "late"]
    assert 10 <= counts.get("ABEND", 0) <= 120  # ~3 % of 1500 over a day
    assert 5 <= len(late) <= 90
    assert counts.get("SUCC", 0) > 1000


async def test_critical_jobs_have_deadline_and_critical_start(simulator_factory):
    sim = simulator_factory(jobs=600)
    critical = sim.find_jobs(critical=True)
    assert critical
    async with HWAClient(sim.connection()) as client:
        raw = await client.job(critical[0]["id"])
        view = job_view(raw)
        assert view.critical and view.deadline is not None and view.confidence_interval
        assert raw["timeRestrictions"]["deadlineTime"] and raw["criticalStart"]
        assert view.critical_start <= view.deadline - timedelta(seconds=view.estimated_duration_s)
        sim.script_job(critical[0]["id"], "stuck")
        sim.advance_to(view.deadline + timedelta(minutes=1))
        late = job_view(await client.job(critical[0]["id"]))
        assert late.late and late.deadline_passed
        flagged = await client.jobs(oql="jobStatusFlags.jobLate = true")
        assert critical[0]["id"] in {j["id"] for j in flagged}


def test_next_day_is_planned_and_old_streams_leave(simulator):
    first_day = set(simulator.job_ids())
    simulator.advance(hours=23, minutes=30)
    assert len(simulator.job_ids()) == 2 * len(first_day)  # tomorrow's instances arrived at 23:00
    simulator.advance(hours=48)
    remaining = set(simulator.job_ids())
    assert not (first_day & remaining) or all(
        simulator.job_info(j)["status"] not in ("SUCC", "CANCL") for j in first_day & remaining)
    assert len(remaining) <= 3 * len(first_day)


async def test_fifty_thousand_jobs_page_correctly(simulator_factory):
    sim = simulator_factory(jobs=50_000)
    async with HWAClient(sim.connection(timeout_s=30)) as client:
        sizes = []
        seen: set[str] = set()
        async for page in client.iter_jobs(page_size=5000):
            sizes.append(len(page))
            seen.update(j["id"] for j in page)
    assert sizes == [5000] * 10 and len(seen) == 50_000 == sim.job_count()


def test_quiet_defaults_of_the_test_fixture(simulator):
    assert simulator.state()["rates"] == {"abend": 0.0, "stuck": 0.0, "late": 0.0, "flap": 0.0}
    assert QUIET["flap_rate"] == 0.0


@pytest.mark.parametrize("outcome", ["explode", ""])
def test_unknown_outcome_is_rejected(simulator, outcome):
    job = simulator.find_jobs()[0]
    with pytest.raises(ValueError):
        simulator.script_job(job["id"], outcome)
