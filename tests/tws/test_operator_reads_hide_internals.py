"""Operator reads show no TWS internals (issue 15 item 9, CONTRACT §11): every operator route and operator page
state — summary, instances, events, workstations, jobs, a job with its log, the realtime dashboard, /monitoring,
the chat's fast path and tools, a refused action — is scanned for the TWS user name, host, port, the poller's
leader (`host:pid`), the engine's details and the raw error text. Operators get a plain state ("TWS refused the
credentials"); the admin pages and routes keep the detail.

The instance is the simulator with a distinctive user, polled once (baseline: engine info and leader stored), then
polled with a wrong password (an outage whose error names the user and address). An outage event stored in the
old form (TWS' error text in the message) is read too.
"""

from __future__ import annotations

import json
import re
import socket

import pytest

from resync_app.assistant import tools
from resync_app.assistant.fastpath import fast_path
from resync_app.assistant.plan import SnapshotReader
from resync_app.db import session_scope, utcnow
from resync_app.live import realtime
from resync_app.state import monitoring
from resync_app.tws import event_queries, instances, queries, service
from resync_app.tws.client import HWAClient
from resync_app.tws.election import identity
from resync_app.tws.models import TwsEvent
from resync_app.tws.snapshot import poll_instance

NAME = "prod"
USER = "svc-tws-7731"
WRONG = "not-the-password-1"


@pytest.fixture
def tws_user_sim(simulator_factory):
    return simulator_factory(username=USER)


@pytest.fixture
async def outage(clean_db, tws_user_sim):
    """The instance (disabled: the test polls, no background poller), polled well once, then refused."""
    sim = tws_user_sim
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": USER, "password": sim.password,
                               "enabled": False}, "tests")
    async with HWAClient(instances.get_instance(NAME).connection(retries=0)) as client:
        assert (await poll_instance(NAME, client, leader=identity())).ok  # real time: retention keeps it
    instances.update_instance(NAME, {"password": WRONG}, "tests")
    async with HWAClient(instances.get_instance(NAME).connection(retries=0)) as client:
        failed = await poll_instance(NAME, client, leader=identity())
    assert failed.error_kind == "unauthorized" and USER in failed.error  # the detail exists…
    with session_scope() as db:  # …and an outage event of the old form, TWS' error text in its message
        db.add(TwsEvent(at=utcnow(), instance=NAME, type="instance_unreachable", severity="critical",
                        message=f"TWS instance {NAME} cannot be polled: {failed.error}", dedupe_key="legacy-outage"))
    return sim


def _secrets(sim, raw_text: bool) -> list[str]:
    port = sim.base_url.rsplit(":", 1)[1]
    internals = [USER, sim.base_url, f"127.0.0.1:{port}", f":{port}", "127.0.0.1", identity(), "adminRoles",
                 "engine_info", WRONG, sim.password]
    return internals + (["refused the user", "(401)"] if raw_text else [])


