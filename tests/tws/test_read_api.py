"""Operator reads (CONTRACT §9) over a seeded plan of a few thousand simulated jobs: summary, jobs (filters, sort,
paging, 422s), job detail (dependencies, history, log excerpt on demand), events. No admin login, and no TWS call
per request except the job's log excerpt (checked on the simulator's request log)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from resync_app.db import session_scope, utcnow
from resync_app.tws import instances, service, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent, TwsPlanJob
from resync_app.tws_simulator.simulator import Simulator
from tests.support import dbutil

NAME = "prod"
JOBS = 3000


@pytest.fixture(scope="module")
def seeded(database_url):
    """A plan of 3 000 jobs, polled (baseline + three steps of half an hour), on a clock close to the real one
    (so the app's own retention and flags agree); the background poller is paused."""
    dbutil.use_database(database_url)
    dbutil.clean_tables()
    dbutil.reset_services()
    start = (utcnow() - timedelta(hours=14)).replace(minute=0, second=0, microsecond=0)
    sim = Simulator(jobs=JOBS, seed=11, start=start, abend_rate=0.06, stuck_rate=0.01, late_rate=0.03,
                    flap_rate=0.0).start()
    try:
        sim.advance(hours=12)
        instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                                   "password": sim.password}, "tests")
        instances.create_instance({"name": "other", "base_url": "http://127.0.0.1:9", "username": "u",
                                   "password": "pw-123456", "enabled": False}, "tests")
        service.set_paused(NAME, True, "tests")

        async def polls():
            async with HWAClient(sim.connection()) as client:
                cache = snapshot.SnapshotCache()
                for step in range(4):
                    if step:
                        sim.advance(minutes=30)
                    await snapshot.poll_instance(NAME, client, now=sim.now, cache=cache)

        asyncio.run(polls())
        from resync_app.api.app import create_api

        with TestClient(create_api(standalone=True), raise_server_exceptions=False) as client:
            yield client, sim
    finally:
        sim.stop()
        dbutil.reset_services()


def _db_jobs(**where) -> list[TwsPlanJob]:
    with session_scope() as db:
        query = select(TwsPlanJob).where(TwsPlanJob.instance == NAME)
        for key, value in where.items():
            query = query.where(getattr(TwsPlanJob, key) == value)
        return list(db.exec(query))


def _hwa_requests(sim) -> int:
    return len([r for r in sim.requests() if r[1].startswith("/twsd/")])


def test_summary(seeded):
    api, sim = seeded
    answer = api.get("/api/v1/tws/summary")  # no instance: the primary (the first configured)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["instance"] == NAME and data["stale_since"] is None and data["as_of"]
    assert data["health"] in ("healthy", "degraded", "critical")
    assert data["counts"]["total"] == len(_db_jobs()) == sum(data["status_counts"].values()) >= JOBS
    assert set(data["counts"]) >= {"running", "completed", "failed", "pending", "late", "stuck", "total"}
    assert data["counts"]["failed"] == sum(v for k, v in data["status_counts"].items() if k in ("ABEND", "FAIL"))
    assert data["workstations"]["total"] == len(sim.workstation_names())
    assert api.get("/api/v1/tws/summary?instance=ghost").status_code == 404
    other = api.get("/api/v1/tws/summary?instance=other").json()
    assert other["polled"] is False and other["counts"]["total"] == 0


def test_jobs_default_page_and_row_shape(seeded):
    api, _ = seeded
    data = api.get("/api/v1/tws/jobs").json()
    assert data["count"] == len(_db_jobs()) >= JOBS and len(data["results"]) == 50
    names = [(r["name"], r["id"]) for r in data["results"]]
    assert names == sorted(names)
    row = data["results"][0]
    assert set(row) >= {"id", "name", "job_stream", "workstation", "status", "start", "end", "duration_s",
                        "return_code", "late", "stuck", "critical", "deadline", "risk", "confidence"}


def test_paging_walks_every_job_once(seeded):
    api, _ = seeded
    seen: list[str] = []
    offset = 0
    while True:
        page = api.get(f"/api/v1/tws/jobs?status=SUCC,ABEND&sort=-end&limit=500&offset={offset}").json()
        seen += [r["id"] for r in page["results"]]
        if len(page["results"]) < 500:
            break
        offset += 500
    expected = {j.job_id for j in _db_jobs(status="SUCC")} | {j.job_id for j in _db_jobs(status="ABEND")}
    assert len(seen) == len(set(seen)) == len(expected) == page["count"]
    assert set(seen) == expected


