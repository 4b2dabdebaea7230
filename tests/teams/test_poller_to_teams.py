"""End to end: the real poller against the simulator stores an event, Teams turns it into exactly one card at the
loopback webhook, and the poll shows in the Prometheus figures. The poll is driven by the test (the simulator's
virtual clock), the dispatcher round too (`deliver`), so nothing waits on time."""

from __future__ import annotations

from resync_app.tws import instances, snapshot
from resync_app.tws import service as tws_service
from resync_app.tws.client import HWAClient
from tests.api.test_metrics import sample
from tests.teams.conftest import later
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

NAME = "sim"


def facts(card: dict) -> dict[str, str]:
    body = card["attachments"][0]["content"]["body"]
    return {f["title"]: f["value"] for block in body if block.get("type") == "FactSet" for f in block["facts"]}


async def test_scripted_abend_gives_one_event_and_one_card(api, teams, hook, simulator):
    tws_service.shutdown()  # this worker's poller loop would poll too: here the test drives every poll
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    teams.enable(notification_types=["job_abended"], job_status_filters=["ABEND"], monitored_tws_instances=[NAME])
    async with HWAClient(simulator.connection()) as client:
        await snapshot.poll_instance(NAME, client, now=simulator.now)  # the baseline: no event, no card
        assert teams.deliver() == [] and hook.cards == []

        job = simulator.find_jobs(root=True)[0]
        simulator.script_job(job["id"], "abend")
        simulator.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
        result = await snapshot.poll_instance(NAME, client, now=simulator.now)
        [abend] = [e for e in result.events if e.type == "job_abended"]
        simulator.advance(minutes=5)
        await snapshot.poll_instance(NAME, client, now=simulator.now)  # seen again: no second event

    outcomes = teams.deliver()
    assert [o["status"] for o in outcomes] == ["sent"]
    assert teams.deliver(later(abend.at, 3600)) == []
    [card] = hook.cards
    assert card["attachments"][0]["content"]["type"] == "AdaptiveCard"
    got = facts(card)
    assert (got["Instance"], got["Job"], got["Status"]) == (NAME, job["name"], "ABEND")
    assert got["Return code"] == str(simulator.job_info(job["id"])["return_code"])
    assert [row["source_key"] for row in teams.rows()] == [f"tws:{abend.id}"]

    text = api.get("/metrics").text
    assert sample(text, "resync_tws_polls_total", instance=NAME, outcome="ok") >= 3
    assert sample(text, "resync_tws_events_total", severity="critical") >= 1
