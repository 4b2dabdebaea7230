"""The snapshot, events and reads on PostgreSQL (the production database): upserts with ON CONFLICT, the unique
event key, ILIKE search, the count cache, retention — against a fresh database on the machine's server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from resync_app.db import session_scope
from resync_app.tws import event_queries, instances, queries, retention, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent
from tests.support import dbutil
from tests.support.pg import fresh_database

pytestmark = pytest.mark.postgres
NAME = "pg"


@pytest.fixture
def pg(database_url):
    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        dbutil.reset_services()
        try:
            yield url
        finally:
            dbutil.use_database(database_url)
            dbutil.reset_services()


async def test_poll_events_and_reads_on_postgresql(pg, simulator_factory):
    sim = simulator_factory(jobs=600, seed=3)
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password}, "tests")
    async with HWAClient(sim.connection()) as client:
        first = await snapshot.poll_instance(NAME, client, now=sim.now)
        assert first.ok and first.baseline and first.events == []
        job = sim.find_jobs(root=True)[0]
        sim.script_job(job["id"], "abend")
        sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
        await snapshot.poll_instance(NAME, client, now=sim.now)
        again = await snapshot.poll_instance(NAME, client, now=sim.now, cache=snapshot.SnapshotCache())
        assert again.events == [] and again.jobs_changed == 0
    with session_scope() as db:
        abended = db.exec(select(TwsEvent).where(TwsEvent.type == "job_abended", TwsEvent.job_id == job["id"])).all()
    assert len(abended) == 1
    # reads: case-insensitive search (ILIKE here), status filter, sort, counts cached per poll
    name = job["name"]
    for needle in (name.lower(), name.upper(), name[1:5].lower()):
        found = queries.jobs(NAME, q=needle, limit=500)
        assert job["id"] in [r["id"] for r in found["results"]], needle
    assert queries.jobs(NAME, q=name, limit=500) == queries.jobs(NAME, q=name, limit=500)
    abend = queries.jobs(NAME, status="ABEND")
    assert abend["count"] == 1 and abend["results"][0]["id"] == job["id"]
    rows = queries.jobs(NAME, status="SUCC,ABEND", sort="-end", limit=500)["results"]
    ends = [r["end"] for r in rows]
    assert ends == sorted(ends, reverse=True)
    detail = queries.job(NAME, job["id"])
    assert detail["history"] and detail["history"][0]["status"] == "ABEND"
    page = event_queries.events(NAME, severity="critical", q=name.lower())
    assert page["count"] == 1 and page["results"][0]["type"] == "job_abended"
    # retention on PostgreSQL: everything is younger than the cut, then older
    assert not any(retention.cleanup(sim.now).values())
    removed = retention.cleanup(sim.now + timedelta(days=31))
    assert removed["tws_events"] >= 1 and removed["tws_job_runs"] >= 1