def test_status_filter(seeded):
    api, sim = seeded
    counts = api.get("/api/v1/tws/summary").json()["status_counts"]
    abend = api.get("/api/v1/tws/jobs?status=ABEND&limit=500").json()
    assert abend["count"] == counts["ABEND"] > 0
    assert {r["status"] for r in abend["results"]} == {"ABEND"}
    both = api.get("/api/v1/tws/jobs?status=abend,exec").json()  # case-insensitive, comma-separated
    assert both["count"] == counts["ABEND"] + counts.get("EXEC", 0)
    assert api.get("/api/v1/tws/jobs?status=CANCELLED").json()["count"] == counts.get("CANCL", 0)
    bad = api.get("/api/v1/tws/jobs?status=ABEND,BROKEN")
    assert bad.status_code == 422 and "BROKEN" in bad.json()["detail"]["errors"]["status"]


@pytest.mark.parametrize("sort, key, reverse", [
    ("name", "name", False), ("-name", "name", True), ("-start", "start", True), ("end", "end", False),
    ("duration", "duration_s", False), ("workstation", "workstation", False), ("status", "status", False),
])
def test_sort(seeded, sort, key, reverse):
    api, _ = seeded
    rows = api.get(f"/api/v1/tws/jobs?sort={sort}&status=SUCC&limit=300").json()["results"]
    values = [r[key] for r in rows if r[key] is not None]
    assert len(values) > 10
    assert values == sorted(values, reverse=reverse)


@pytest.mark.parametrize("query, param", [
    ("sort=colour", "sort"), ("limit=501", "limit"), ("limit=0", "limit"), ("limit=abc", "limit"),
    ("offset=-1", "offset"), ("risk=extreme", "risk"), ("offset=99999999999999999999", "offset"),
])
def test_bad_parameters_422(seeded, query, param):
    api, _ = seeded
    answer = api.get(f"/api/v1/tws/jobs?{query}")
    assert answer.status_code == 422, answer.text
    assert param in answer.json()["detail"]["errors"]


def test_an_offset_beyond_the_database_integer_is_422_for_events_too(seeded):
    api, _ = seeded
    answer = api.get("/api/v1/tws/events?offset=99999999999999999999")
    assert answer.status_code == 422, answer.text
    assert "offset" in answer.json()["detail"]["errors"]


def test_workstation_stream_and_search_filters(seeded):
    api, _ = seeded
    some = _db_jobs()[123]
    by_ws = api.get(f"/api/v1/tws/jobs?workstation={some.workstation}&limit=500").json()
    assert by_ws["count"] == len(_db_jobs(workstation=some.workstation))
    assert {r["workstation"] for r in by_ws["results"]} == {some.workstation}
    by_stream = api.get(f"/api/v1/tws/jobs?stream={some.job_stream}&limit=500").json()
    assert by_stream["count"] == len(_db_jobs(job_stream=some.job_stream)) > 0
    needle = some.name[2:7].lower()
    found = api.get(f"/api/v1/tws/jobs?q={needle}&limit=500").json()
    assert found["count"] >= 1 and all(needle in (r["name"] + r["job_stream"] + r["workstation"]).lower()
                                       for r in found["results"])
    assert api.get("/api/v1/tws/jobs?q=%25").json()["count"] == 0  # % is a character, not a wildcard


def test_flags_and_critical_rows(seeded):
    api, _ = seeded
    critical = api.get("/api/v1/tws/jobs?critical=true&limit=500").json()
    assert critical["count"] == len(_db_jobs(critical=True)) > 0
    with_deadline = [r for r in critical["results"] if r["deadline"]]
    assert with_deadline and all(r["risk"] in ("normal", "potential", "high") for r in with_deadline)
    assert all(0.0 <= r["confidence"] <= 1.0 for r in with_deadline)
    late = api.get("/api/v1/tws/jobs?late=true&limit=500").json()
    assert late["count"] == len(_db_jobs(late=True)) and all(r["late"] for r in late["results"])
    crit = api.get("/api/v1/tws/critical-jobs").json()
    confidences = [r["confidence"] for r in crit]
    assert confidences == sorted(confidences)


