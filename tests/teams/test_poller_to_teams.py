"""End to end: the real poller against the simulator stores an event, Teams turns it into exactly one card at the
loopback webhook, and the poll shows in the Prometheus figures (compared before and after: the counters are
process-wide). The poll is driven by the test (the simulator's virtual clock), the dispatcher round too
(`deliver`), so nothing waits on time."""

from __future__ import annotations

from resync_app.tws import instances, snapshot
from resync_app.tws import service as tws_service
from resync_app.tws.client import HWAClient
from tests.support.prom import sample
from tests.teams.conftest import later
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

NAME = "sim"


def counter(api, name: str, **labels: str) -> float:
    """A Prometheus sample now (0 before its first increment)."""
    try:
        return sample(api.get("/metrics").text, name, **labels)
    except AssertionError:
        return 0.0


def facts(card: dict) -> dict[str, str]:
    body = card["attachments"][0]["content"]["body"]
    return {f["title"]: f["value"] for block in body if block.get("type") == "FactSet" for f in block["facts"]}


async def test_scripted_abend_gives_one_event_and_one_card(api, teams, hook, simulator):
    tws_service.shutdown()  # this worker's poller loop would poll too: here the test drives every poll
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    teams.enable(notification_types=["job_abended"], job_status_filters=["ABEND"], monitored_tws_instances=[NAME])
    polls_before = counter(api, "resync_tws_polls_total", instance=NAME, outcome="ok")
    critical_before = counter(api, "resync_tws_events_total", severity="critical")
    critical = 0
    async with HWAClient(simulator.connection()) as client:
        await snapshot.poll_instance(NAME, client, now=simulator.now)  # the baseline: no event, no card
        assert teams.deliver() == [] and hook.cards == []

        job = simulator.find_jobs(root=True)[0]
        simulator.script_job(job["id"], "abend")
        simulator.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
        result = await snapshot.poll_instance(NAME, client, now=simulator.now)
        critical += sum(e.severity == "critical" for e in result.events)
        [abend] = [e for e in result.events if e.type == "job_abended"]
        simulator.advance(minutes=5)
        again = await snapshot.poll_instance(NAME, client, now=simulator.now)  # seen again: no second event
        critical += sum(e.severity == "critical" for e in again.events)

    outcomes = teams.deliver()
    assert [o["status"] for o in outcomes] == ["sent"]
    assert teams.deliver(later(abend.at, 3600)) == []
    [card] = hook.cards
    assert card["attachments"][0]["content"]["type"] == "AdaptiveCard"
    got = facts(card)
    assert (got["Instance"], got["Job"], got["Status"]) == (NAME, job["name"], "ABEND")
    assert got["Return code"] == str(simulator.job_info(job["id"])["return_code"])
    # the abend opened an incident of its workstation; alone on it, its card is the event's own card
    assert abend.incident_id is not None
    assert [row["source_key"] for row in teams.rows()] == [f"incident:{abend.incident_id}:1"]

    assert critical >= 1
    assert counter(api, "resync_tws_polls_total", instance=NAME, outcome="ok") - polls_before == 3
    assert counter(api, "resync_tws_events_total", severity="critical") - critical_before == critical


def title(card: dict) -> str:
    body = card["attachments"][0]["content"]["body"]
    return next(block["text"] for block in body if block.get("type") == "TextBlock" and block.get("size") == "Large")


async def test_stuck_late_and_unlinked_each_give_one_event_and_one_card(api, teams, hook, simulator):
    """The issue's other scripted changes, poll → event → card, each exactly once (polled again: nothing new).
    Other jobs of the simulated plan may turn late meanwhile: every matching event gets exactly one card."""
    tws_service.shutdown()
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    teams.system(tws_job_stuck_threshold_minutes=30, tws_job_late_threshold_minutes=15)
    wanted = ("job_stuck", "job_late", "workstation_unlinked")
    # one card per event here (no incidents): each change is checked on its own card
    teams.enable(notification_types=list(wanted), job_status_filters=[], monitored_tws_instances=[NAME],
                 teams_incident_window_seconds=0)
    roots = simulator.find_jobs(root=True)
    stuck_job, late_job = roots[0], roots[1]
    events: list = []

    async with HWAClient(simulator.connection()) as client:
        async def poll_twice() -> list:
            first = await snapshot.poll_instance(NAME, client, now=simulator.now)
            again = await snapshot.poll_instance(NAME, client, now=simulator.now)
            assert again.events == []  # seen again: no second event
            events.extend(e for e in first.events if e.type in wanted)
            return first.events

        await poll_twice()  # the baseline
        assert events == [] and teams.deliver() == [] and hook.cards == []

        simulator.script_job(stuck_job["id"], "stuck")
        simulator.run_until(lambda s: s.job_info(stuck_job["id"])["status"] == "EXEC")
        simulator.advance(minutes=31)
        [stuck] = [e for e in await poll_twice() if e.type == "job_stuck" and e.job_id == stuck_job["id"]]

        simulator.script_job(late_job["id"], "late")
        from resync_app.tws.plan_values import parse_time

        simulator.advance_to(max(simulator.now, parse_time(late_job["at"])))
        simulator.advance(minutes=16)
        [late] = [e for e in await poll_twice() if e.type == "job_late" and e.job_id == late_job["id"]]

        simulator.unlink("CPU_LINUX01")
        [unlinked] = [e for e in await poll_twice() if e.type == "workstation_unlinked"]

    outcomes: list = []
    while batch := teams.deliver():  # the dispatcher posts a batch per round
        outcomes += batch
    assert [o["status"] for o in outcomes] == ["sent"] * len(events)
    assert teams.deliver(later(unlinked.at, 3600)) == []
    assert len(hook.cards) == len(events)
    assert sorted(row["source_key"] for row in teams.rows()) == sorted(f"tws:{e.dedupe_key}" for e in events)
    titles = [title(card) for card in hook.cards]
    for expected in (f"Job stuck: {stuck_job['name']}", f"Job late: {late_job['name']}",
                     "Workstation unlinked: CPU_LINUX01"):
        assert titles.count(expected) == 1, (expected, titles)
    [stuck_card] = [c for c in hook.cards if title(c) == f"Job stuck: {stuck_job['name']}"]
    assert (facts(stuck_card)["Status"], facts(stuck_card)["Instance"]) == ("EXEC", NAME)
