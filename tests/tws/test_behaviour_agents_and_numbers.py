"""Issue 16, D6 and D5: the simulator with the behaviour on, Resync's poll over real HTTP.

D6 — agents that never list ONLINE in `activeStates` while linked and running are up: the instance stays healthy,
no workstation counts as down; a workstation whose job launching is deactivated is still seen offline.
D5 — a run's jobNumber given at launch, not at plan build: a critical job that was at risk before it started raises
no second deadline-at-risk event (nor card) when it starts and gets its number; its run shows "not numbered yet"."""

from __future__ import annotations

from datetime import timedelta

from resync_app.tws import queries
from resync_app.tws.client import HWAClient
from resync_app.tws.plan_values import parse_time
from resync_app.tws_simulator.behaviours import Behaviours
from tests.tws.polling import NAME, configure, events, notices, poll


async def test_agents_without_online_are_up(clean_db, simulator_factory):
    sim = simulator_factory(behaviours=Behaviours(agents_without_online=1.0))
    agents = [n for n in sim.workstation_names() if not sim.workstation_info(n)["reports_online"]]
    assert agents  # the behaviour is on: these never list ONLINE, though linked and running
    for name in agents:
        info = sim.workstation_info(name)
        assert "ONLINE" not in info["states"] and info["linked"] and info["running"]
    configure(sim)
    async with HWAClient(sim.connection()) as client:
        with notices() as sent:
            await poll(sim, client)
            await poll(sim, client)
            summary = queries.summary(NAME)
            assert summary["health"] == "healthy"
            assert summary["workstations"] == {"linked": len(sim.workstation_names()), "unlinked": 0,
                                               "total": len(sim.workstation_names())}
            shown = {w["name"]: w for w in queries.workstations(NAME)}
            assert all(shown[n]["linked"] and not shown[n]["offline"] for n in agents)
            assert events() == [] and sent == []
            # an agent set offline (its job launching deactivated) is still seen, once
            sim.set_offline(agents[0])
            await poll(sim, client)
            await poll(sim, client)
    [offline] = events("workstation_offline", workstation=agents[0])
    assert [n.id for n in sent if n.type == "workstation_offline"] == [offline.id]
    assert queries.summary(NAME)["workstations"]["unlinked"] == 1


async def test_job_numbers_given_at_launch_raise_one_deadline_event(clean_db, simulator_factory):
    sim = simulator_factory(behaviours=Behaviours(late_job_numbers=True))
    crit = sim.find_jobs(critical=True)[0]
    assert crit["run_number"] is None  # not launched: no job number yet
    sim.hold(crit["id"])  # an operator keeps it from starting while its deadline comes closer
    configure(sim)
    async with HWAClient(sim.connection()) as client:
        with notices() as sent:
            await poll(sim, client)
            unnumbered = queries.job(NAME, crit["id"])["run_number"]
            sim.advance_to(parse_time(crit["deadline"]) - timedelta(minutes=15))
            for _ in range(15):  # a poll a minute: normal → potential → high risk
                await poll(sim, client)
                if queries.job(NAME, crit["id"])["risk"] == "high":
                    break
                sim.advance(minutes=1)
            assert queries.job(NAME, crit["id"])["risk"] == "high"
            before = events("deadline_at_risk", crit["id"])
            assert before and len([n for n in sent if n.type == "deadline_at_risk"]) == len(before)
            sim.release(crit["id"])
            sim.run_until(lambda s: s.job_info(crit["id"])["status"] == "EXEC", step=5, max_seconds=600)
            number = sim.job_info(crit["id"])["run_number"]
            assert number is not None  # numbered at launch
            for _ in range(3):
                await poll(sim, client)
                sim.advance(minutes=1)
    assert events("deadline_at_risk", crit["id"]) == before  # no second event for the same run …
    assert len([n for n in sent if n.type == "deadline_at_risk"]) == len(before)  # … nor a second card
    assert len(events("job_started", crit["id"])) == 1
    row = queries.job(NAME, crit["id"])
    assert unnumbered == 0 and row["run_number"] == number and row["run_seq"] == 1 and row["risk"] == "high"
