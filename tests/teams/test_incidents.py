"""Incidents (CONTRACT §12): the events of one instance that share a cause within `teams_incident_window_seconds`
are one incident and one Teams card listing them, with at most one follow-up card per window; `GET
/api/v1/tws/incidents` lists them. Measured with the simulator: a workstation outage that abends 30 jobs gives at
most 2 cards."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from resync_app.db import session_scope, utcnow
from resync_app.tws import instances, snapshot
from resync_app.tws import service as tws_service
from resync_app.tws.client import HWAClient
from resync_app.tws.incident_models import TwsIncident
from resync_app.tws.models import TwsEvent
from tests.support.outage import busiest_workstation, start_jobs, unlink_and_abend
from tests.teams.conftest import make_event
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

NAME = "sim"
INCIDENTS = "/api/v1/tws/incidents"


def body(card: dict) -> list[dict]:
    return card["attachments"][0]["content"]["body"]


def title(card: dict) -> str:
    return next(b["text"] for b in body(card) if b.get("size") == "Large")


def fact_sets(card: dict) -> list[dict[str, str]]:
    return [{f["title"]: f["value"] for f in b["facts"]} for b in body(card) if b["type"] == "FactSet"]


async def poll(sim):
    async with HWAClient(sim.connection()) as client:
        return await snapshot.poll_instance(NAME, client, now=sim.now)


@pytest.fixture
def outage_sim(simulator_factory):
    """A 400-job plan with 30 jobs of its busiest workstation running, and the instance `sim` baselined on it."""
    sim = simulator_factory(jobs=400)
    ws = busiest_workstation(sim)
    jobs = start_jobs(sim, ws, 30)
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password}, "tests")
    return sim, ws, jobs


async def test_a_workstation_outage_that_abends_30_jobs_gives_at_most_2_cards(api, teams, hook, outage_sim):
    tws_service.shutdown()
    sim, ws, jobs = outage_sim
    teams.enable()  # the default selection: abends, unlinked workstations, instance critical, failure rate, …
    assert (await poll(sim)).baseline
    unlink_and_abend(sim, ws, jobs)
    first = await poll(sim)  # the workstation is unlinked; its jobs still run
    [unlinked] = [e for e in first.events if e.type == "workstation_unlinked"]
    outage = unlinked.incident_id

    def outage_rows() -> list[dict]:
        return [r for r in teams.rows() if r["source_key"].startswith(f"incident:{outage}:")]

    def outage_cards() -> list[dict]:
        return [c for c in hook.cards if ws in title(c)]

    t0 = utcnow()
    while teams.deliver(t0):  # the dispatcher posts the incident's card at once
        pass
    assert [title(c) for c in outage_cards()] == [f"Workstation unlinked: {ws}"]

    sim.advance(seconds=61)
    second = await poll(sim)  # the 30 abends (and what they do to the instance's health)
    assert sum(e.type == "job_abended" for e in second.events) == 30
    for _ in range(3):  # the poller goes on: nothing new
        sim.advance(seconds=30)
        await poll(sim)
    problems = [e for e in first.events + second.events if e.incident_id == outage]
    assert {"job_abended", "workstation_unlinked"} <= {e.type for e in problems}
    assert all(e.incident_id == outage for e in first.events + second.events if e.workstation == ws)
    # (a job of another workstation may turn late meanwhile: another problem, another incident)

    [first_row, follow_row] = outage_rows()  # one follow-up for everything after the first card
    due = follow_row["next_attempt_at"]
    assert due == first_row["next_attempt_at"] + timedelta(seconds=120)
    teams.deliver(due - timedelta(seconds=1))  # at most one follow-up per window: not yet
    assert [r["status"] for r in outage_rows()] == ["sent", "pending"] and len(outage_cards()) == 1
    teams.deliver(due)
    assert [r["status"] for r in outage_rows()] == ["sent", "sent"]
    for minutes in (5, 60, 600):
        teams.deliver(due + timedelta(minutes=minutes))
    assert len(outage_cards()) == 2 and len(outage_rows()) == 2  # ≤ 2 cards for 30 abends

    card = outage_cards()[1]
    assert title(card).startswith(f"Update: 30 jobs abended on {ws}")
    facts, listed = fact_sets(card)
    assert facts["Cause"] == f"Workstation {ws}" and facts["Instance"] == NAME
    names = {sim.job_info(j)["name"] for j in jobs}
    assert len(listed) == 8 and set(listed) <= names  # the first few jobs, by name
    assert any(b.get("text", "").startswith("… and ") for b in body(card))
    [action] = card["attachments"][0]["content"]["actions"]
    link = urlsplit(action["url"])
    assert (link.scheme + "://" + link.netloc, link.path) == ("http://testserver", "/monitoring")
    assert parse_qs(link.query) == {"filter": ["ABEND"], "q": [ws], "instance": [NAME]}

    answer = api.get(INCIDENTS, params={"instance": NAME})
    assert answer.status_code == 200
    [incident] = [i for i in answer.json()["results"] if i["id"] == outage]
    assert incident["cause"] == f"workstation:{ws}" and incident["severity"] == "critical"
    assert incident["events"] == len(problems) and incident["title"].startswith(f"30 jobs abended on {ws}")
    assert set(incident) == {"id", "instance", "cause", "first_at", "last_at", "events", "severity", "title"}
    with session_scope() as db:  # every listed event is on exactly one card
        rows = db.execute(select(TwsEvent.card_no).where(TwsEvent.incident_id == incident["id"])).scalars().all()
    assert sorted(set(rows) - {None}) == [1, 2]


async def test_without_incidents_every_event_is_its_own_card(api, teams, hook, outage_sim):
    tws_service.shutdown()
    sim, ws, jobs = outage_sim
    teams.enable(teams_incident_window_seconds=0, notification_types=["job_abended"])
    await poll(sim)
    unlink_and_abend(sim, ws, jobs)
    sim.advance(seconds=61)
    result = await poll(sim)
    assert all(e.incident_id is None for e in result.events)
    while teams.deliver():
        pass
    assert len(hook.cards) == 30
    assert api.get(INCIDENTS).json() == {"count": 0, "results": []}


def stored(*events):
    """Store fake events the way a poll does (rows in tws_events), in one transaction with their incidents and
    Teams cards; returns the notices."""
    from dataclasses import replace

    from resync_app import notify
    from resync_app.db import get_engine
    from resync_app.tws import incidents

    with get_engine().begin() as conn:
        notices = []
        for event in events:
            row = conn.execute(TwsEvent.__table__.insert().values(
                at=event.at, instance=event.instance, type=event.type, severity=event.severity,
                message=event.message, job=event.job, job_id=event.job_id, job_stream=event.job_stream,
                workstation=event.workstation, status=event.status, return_code=event.return_code,
                dedupe_key=event.dedupe_key))
            notices.append(replace(event, id=int(row.inserted_primary_key[0])))
        notices = incidents.assign(conn, notices[0].instance, notices, notices[0].at)
        notify.write_tws_events(conn, notices)
    notify.emit_tws_events(notices)
    return notices


def test_events_after_the_card_give_one_follow_up_per_window(teams, hook):
    teams.enable()
    at = make_event().at
    [a] = stored(make_event(job="A1", at=at))
    t0 = utcnow()
    assert [o["status"] for o in teams.deliver(t0)] == ["sent"]  # the first card, alone: the event's own card
    [b] = stored(make_event(job="B1", at=at + timedelta(seconds=30)))
    [c] = stored(make_event(job="C1", at=at + timedelta(seconds=60)))
    assert a.incident_id == b.incident_id == c.incident_id
    assert teams.deliver(t0 + timedelta(seconds=60)) == []  # B1 and C1 wait for the follow-up, a window later
    [sent] = teams.deliver(t0 + timedelta(seconds=121))
    assert sent["status"] == "sent" and len(hook.cards) == 2
    assert title(hook.cards[1]) == "Update: 2 jobs abended on CPU_LNX1 (3 events in all)"
    assert list(fact_sets(hook.cards[1])[1]) == ["B1", "C1"]

    [d] = stored(make_event(job="D1", at=at + timedelta(seconds=150)))  # within the window of C1: same incident
    assert d.incident_id == a.incident_id
    assert teams.deliver(t0 + timedelta(seconds=200)) == []  # not before a window after the follow-up
    assert len(teams.deliver(t0 + timedelta(seconds=242))) == 1
    assert title(hook.cards[2]).startswith("Update: 1 job abended on CPU_LNX1")

    [e] = stored(make_event(job="E1", at=at + timedelta(seconds=150 + 121)))  # a window of silence: a new one
    assert e.incident_id != a.incident_id
    assert len(teams.deliver(t0 + timedelta(seconds=243))) == 1 and len(hook.cards) == 4


def test_causes_workstation_then_job_stream_then_the_instance(teams, hook):
    teams.enable(notification_types=["job_abended", "failure_rate_high", "instance_critical"])
    at = make_event().at
    # three jobs of one stream on three workstations: the stream is what they share
    stream = stored(*[make_event(job=f"S{i}", workstation=f"WS{i}", job_stream="NIGHTLY", at=at) for i in range(3)])
    assert len({n.incident_id for n in stream}) == 1
    # a job of that stream on another workstation joins the open stream incident
    [later_job] = stored(make_event(job="S9", workstation="WS9", job_stream="NIGHTLY", at=at + timedelta(seconds=20)))
    assert later_job.incident_id == stream[0].incident_id
    # the failure rate of the instance goes with its open incident
    [rate] = stored(make_event(type="failure_rate_high", severity="warning", job=None, status=None, return_code=None,
                               workstation=None, job_stream=None, at=at + timedelta(seconds=30)))
    assert rate.incident_id == stream[0].incident_id
    # another instance: nothing open there, so its health event is an incident of the instance itself
    [other] = stored(make_event(instance="dr", type="instance_critical", job=None, status=None, return_code=None,
                                workstation=None, job_stream=None, at=at))
    assert other.incident_id not in (None, stream[0].incident_id)
    answer = teams.api.get(INCIDENTS, params={"since": (at + timedelta(seconds=1)).isoformat()}).json()
    by_cause = {i["cause"]: i for i in answer["results"]}
    assert set(by_cause) == {"job_stream:NIGHTLY"}  # "dr" was last active before `since`
    assert by_cause["job_stream:NIGHTLY"]["events"] == 5
    assert by_cause["job_stream:NIGHTLY"]["title"] == "4 jobs abended on job stream NIGHTLY (+1 more event)"
    # starts and completions are never grouped
    [done] = stored(make_event(type="job_completed", severity="info", status="SUCC", at=at))
    assert done.incident_id is None


def test_the_incidents_api_validates_and_follows_the_operator_rules(api, admin_headers, operator_login_required):
    assert api.get(INCIDENTS).status_code == 401  # an operator read: signed in when sign-in is required
    assert api.get(INCIDENTS, headers=admin_headers).status_code == 200
    bad = api.get(INCIDENTS, params={"since": "yesterday", "limit": "0"}, headers=admin_headers)
    assert bad.status_code == 422 and set(bad.json()["detail"]["errors"]) == {"since", "limit"}
    assert api.get(INCIDENTS, params={"instance": "nope"}, headers=admin_headers).status_code == 404
    assert api.get("/api/v1/tws/events", params={"incident": "x"}, headers=admin_headers).status_code == 422


@pytest.mark.parametrize("value", [-1, 3601, "120", True, 1.5, None])
def test_the_incident_window_is_validated(teams, value):
    before = teams.get()["teams_incident_window_seconds"]
    answer = teams.put(teams_incident_window_seconds=value)
    if value is None:  # null = unchanged
        assert answer.status_code == 200 and answer.json()["teams_incident_window_seconds"] == before
        return
    assert answer.status_code == 422
    assert "teams_incident_window_seconds" in answer.json()["detail"]["errors"]
    assert teams.get()["teams_incident_window_seconds"] == before == 120


def test_the_incident_window_is_saved_and_audited(teams):
    assert teams.configure(teams_incident_window_seconds=0)["teams_incident_window_seconds"] == 0
    assert teams.get()["teams_incident_window_seconds"] == 0
    audit = teams.api.get("/api/v1/admin/audit?limit=5", headers=teams.headers).json()
    change = next(a for a in audit if a["action"] == "teams.config.update")
    assert change["detail"]["teams_incident_window_seconds"] == [120, 0]


@pytest.mark.postgres
def test_two_workers_grouping_at_once_make_one_incident(database_url):
    """Two pollers' transactions (on PostgreSQL) add events of the same cause at the same moment: one incident
    holds both — the grouping is decided in the database, not in a worker's memory."""
    from resync_app.db import get_engine
    from resync_app.tws import incidents
    from tests.support import dbutil
    from tests.support.pg import fresh_database

    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        try:
            both_inside = threading.Barrier(2, timeout=20)
            spans: dict[str, tuple[float, float]] = {}
            results: dict[str, int] = {}
            errors: list[BaseException] = []

            def worker(name: str) -> None:
                import time

                try:
                    event = make_event(job=f"JOB_{name}", dedupe_key=f"race:{name}")
                    with get_engine().begin() as conn:
                        started = time.monotonic()
                        row = conn.execute(TwsEvent.__table__.insert().values(
                            at=event.at, instance=event.instance, type=event.type, severity=event.severity,
                            message=event.message, job=event.job, workstation=event.workstation,
                            job_stream=event.job_stream, dedupe_key=event.dedupe_key))
                        from dataclasses import replace

                        notice = replace(event, id=int(row.inserted_primary_key[0]))
                        both_inside.wait()  # both transactions are open here
                        [grouped] = incidents.assign(conn, event.instance, [notice], event.at)
                        results[name] = grouped.incident_id
                    spans[name] = (started, time.monotonic())
                except BaseException as exc:  # noqa: BLE001 (reported below)
                    errors.append(exc)

            threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            assert not errors, errors
            (a0, a1), (b0, b1) = spans["a"], spans["b"]
            assert a0 < b1 and b0 < a1, "the two transactions overlapped"
            assert results["a"] == results["b"]
            with session_scope() as db:
                [incident] = db.execute(select(TwsIncident)).scalars().all()
            assert incident.events == 2
        finally:
            dbutil.use_database(database_url)


def test_an_incident_card_that_expired_while_teams_was_off_does_not_swallow_later_events(teams, hook):
    from resync_app.teams import outbox

    teams.enable()
    teams.configure(enabled=False)
    at = make_event().at
    [a] = stored(make_event(job="WHILE_OFF", at=at))
    t0 = utcnow()
    teams.deliver(t0 + outbox.HOLD_WHILE_OFF + timedelta(seconds=1))  # held too long: expired, never rendered
    assert [r["status"] for r in teams.rows()] == ["expired"]
    teams.configure(enabled=True)
    [b] = stored(make_event(job="BACK_ON", at=at + timedelta(seconds=30)))  # same incident, Teams on again
    assert b.incident_id == a.incident_id
    while teams.deliver(t0 + outbox.HOLD_WHILE_OFF + timedelta(seconds=2)):
        pass
    [card] = hook.cards
    assert "BACK_ON" in str(card)
