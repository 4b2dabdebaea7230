"""/monitoring and /realtime-dashboard in headless Chromium against a simulator with the engine behaviours of
issue 16 on (every agent without ONLINE, stream dependencies, extended statuses): what an operator sees.

- /realtime-dashboard: agents without ONLINE are linked (green), and the instance is not degraded by them.
- /monitoring: the extended statuses are chips with counts (FAIL, ERROR, PEND, SCHED …; "All failed" when several
  failed statuses are present) and badges; a failed row is highlighted red, a PEND row as waiting on an operator;
  the drawer of a job that follows a whole job stream lists that stream as a job stream.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.tws_simulator.behaviours import Behaviours
from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import save_shot, wait_hydrated

NAME = "quirky"
POLL_S = 5


@pytest.fixture(scope="module")
def sim():
    start = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(second=0, microsecond=0)
    behaviours = Behaviours(agents_without_online=1.0, stream_dependencies=1.0, extended_statuses=1.0)
    simulator = Simulator(jobs=300, seed=11, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0,
                          flap_rate=0.0, critical_rate=1.0, behaviours=behaviours,
                          password="Sim-Quirks-" + start.strftime("%H%M%S")).start()
    yield simulator
    simulator.stop()


def _job_status(live_server, job_id: str) -> str:
    return live_server.get_json(f"/api/v1/tws/jobs/{job_id}?log=false", auth=None)["status"]


@pytest.fixture(scope="module")
def polled(live_server, sim):
    """The simulator as the only instance, polled every 5 s, after its scripted jobs FAIL, ERROR and PEND."""
    roots = [j for j in sim.find_jobs(root=True) if j["status"] in ("HOLD", "READY")]
    scripted = dict(zip(("fail", "error", "pend"), sorted(roots, key=lambda j: j["at"])[:3]))
    for outcome, job in scripted.items():
        sim.script_job(job["id"], outcome)
    wanted = {"fail": "FAIL", "error": "ERROR", "pend": "PEND"}
    sim.run_until(lambda s: all(s.job_info(j["id"])["status"] == wanted[o] for o, j in scripted.items()),
                  step=5, max_seconds=2 * 86400)
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": NAME, "instances": [{
        "name": NAME, "display_name": "Quirky engine", "base_url": sim.base_url, "username": sim.username,
        "password": sim.password}]})
    assert answer.status_code == 200, answer.text
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": POLL_S, "tws_dashboard_refresh_seconds": POLL_S})
    deadline = time.monotonic() + 90
    while not live_server.get_json("/api/v1/tws/summary", auth=None)["as_of"] or any(
            _job_status(live_server, j["id"]) != wanted[o] for o, j in scripted.items()):
        assert time.monotonic() < deadline, "the server never polled the simulator"
        time.sleep(0.5)  # waiting for the background poller, not a timing assertion
    yield scripted
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    live_server.reset_config()


def _open(pg, path: str) -> None:
    pg.goto(path)
    expect(pg).to_have_url(re.compile(re.escape(path.split("?")[0])))
    wait_hydrated(pg)


def test_agents_without_online_are_linked_on_the_dashboard(page, live_server, sim, polled, request):
    assert any(not sim.workstation_info(n)["reports_online"] for n in sim.workstation_names())
    _open(page, "/realtime-dashboard")
    tiles = page.locator("[data-workstation]")
    expect(tiles).to_have_count(len(sim.workstation_names()))
    expect(page.locator("[data-workstation]:not([data-link=linked])")).to_have_count(0)
    assert live_server.get_json("/api/v1/tws/summary", auth=None)["workstations"]["unlinked"] == 0
    save_shot(page, "behaviours-realtime", request, full_page=True)


def test_extended_statuses_and_a_stream_predecessor_on_monitoring(signed_in_page, live_server, sim, polled,
                                                                    request):
    page = signed_in_page
    _open(page, "/monitoring")
    for status in ("FAIL", "ERROR", "PEND", "SCHED"):
        count = live_server.get_json(f"/api/v1/tws/jobs?status={status}&limit=1", auth=None)["count"]
        expect(page.locator(f"[data-chip='{status}']")).to_contain_text(str(count))
    failed = live_server.get_json("/api/v1/tws/summary", auth=None)["counts"]["failed"]
    expect(page.locator("[data-chip=FAILED]")).to_contain_text(str(failed))
    page.locator("[data-chip=FAILED]").click()
    rows = page.locator("#jobs-table tbody tr")
    expect(rows).to_have_count(failed)
    expect(page.locator("#jobs-table tbody tr:not([data-flag=abend])")).to_have_count(0)
    expect(rows.first).to_contain_text("failed")
    save_shot(page, "behaviours-monitoring-failed", request)
    page.locator("[data-chip=PEND]").click()
    expect(rows.first).to_have_attribute("data-flag", "attention")
    expect(rows.first).to_contain_text("needs an operator")
    save_shot(page, "behaviours-monitoring-pend", request)
    # a job that follows a whole job stream: its drawer lists that stream as a job stream (once the poller's
    # dependency look-ups, critical jobs first and then upstream, have reached it)
    followers = [j for j in sim.find_jobs() if j["stream_predecessors"]]
    deadline, follower = time.monotonic() + 120, None
    while follower is None:
        follower = next((j for j in followers if live_server.get_json(
            f"/api/v1/tws/jobs/{j['id']}?log=false", auth=None)["dependencies"]["predecessors"]), None)
        assert follower is not None or time.monotonic() < deadline, "no stream predecessor was looked up"
        time.sleep(0 if follower else 1)  # waiting for the background crawl, not a timing assertion
    page.locator("[data-chip=all]").click()
    page.locator("#job-search").fill(follower["id"])
    page.locator("#job-search").press("Enter")
    expect(rows).to_have_count(1)
    rows.first.locator("[data-open-job]").click()
    drawer = page.locator("#job-drawer")
    stream = drawer.locator("[data-dep-kind=stream]")
    expect(stream).to_have_count(1)
    expect(stream).to_contain_text("job stream")
    expect(stream).to_contain_text("jobs done")
    save_shot(page, "behaviours-monitoring-drawer", request)
