"""Issue 16 #1 and #2, end to end (simulator → poll → events → Teams): an instance pointed at another TWS, or
deleted and added again, starts from a baseline (its first poll notifies nothing), a poll begun before the change
stores nothing, and the new incarnation's events never collide with the old one's (dedupe keys are namespaced by
the incarnation), so none is lost."""

from __future__ import annotations

from sqlalchemy import select

from resync_app.db import session_scope
from resync_app.tws import instances, retention, snapshot
from resync_app.tws import service as tws_service
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent, TwsPlanJob, TwsSummary
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

NAME = "sim"
WS = "CPU_LINUX01"


def add(sim) -> None:
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password}, "tests")


async def poll(sim):
    async with HWAClient(sim.connection()) as client:
        return await snapshot.poll_instance(NAME, client, now=sim.now)


def stored_events() -> list[TwsEvent]:
    with session_scope() as db:
        return list(db.execute(select(TwsEvent).where(TwsEvent.instance == NAME).order_by(TwsEvent.id)).scalars())


def busy_tws(simulator_factory):
    """Another TWS, half a day into its plan: many jobs finished, a share of them abended."""
    other = simulator_factory(seed=11, abend_rate=0.4)
    other.advance(hours=12)
    assert other.find_jobs(status="ABEND"), "the other TWS has abended jobs to (not) notify"
    return other


async def test_an_instance_pointed_at_another_tws_is_rebaselined(api, teams, hook, simulator_factory):
    tws_service.shutdown()  # the test drives every poll
    first, other = simulator_factory(), busy_tws(simulator_factory)
    add(first)
    teams.enable()
    assert (await poll(first)).baseline

    instances.update_instance(NAME, {"base_url": other.base_url, "password": other.password}, "tests")
    result = await poll(other)
    assert result.ok and result.baseline, "the first poll of another TWS is a baseline"
    assert result.events == [] and stored_events() == []
    assert teams.deliver() == [] and hook.requests == []
    assert (await poll(other)).events == []  # and it is the snapshot now: polled again, still nothing


async def test_a_re_created_instance_is_rebaselined(api, teams, hook, simulator_factory):
    tws_service.shutdown()
    first, other = simulator_factory(), busy_tws(simulator_factory)
    add(first)
    teams.enable()
    await poll(first)

    instances.delete_instance(NAME, "tests")
    with session_scope() as db:  # its snapshot went with it, in the same transaction
        assert db.get(TwsSummary, NAME) is None
        assert db.execute(select(TwsPlanJob).where(TwsPlanJob.instance == NAME)).first() is None
    add(other)
    result = await poll(other)
    assert result.ok and result.baseline and result.events == []
    assert teams.deliver() == [] and hook.requests == []


async def test_a_poll_begun_before_the_instance_was_repointed_stores_nothing(api, teams, hook, simulator_factory):
    tws_service.shutdown()
    first, other = simulator_factory(), busy_tws(simulator_factory)
    add(first)
    old = instances.get_instance(NAME).incarnation
    instances.update_instance(NAME, {"base_url": other.base_url, "password": other.password}, "tests")
    assert instances.get_instance(NAME).incarnation != old

    async with HWAClient(first.connection()) as client:  # the poller still held the old configuration
        stale = await snapshot.poll_instance(NAME, client, now=first.now, incarnation=old)
    assert (stale.ok, stale.error_kind) == (False, "changed")
    with session_scope() as db:
        assert db.get(TwsSummary, NAME) is None  # nothing of the old TWS was stored
    assert (await poll(other)).baseline


async def test_a_deleted_and_re_added_instance_loses_no_event(api, teams, hook, simulator):
    tws_service.shutdown()
    add(simulator)
    teams.enable()
    await poll(simulator)  # the baseline
    simulator.unlink(WS)
    [before] = [e for e in (await poll(simulator)).events if e.type == "workstation_unlinked"]
    simulator.link(WS)

    instances.delete_instance(NAME, "tests")
    retention.cleanup(now=simulator.now)  # what is left of the old instance is cleaned up: its counters restart
    add(simulator)
    assert (await poll(simulator)).baseline
    simulator.unlink(WS)
    again = [e for e in (await poll(simulator)).events if e.type == "workstation_unlinked"]
    assert len(again) == 1, "the re-added instance's first unlink was stored"
    assert [e.type for e in stored_events()].count("workstation_unlinked") == 2
    assert again[0].dedupe_key != before.dedupe_key

    teams.deliver()
    titles = [next(b["text"] for b in c["attachments"][0]["content"]["body"] if b.get("size") == "Large")
              for c in hook.cards]
    assert titles.count(f"Workstation unlinked: {WS}") == 2