def _leaks(sim, value, raw_text: bool = True) -> list[str]:
    """The internals found in `value`; `raw_text`: the client's raw error wording counts too (reads; an action's
    outcome keeps TWS' reason for the operator who asked)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    found = [s for s in _secrets(sim, raw_text) if s in text]
    if re.search(rf"(?<![\w-]){re.escape(socket.gethostname())}(?![\w-])", text):
        found.append("hostname")
    return found


OPERATOR_GETS = ["/api/v1/tws/instances", "/api/v1/tws/summary", f"/api/v1/tws/summary?instance={NAME}",
                 "/api/v1/tws/events", f"/api/v1/tws/events?instance={NAME}&limit=500",
                 "/api/v1/tws/events?type=instance_unreachable", "/api/v1/tws/workstations",
                 "/api/v1/tws/jobs?limit=500", "/api/v1/tws/critical-jobs", "/api/v1/tws/polls",
                 "/api/v1/metrics/summary"]


def test_operator_routes_show_a_plain_state_and_no_internals(outage, api, operator_headers):
    sim = outage
    job_id = sim.find_jobs(root=True)[0]["id"]
    paths = [*OPERATOR_GETS, f"/api/v1/tws/jobs/{job_id}", f"/api/v1/tws/jobs/{job_id}/threats"]
    for headers in ({}, operator_headers):  # anonymous and signed-in operators alike
        for path in paths:
            answer = api.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.text)
            assert _leaks(sim, answer.text) == [], (path, answer.text[:400])
    summary = api.get("/api/v1/tws/summary").json()
    assert summary["poller"]["last_error"] == "TWS refused the credentials"
    assert "leader" not in summary["poller"] and "engine_info" not in summary
    messages = {e["message"] for e in api.get("/api/v1/tws/events?type=instance_unreachable").json()["results"]}
    assert messages == {f"TWS instance {NAME} cannot be polled: TWS refused the credentials",
                        f"TWS instance {NAME} cannot be polled."}
    for probe in (USER, "127.0.0.1", "refused the user"):  # searching cannot tell an old message's text either
        assert api.get(f"/api/v1/tws/events?q={probe}").json()["count"] == 0
    log = api.get(f"/api/v1/tws/jobs/{job_id}").json()["log_excerpt"]
    assert log["text"] is None and log["error"] == "The log could not be read: TWS refused the credentials."


async def test_operator_pages_and_the_chat_show_no_internals(outage):
    sim = outage
    job = sim.find_jobs(root=True)[0]
    realtime.cache.clear()
    assert _leaks(sim, realtime.build(NAME)) == []
    assert _leaks(sim, monitoring.load_page(NAME)) == []
    drawer_log = await service.log_excerpt(NAME, job["id"])  # what the /monitoring drawer shows
    assert _leaks(sim, drawer_log) == [] and drawer_log["error"]
    reader = SnapshotReader(with_log=True)
    for question in ("how is TWS doing?", "what happened in the last 24 hours?", "show recent critical events",
                     f"show the log of {job['name']}", "which workstations are unlinked?"):
        answer = await fast_path(question, reader, instance=NAME)
        assert answer is not None, question
        assert _leaks(sim, answer.text) == [], (question, answer.text)
    for name, arguments in (("plan_summary", {}), ("recent_events", {"limit": 50}), ("workstations", {}),
                            ("job_log", {"job": job["name"]}), ("get_job", {"job": job["name"]})):
        outcome = await tools.run_tool(name, arguments, reader, NAME)
        assert _leaks(sim, tools.as_text(outcome.result)) == [], (name, outcome.result)


async def test_a_refused_action_tells_the_operator_why_without_the_address_or_user(clean_db, tws_user_sim):
    sim = tws_user_sim
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": USER, "password": WRONG}, "tests")
    with pytest.raises(service.ActionError) as caught:
        await service.perform_action(NAME, sim.find_jobs(root=True)[0]["id"], "hold", "oper")
    assert caught.value.status == 502
    assert _leaks(sim, caught.value.message, raw_text=False) == [], caught.value.message
    assert "TWS refused" in caught.value.message and "check the username and password" in caught.value.message


async def test_a_tws_refusal_keeps_its_reason(clean_db, tws_user_sim):
    sim = tws_user_sim
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": USER, "password": sim.password},
                              "tests")
    with pytest.raises(service.ActionError) as caught:
        await service.perform_action(NAME, sim.find_jobs(root=True)[0]["id"], "release", "oper")  # not held
    assert "AWSJSM103E" in caught.value.message and _leaks(sim, caught.value.message, raw_text=False) == []


def test_admins_keep_the_detail(outage, api, admin_headers):
    sim = outage
    [status] = api.get("/api/v1/admin/tws/poller", headers=admin_headers).json()
    assert status["leader"] == identity()
    assert USER in status["last_error"] and sim.base_url.split("//")[1] in status["last_error"]
    assert status["engine_info"]["adminRoles"]
    admin_events = event_queries.events(NAME, q=USER, detail=True)["results"]
    assert any(USER in e["message"] for e in admin_events)  # the old event's text, on /admin/proactive
    assert "refused the user" in queries.summary(NAME, detail=True)["poller"]["last_error"]
