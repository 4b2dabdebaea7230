"""Issue 16 #3, #4 and #5: one card per event under faults — two dispatchers and a slow webhook, an enqueue that
fails after the events were stored, and SQLite reusing an event id after a cleanup. Each test injects the fault
(and shows that it happened) against the real dispatcher, outbox and poll."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from resync_app.db import session_scope, utcnow
from resync_app.teams import outbox
from resync_app.teams.dispatcher import Dispatcher, post_card
from resync_app.tws import instances, retention, snapshot
from resync_app.tws import service as tws_service
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent
from tests.teams.conftest import make_event
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

NAME = "sim"
WS = "CPU_LINUX01"


def job_of(card: dict) -> str:
    body = card["attachments"][0]["content"]["body"]
    return next(f["value"] for b in body if b["type"] == "FactSet" for f in b["facts"] if f["title"] == "Job")


def title_of(card: dict) -> str:
    return next(b["text"] for b in card["attachments"][0]["content"]["body"] if b.get("size") == "Large")


def test_two_dispatchers_and_a_slow_webhook_post_each_card_once(teams, hook, monkeypatch):
    """Worker A claims a batch of 10; each post takes 40 % of the lease. While A posts its 3rd card, worker B runs a
    round: the rows A has not reached yet look abandoned (their batch lease is stale) and B takes them. A must not
    post those any more (it renews each row's lease just before posting it, and finds B's)."""
    from resync_app.teams import dispatcher as dispatch_module

    teams.enable()
    teams.emit(*[make_event(job=f"JOB_{i:02d}") for i in range(10)])
    clock = [utcnow()]
    monkeypatch.setattr(dispatch_module, "utcnow", lambda: clock[0])  # both dispatchers' clock
    posted: list[tuple[str, str]] = []
    a_in_flight = [False]
    b_during_a: list[str] = []

    def b_poster(url, payload, **kwargs):
        posted.append(("B", job_of(payload)))
        if a_in_flight[0]:
            b_during_a.append(job_of(payload))
        return post_card(url, payload, **kwargs)

    worker_b = Dispatcher("worker-b", poster=b_poster)

    def slow_poster(url, payload, **kwargs):
        posted.append(("A", job_of(payload)))
        result = post_card(url, payload, **kwargs)
        clock[0] += outbox.CLAIM_STALE * 0.4  # this post took 48 s
        if sum(1 for who, _ in posted if who == "A") == 3:
            worker_b.deliver_due()  # B's round, while A's batch is in flight
        return result

    worker_a = Dispatcher("worker-a", poster=slow_poster)
    a_in_flight[0] = True
    worker_a.deliver_due()
    a_in_flight[0] = False
    while worker_b.deliver_due() or worker_a.deliver_due():
        pass

    by_a = [job for who, job in posted if who == "A"]
    assert by_a and b_during_a, f"both workers posted, B while A's batch was in flight (the race): {posted}"
    assert sorted(job_of(c) for c in hook.cards) == [f"JOB_{i:02d}" for i in range(10)], "no card posted twice"
    assert len(hook.requests) == 10
    rows = teams.rows()
    assert all(r["status"] == "sent" for r in rows) and len(rows) == 10


async def poll(sim):
    async with HWAClient(sim.connection()) as client:
        return await snapshot.poll_instance(NAME, client, now=sim.now)


def add(sim) -> None:
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password}, "tests")


async def test_an_enqueue_that_fails_once_loses_no_card(api, teams, hook, simulator, monkeypatch):
    """The queueing of the card fails once ("database is locked") in the poll that found the abend: the card is
    not lost (and the event is not doubled)."""
    tws_service.shutdown()
    add(simulator)
    teams.enable(notification_types=["job_abended"])
    await poll(simulator)  # the baseline
    job = simulator.find_jobs(root=True)[0]
    simulator.script_job(job["id"], "abend")
    simulator.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")

    real, injected = outbox.enqueue, []

    def flaky(*args, **kwargs):
        if not injected:
            injected.append(True)
            raise OperationalError("INSERT INTO teams_outbox …", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "enqueue", flaky)
    try:
        await poll(simulator)
    except OperationalError:
        pass  # the poll's transaction rolled back: the next poll finds the abend again
    await poll(simulator)
    assert injected, "the fault was injected"

    while teams.deliver():
        pass
    assert [job_of(c) for c in hook.cards] == [job["name"]]
    with session_scope() as db:
        stored = db.execute(select(TwsEvent).where(TwsEvent.type == "job_abended")).scalars().all()
    assert [e.job_id for e in stored] == [job["id"]]


@pytest.mark.parametrize("window", [None, 0], ids=["incidents", "one-card-per-event"])
async def test_an_event_id_reused_by_sqlite_still_gets_its_card(api, teams, hook, simulator, window):
    """`tws_events` has no AUTOINCREMENT on SQLite: once a cleanup empties it, the next event gets id 1 again.
    Its card must still be sent (cards are keyed by the event's dedupe key or the incident, never by the id)."""
    tws_service.shutdown()
    add(simulator)
    teams.enable(**({} if window is None else {"teams_incident_window_seconds": window}))
    await poll(simulator)  # the baseline
    simulator.unlink(WS)
    [first] = [e for e in (await poll(simulator)).events if e.type == "workstation_unlinked"]
    simulator.link(WS)
    await poll(simulator)
    while teams.deliver():
        pass
    assert [title_of(c) for c in hook.cards].count(f"Workstation unlinked: {WS}") == 1

    removed = retention.cleanup(now=utcnow(), days_summary=0, days_full=3650)  # every event is older than now
    assert removed["tws_events"] >= 2
    simulator.unlink(WS)
    [second] = [e for e in (await poll(simulator)).events if e.type == "workstation_unlinked"]
    assert second.id == first.id, "SQLite reused the id (the fault this test is about)"
    while teams.deliver():
        pass
    assert [title_of(c) for c in hook.cards].count(f"Workstation unlinked: {WS}") == 2


def test_a_card_whose_worker_died_while_posting_is_not_posted_twice_and_is_reported(teams, hook):
    """A worker is killed while Teams is answering its post (the card has almost always reached Teams): after the
    lease, the survivor does not post it again (a repeat would show it twice) but reports it as unconfirmed; a card
    the dead worker had claimed and not started is posted by the survivor."""
    from datetime import timedelta

    teams.enable()
    teams.emit(make_event(job="IN_FLIGHT"), make_event(job="NOT_STARTED"))
    t0 = utcnow()
    in_flight, not_started = outbox.claim("dead-worker", t0)
    assert outbox.renew(in_flight, "dead-worker", t0)  # its post started … and the worker died
    assert [r["status"] for r in teams.rows()] == ["posting", "sending"]
    assert teams.deliver(t0 + timedelta(seconds=60)) == []  # leases still valid: nobody touches them
    [outcome] = teams.deliver(t0 + outbox.CLAIM_STALE + timedelta(seconds=1))
    assert (outcome["source_key"], outcome["status"]) == (not_started.source_key, "sent")
    assert [job_of(c) for c in hook.cards] == ["NOT_STARTED"]
    [dead, sent] = teams.rows()
    assert (dead["status"], sent["status"]) == ("unconfirmed", "sent")
    assert "not posted again" in dead["last_error"]
    assert teams.get()["delivery"]["unconfirmed_24h"] == 1
    assert outbox.finish(in_flight, "dead-worker", "sent", t0) is False  # the dead worker cannot come back to it