def test_critical_jobs_at_risk_are_the_ones_the_tile_counts(seeded):
    """The dashboard's "critical at risk" list and the jobs filter apply the tile's rule: a critical job whose
    deadline has passed is missed, not at risk."""
    api, _ = seeded
    listed = {r["id"] for r in api.get("/api/v1/tws/critical-jobs?at_risk=true").json()}
    filtered = api.get("/api/v1/tws/jobs?at_risk=true&limit=500").json()
    assert listed == {r["id"] for r in filtered["results"]}
    assert all(r["at_risk"] for r in filtered["results"])  # the row's flag (the monitoring page's highlight)
    critical = api.get("/api/v1/tws/jobs?critical=true&limit=500").json()["results"]
    assert {r["id"] for r in critical if r["at_risk"]} == listed
    assert len(listed) == filtered["count"]
    # the tile was counted at the last poll: since then deadlines can only have passed
    assert filtered["count"] <= api.get("/api/v1/tws/summary").json()["counts"]["at_risk"]
    missed = [j for j in _db_jobs(critical=True) if j.risk in ("potential", "high") and j.deadline is not None
              and j.status not in ("SUCC", "SUCCP", "COMPLT", "END") and j.deadline < utcnow()]
    assert missed and not listed & {j.job_id for j in missed}  # the seeded plan has missed deadlines


def test_poll_history(seeded):
    api, _ = seeded
    rows = api.get("/api/v1/tws/polls?hours=48").json()
    assert len(rows) == 4 and all(r["ok"] for r in rows)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert rows[-1]["total"] == api.get("/api/v1/tws/summary").json()["counts"]["total"]
    assert api.get("/api/v1/tws/polls?hours=0").status_code == 422


def test_reads_make_no_tws_call(seeded):
    api, sim = seeded
    before = _hwa_requests(sim)
    for path in ("/api/v1/tws/summary", "/api/v1/tws/jobs?status=EXEC", "/api/v1/tws/events",
                 "/api/v1/tws/workstations", "/api/v1/tws/instances", "/api/v1/tws/critical-jobs",
                 "/api/v1/tws/polls"):
        assert api.get(path).status_code == 200, path
    job = _db_jobs(status="SUCC")[0]
    assert api.get(f"/api/v1/tws/jobs/{job.job_id}?log=false").status_code == 200
    assert _hwa_requests(sim) == before


def test_job_detail_with_dependencies_history_and_log(seeded):
    api, sim = seeded
    job = next(j for j in _db_jobs(status="SUCC") if sim.job_info(j.job_id)["predecessors"])
    before = _hwa_requests(sim)
    answer = api.get(f"/api/v1/tws/jobs/{job.job_id}")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["id"] == job.job_id and data["status"] == "SUCC"
    assert {"dependencies", "history", "log_excerpt"} <= set(data)
    assert data["history"] and data["history"][0]["status"] == "SUCC"
    assert data["log_excerpt"]["text"] and data["log_excerpt"]["error"] is None
    assert _hwa_requests(sim) > before  # the log came from TWS …
    after = _hwa_requests(sim)
    again = api.get(f"/api/v1/tws/jobs/{job.job_id}").json()
    assert again["log_excerpt"]["cached"] is True and _hwa_requests(sim) == after  # … once, then from the cache
    assert api.get("/api/v1/tws/jobs/not-a-job").status_code == 404
    assert api.get(f"/api/v1/tws/jobs/{job.job_id}?instance=ghost").status_code == 404


def test_events(seeded):
    api, _ = seeded
    data = api.get("/api/v1/tws/events?limit=500").json()
    with session_scope() as db:
        total = db.exec(select(func.count()).select_from(TwsEvent)).one()
    assert data["count"] == total > 0
    ids = [e["id"] for e in data["results"]]
    assert ids == sorted(ids, reverse=True)
    assert set(data["results"][0]) >= {"id", "at", "instance", "type", "severity", "job", "workstation", "message"}
    critical = api.get("/api/v1/tws/events?severity=critical&limit=500").json()
    assert critical["results"] and {e["severity"] for e in critical["results"]} == {"critical"}
    started = api.get("/api/v1/tws/events?type=job_started,job_completed").json()
    assert {e["type"] for e in started["results"]} <= {"job_started", "job_completed"}
    assert api.get(f"/api/v1/tws/events?instance={NAME}").json()["count"] == total
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert api.get("/api/v1/tws/events", params={"since": future}).json()["count"] == 0
    for query, param in (("severity=urgent", "severity"), ("type=exploded", "type"), ("since=yesterday", "since"),
                         ("limit=1000", "limit")):
        answer = api.get(f"/api/v1/tws/events?{query}")
        assert answer.status_code == 422 and param in answer.json()["detail"]["errors"], query
    assert api.get("/api/v1/tws/events?instance=ghost").status_code == 404
