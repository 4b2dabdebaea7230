"""`GET /api/v1/reports/shift` through the real ASGI app: every format, the default window, bad input (422, 404),
the operator-read rules (open, or closed to anonymous clients under RESYNC_OPERATOR_LOGIN=required; user names
for signed-in readers only; the public rate-limit class), and — the report's promise — its counts equal what
`GET /api/v1/tws/events`, the audit log and `GET /api/v1/tws/jobs` hold for the window: on the hand-made shift and
on a shift the real poller recorded from the bundled simulator, with actions sent through the real action route."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from resync_app.tws.plan_fields import SUCCESS_STATUSES
from tests.api.test_rate_limits import clock, configure  # noqa: F401 (fixture)
from tests.support import shift_seed
from tests.tws.conftest import simulator_factory  # noqa: F401 (fixture)
from tests.support.shift_seed import EXPECTED, INSTANCE

ROUTE = "/api/v1/reports/shift"
EVENT_TOTALS = {"job_started": "started", "job_completed": "completed", "job_abended": "abended",
                "job_late": "late", "job_stuck": "stuck"}
ACTION_TOTALS = {"rerun": "reruns", "hold": "holds", "release": "releases", "cancel": "cancels"}


@pytest.fixture
def seeded(clean_db):
    return shift_seed.seed()


def _window(start: datetime, end: datetime, **extra) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat(), **extra}


def test_json_is_the_hand_worked_shift(api, seeded):
    answer = api.get(ROUTE, params=_window(seeded.start, seeded.end, instance=INSTANCE))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["totals"] == EXPECTED["totals"]
    assert [r["job_id"] for r in report["abended"]] == EXPECTED["abended"]
    assert [r["job_id"] for r in report["missed"]] == EXPECTED["missed"]
    assert report["open_counts"] == EXPECTED["open_counts"]
    assert {k for k in ("instance", "from", "to", "totals", "abended", "actions", "late", "open")} <= set(report)
    assert set(report["abended"][0]) >= {"job", "job_stream", "workstation", "at", "return_code", "now_status"}
    assert set(report["actions"][0]) >= {"at", "user", "action", "job", "result"}


def test_the_primary_instance_and_the_last_eight_hours_by_default(api, seeded):
    report = api.get(ROUTE, params={"instance": INSTANCE}).json()
    start, end = datetime.fromisoformat(report["from"]), datetime.fromisoformat(report["to"])
    assert end - start == timedelta(hours=8)
    assert abs((end - datetime.now(timezone.utc)).total_seconds()) < 60
    assert api.get(ROUTE, params={"instance": INSTANCE, "hours": "2"}).json()["hours"] == 2
    primary = api.get(ROUTE).json()["instance"]  # no instance: the primary one (the first created)
    assert primary == api.get("/api/v1/tws/summary").json()["instance"] == INSTANCE


def test_markdown_and_csv_carry_the_json(api, seeded):
    params = _window(seeded.start, seeded.end, instance=INSTANCE)
    report = api.get(ROUTE, params=params).json()
    md = api.get(ROUTE, params={**params, "format": "md"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert md.headers["content-disposition"].startswith("inline; filename=\"shift-report-shift-tws-")
    assert f"## Abended ({report['totals']['abended']})" in md.text
    assert f"## Still open now ({report['open_counts']['total']})" in md.text
    assert all(f"`{r['job']}`" in md.text for r in report["abended"] if "`" not in r["job"])
    answer = api.get(ROUTE, params={**params, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["item"]: int(r["value"]) for r in rows if r["section"] == "totals"} == report["totals"]
    for section in ("abended", "actions", "late", "missed", "open"):
        assert [r["job_id"] for r in rows if r["section"] == section] == [r["job_id"] for r in report[section]]


@pytest.mark.parametrize("params, param", [
    ({"format": "xml"}, "format"), ({"from": "yesterday"}, "from"), ({"to": "2030-02-30T00:00"}, "to"),
    ({"hours": "0"}, "hours"), ({"hours": "eight"}, "hours"), ({"hours": "169"}, "hours"),
    ({"from": "2030-06-15T10:00Z", "hours": "2"}, "hours"),
    ({"from": "2030-06-15T10:00Z", "to": "2030-06-15T09:00Z"}, "from"),
    ({"from": "2030-06-01T00:00Z", "to": "2030-06-09T00:00Z"}, "to"),
])
def test_bad_parameters_are_422_and_say_which(api, seeded, params, param):
    answer = api.get(ROUTE, params={"instance": INSTANCE, **params})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert param in detail["errors"] and param in detail["message"]


def test_an_unknown_instance_is_404(api, seeded):
    answer = api.get(ROUTE, params={"instance": "ghost"})
    assert answer.status_code == 404 and "ghost" in answer.json()["detail"]
    assert api.get(ROUTE, params={"instance": "x" * 65}).status_code == 422


def test_user_names_are_for_signed_in_readers(api, seeded, operator_headers):
    params = _window(seeded.start, seeded.end, instance=INSTANCE)
    anonymous = api.get(ROUTE, params=params).json()
    assert anonymous["users_shown"] is False and {a["user"] for a in anonymous["actions"]} == {None}
    assert "alice" not in api.get(ROUTE, params={**params, "format": "md"}).text
    signed_in = api.get(ROUTE, params=params, headers=operator_headers).json()
    assert signed_in["users_shown"] is True
    assert [a["user"] for a in signed_in["actions"]] == [a[0] for a in EXPECTED["actions"]]
    assert api.get(ROUTE, params=params, headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_closed_to_anonymous_clients_when_operator_login_is_required(api, seeded, operator_login_required,
                                                                     operator_headers):
    params = _window(seeded.start, seeded.end, instance=INSTANCE)
    refused = api.get(ROUTE, params=params)
    assert refused.status_code == 401 and refused.json()["detail"]
    assert api.get(ROUTE, params={**params, "format": "xml"}).status_code == 401  # no hint before signing in
    answer = api.get(ROUTE, params=params, headers=operator_headers)
    assert answer.status_code == 200 and answer.json()["users_shown"] is True


def test_rate_limited_like_the_other_operator_reads(api, seeded, clock):  # noqa: F811
    from resync_app.web.routes import route_class

    assert route_class(ROUTE) == route_class("/api/v1/tws/events") == "public"
    configure(rate_limit_public_per_minute=3)
    statuses = [api.get(ROUTE, params={"instance": INSTANCE}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# ---- the counts are what the events API, the audit log and the jobs API hold --------------------------------

def _count_events(api, instance: str, kind: str, start: datetime, end: datetime) -> int:
    page = api.get("/api/v1/tws/events", params={"instance": instance, "type": kind, "since": start.isoformat(),
                                                 "until": end.isoformat(), "limit": 500})
    assert page.status_code == 200, page.text
    return page.json()


def _audited_actions(api, admin_headers, instance: str, start: datetime, end: datetime) -> list[dict]:
    entries = api.get("/api/v1/admin/audit?limit=1000", headers=admin_headers).json()
    return [e for e in reversed(entries) if e["action"].startswith("tws.job.action")
            and e["target"].startswith(f"{instance}/") and start <= datetime.fromisoformat(e["timestamp"]) < end]


def _missed_from_jobs_api(api, instance: str, start: datetime, end: datetime, now: datetime) -> set[str]:
    rows = api.get("/api/v1/tws/jobs", params={"instance": instance, "critical": "true", "limit": 500}).json()
    missed = set()
    for job in rows["results"]:
        deadline = datetime.fromisoformat(job["deadline"]) if job["deadline"] else None
        if deadline is None or not start <= deadline < min(end, now):
            continue
        ended_ok = job["status"] in SUCCESS_STATUSES and (not job["end"] or datetime.fromisoformat(job["end"])
                                                           <= deadline)
        if not ended_ok:
            missed.add(job["id"])
    return missed


def assert_counts_match_the_sources(api, admin_headers, operator_headers, instance, start, end) -> dict:
    report = api.get(ROUTE, params=_window(start, end, instance=instance), headers=operator_headers).json()
    totals = report["totals"]
    for kind, key in EVENT_TOTALS.items():
        events = _count_events(api, instance, kind, start, end)
        assert totals[key] == events["count"], (kind, start, end)
        if kind == "job_abended":
            assert [r["job_id"] for r in report["abended"]] == [e["job_id"] for e in reversed(events["results"])]
    at_risk = _count_events(api, instance, "deadline_at_risk", start, end)
    assert totals["critical_at_risk"] == len({e["job_id"] for e in at_risk["results"]})
    audited = _audited_actions(api, admin_headers, instance, start, end)
    for action, key in ACTION_TOTALS.items():
        assert totals[key] == sum(1 for e in audited if e["action"] == "tws.job.action"
                                  and e["detail"]["action"] == action), action
    assert totals["actions_failed"] == sum(1 for e in audited if e["action"] != "tws.job.action")
    assert [(a["user"], a["action"], a["job_id"]) for a in report["actions"]] == [
        (e["actor"], e["detail"]["action"], e["detail"]["job_id"]) for e in audited]
    now = datetime.fromisoformat(report["generated_at"])
    assert {r["job_id"] for r in report["missed"]} == _missed_from_jobs_api(api, instance, start, end, now)
    assert totals["critical_missed"] == len(report["missed"])
    return report


def test_counts_equal_the_events_api_and_the_audit_log_on_the_hand_made_shift(api, admin_headers, operator_headers,
                                                                              seeded):
    for start, end in ((seeded.start, seeded.end), (seeded.at(6, 0, 1), seeded.at(13, 59, 59)),
                       (seeded.at(3), seeded.at(10)), (seeded.at(10), seeded.end + timedelta(minutes=1))):
        assert_counts_match_the_sources(api, admin_headers, operator_headers, INSTANCE, start, end)


def test_counts_equal_the_events_api_and_the_audit_log_on_a_polled_shift(api, admin_headers, operator_headers,
                                                                         simulator_factory):
    """The real poller records three hours of a simulated plan (abends, late and stuck jobs, critical deadlines)
    while an operator reruns, holds, releases and cancels through the action route (one release refused)."""
    from resync_app.tws import instances, snapshot
    from resync_app.tws.client import HWAClient
    from tests.support.quiet_instance import enable_quietly

    # yesterday morning (a busy part of the plan, and before the actions' real timestamps)
    began = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    sim = simulator_factory(jobs=1200, seed=21, start=began, abend_rate=0.08, stuck_rate=0.02, late_rate=0.06,
                            critical_rate=0.15)
    instances.create_instance({"name": "sim", "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password, "enabled": False}, "tests")

    async def polls(count: int) -> None:
        async with HWAClient(sim.connection()) as client:
            for _ in range(count):
                sim.advance(minutes=10)
                await snapshot.poll_instance("sim", client, now=sim.now)

    def act(job_id: str, action: str) -> int:
        return api.post(f"/api/v1/tws/jobs/{job_id}/action", json={"action": action, "instance": "sim"},
                        headers=operator_headers).status_code

    asyncio.run(polls(9))
    enable_quietly("sim")  # a disabled instance refuses actions; its poller stays paused (the test polls)
    abended = api.get("/api/v1/tws/jobs", params={"instance": "sim", "status": "ABEND", "limit": 5}).json()
    waiting = api.get("/api/v1/tws/jobs", params={"instance": "sim", "status": "HOLD,READY,WAIT",
                                                  "limit": 5}).json()["results"]
    assert abended["count"] >= 1 and len(waiting) >= 3
    assert act(abended["results"][0]["id"], "rerun") == 200
    assert act(waiting[0]["id"], "hold") == 200
    assert act(waiting[0]["id"], "release") == 200
    assert act(waiting[1]["id"], "release") == 502  # not held: TWS refuses, audited as failed
    assert act(waiting[2]["id"], "cancel") == 200
    asyncio.run(polls(9))
    end = max(sim.now, datetime.now(timezone.utc)) + timedelta(minutes=1)
    report = assert_counts_match_the_sources(api, admin_headers, operator_headers, "sim", began, end)
    totals = report["totals"]
    assert totals["started"] >= 20 and totals["completed"] >= 50 and totals["abended"] >= 3  # not an empty shift
    assert totals["late"] >= 1 and totals["stuck"] >= 1 and totals["critical_missed"] >= 1
    assert totals["critical_at_risk"] >= 1
    assert (totals["reruns"], totals["holds"], totals["releases"], totals["cancels"],
            totals["actions_failed"]) == (1, 1, 1, 1, 1)
    middle = began + (end - began) / 2
    for start, stop in ((began, middle), (middle, end), (began + timedelta(minutes=45), middle)):
        assert_counts_match_the_sources(api, admin_headers, operator_headers, "sim", start, stop)
