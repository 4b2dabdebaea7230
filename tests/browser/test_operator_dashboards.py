"""/realtime-dashboard and /monitoring in headless Chromium against the production build and a simulator.

The server's elected poller polls a simulator started by this test (5 s); the dashboard refreshes every 5 s.
- Realtime: the simulator abends a job → the dashboard's feed and its Failed tile show it within one refresh
  interval of the poll that saw it, without a reload, and the "updated" marker moves on by itself.
- Monitoring: 50 rows a page, paging, a status chip, sorting, search, the job drawer (dependencies, history, log,
  actions for a signed-in admin only; an anonymous visitor sees none).
- Both pages at 390 px: nothing scrolls sideways.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import ROOT, assert_no_sideways_scroll, wait_hydrated

NAME = "opsim"
POLL_S = 5
REFRESH_S = 5
UI_SLOW_MS = 45_000
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def sim():
    start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    simulator = Simulator(jobs=400, seed=8, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0,
                          flap_rate=0.0, password="Sim-Ops-Pw-" + start.strftime("%H%M%S")).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def polled(live_server, sim):
    """The simulator as the server's only instance, polled every 5 s; waits for the first poll."""
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": NAME, "instances": [{
        "name": NAME, "display_name": "Ops simulator", "base_url": sim.base_url, "username": sim.username,
        "password": sim.password}]})
    assert answer.status_code == 200, answer.text
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": POLL_S, "tws_dashboard_refresh_seconds": REFRESH_S})
    deadline = time.monotonic() + 60
    while not live_server.get_json("/api/v1/tws/summary", auth=None)["as_of"]:
        assert time.monotonic() < deadline, "the server never polled the simulator"
        time.sleep(0.5)  # waiting for a background poller, not a timing assertion
    yield
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    live_server.reset_config()


def _open(pg, path: str) -> None:
    route, _, query = path.partition("?")
    pg.goto(path)
    expect(pg).to_have_url(re.compile(re.escape(route) + "/?" + (re.escape("?" + query) if query else "") + "$"))
    wait_hydrated(pg)


def _next_root_job(sim) -> dict:
    now = sim.now
    jobs = [j for j in sim.find_jobs(root=True) if j["status"] not in ("SUCC", "ABEND", "EXEC")]
    return min(jobs, key=lambda j: (datetime.fromisoformat(j["at"].replace("Z", "+00:00")) < now, j["at"]))


def _last_poll(live_server) -> str:
    return live_server.get_json("/api/v1/tws/summary", auth=None)["poller"]["last_poll_at"] or ""


def test_realtime_shows_an_abend_without_a_reload(page, live_server, sim, polled):
    _open(page, "/realtime-dashboard")
    expect(page.locator("#health-banner")).to_have_attribute("data-health", re.compile("healthy|degraded|critical"))
    expect(page.locator("[data-workstation]").first).to_be_visible()
    failed = page.locator("[data-kpi-value=failed]")
    before = int(failed.inner_text())
    marker = page.locator("#updated-marker")
    first_update = marker.get_attribute("data-updated")
    expect(marker).not_to_have_attribute("data-updated", first_update or "", timeout=UI_SLOW_MS)  # moves by itself
    page.evaluate("window.__noReload = 'same page'")
    # the user allowed notifications: a stand-in records what the page shows
    page.evaluate("""() => { window.__notes = []; window.Notification = class {
        static permission = 'granted';
        constructor(title, options) { window.__notes.push(title + ': ' + options.body); } }; }""")

    job = _next_root_job(sim)
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND", max_seconds=2 * 86400)
    # the poll that sees the abend: then the page must show it within one refresh interval
    polls_before = _last_poll(live_server)
    deadline = time.monotonic() + 60
    while live_server.get_json(f"/api/v1/tws/jobs/{job['id']}?log=false", auth=None)["status"] != "ABEND":
        assert time.monotonic() < deadline, "the poller did not see the abend"
        time.sleep(0.2)  # waiting for the background poller, not a timing assertion
    assert _last_poll(live_server) != polls_before
    row = page.locator("[data-event-type=job_abended]").filter(has_text=job["name"])
    expect(row).to_have_count(1, timeout=(REFRESH_S + 1) * 1000)
    expect(failed).to_have_text(str(before + 1), timeout=(REFRESH_S + 1) * 1000)
    assert page.evaluate("window.__noReload") == "same page"
    notes = page.evaluate("window.__notes")
    assert any("job abended" in n and job["name"] in n for n in notes), notes  # critical: a browser notification
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "realtime-dashboard.png"), full_page=True)


def test_monitoring_pages_filters_sorts_and_opens_a_job(signed_in_page, live_server, sim, polled):
    page = signed_in_page
    _open(page, "/monitoring")
    rows = page.locator("#jobs-table tbody tr")
    expect(rows).to_have_count(50)
    total = live_server.get_json("/api/v1/tws/jobs?limit=1", auth=None)["count"]
    expect(page.locator("#page-label")).to_have_text(f"1–50 of {total:,}")
    page.locator("#page-next").click()
    expect(page.locator("#page-label")).to_have_text(f"51–100 of {total:,}")
    expected = live_server.get_json("/api/v1/tws/jobs?limit=50&offset=50&sort=name", auth=None)["results"]
    expect(rows.first).to_have_attribute("data-job", expected[0]["name"])

    # sort by job, descending: the API's first row of the same sort
    page.locator("[data-sort=job]").click()
    expect(page.locator("[data-sort=job]")).to_have_attribute("data-sorted", "desc")
    top = live_server.get_json("/api/v1/tws/jobs?limit=1&sort=-name", auth=None)["results"][0]
    expect(rows.first).to_have_attribute("data-job", top["name"])
    expect(page.locator("#page-label")).to_contain_text("1–")

    # a status chip: its count is the filtered count
    succ = page.locator("[data-chip=SUCC]")
    count = live_server.get_json("/api/v1/tws/jobs?status=SUCC&limit=1", auth=None)["count"]
    expect(succ).to_contain_text(str(count))
    succ.click()
    expect(succ).to_have_attribute("data-active", "true")
    expect(page.locator("#page-label")).to_contain_text(f"of {count:,}")
    expect(page.locator("#jobs-table tbody tr:not([data-status=SUCC])")).to_have_count(0)

    # search, then the drawer of the found job
    page.locator("[data-chip=all]").click()
    name = live_server.get_json("/api/v1/tws/jobs?status=HOLD,READY,WAIT&limit=1&sort=-name",
                                auth=None)["results"][0]["name"]  # a job the simulator lets an operator hold
    page.locator("#job-search").fill(name)
    page.locator("#job-search").press("Enter")
    expect(rows.first).to_have_attribute("data-job", name)
    rows.first.locator("[data-open-job]").click()
    drawer = page.locator("#job-drawer")
    expect(drawer).to_have_attribute("data-job", name)
    expect(drawer).to_contain_text("Predecessors")
    expect(drawer).to_contain_text("History")
    expect(drawer.locator("#job-log")).to_be_visible(timeout=UI_SLOW_MS)
    expect(drawer.locator("[data-action=hold]")).to_be_visible()  # a signed-in admin may act
    page.screenshot(path=str(SCREENSHOTS / "monitoring.png"), full_page=False)
    drawer.locator("[data-action=hold]").click()
    expect(drawer.locator("#action-result")).to_contain_text("Hold of job", timeout=UI_SLOW_MS)
    assert any(e["action"] == "tws.job.action" and name in e["target"] for e in live_server.audit(50))


def test_an_anonymous_visitor_sees_no_actions(page, live_server, sim, polled):
    _open(page, "/monitoring?filter=SUCC")
    expect(page.locator("[data-chip=SUCC]")).to_have_attribute("data-active", "true")
    page.locator("#jobs-table tbody tr").first.locator("[data-open-job]").click()
    drawer = page.locator("#job-drawer")
    expect(drawer.locator("#actions-signed-out")).to_be_visible()
    expect(drawer.locator("[data-action]")).to_have_count(0)


def test_the_dashboard_theme_comes_from_the_settings(page, live_server, sim, polled):
    live_server.config_update({"tws_dashboard_theme": "dark"})
    try:
        _open(page, "/realtime-dashboard")
        root = page.locator("#realtime-root")
        expect(root).to_have_attribute("data-theme", "dark")
        expect(root).to_have_class(re.compile(r"\bdark\b"))
        background = root.evaluate("el => getComputedStyle(el).backgroundColor")
        assert sum(int(c) for c in re.findall(r"\d+", background)[:3]) < 200, background  # a dark background
        expect(page.locator("#health-banner")).to_be_visible()
    finally:
        live_server.config_update({"tws_dashboard_theme": "auto"})


@pytest.mark.parametrize("path", ["/realtime-dashboard", "/monitoring"])
def test_phone_width(phone_page, live_server, sim, polled, path):
    _open(phone_page, path)
    if path == "/monitoring":
        expect(phone_page.locator("#jobs-table tbody tr")).to_have_count(50)
    else:
        expect(phone_page.locator("[data-workstation]").first).to_be_visible()
        expect(phone_page.locator("#updated-marker")).not_to_have_attribute("data-updated", "")
    assert_no_sideways_scroll(phone_page)
    if path == "/realtime-dashboard":
        phone_page.screenshot(path=str(SCREENSHOTS / "realtime-phone.png"), full_page=True)


@pytest.mark.parametrize("credential", ["none", "forged"])
def test_a_replayed_action_event_without_a_session_does_nothing(live_server, sim, polled, credential):
    """Any client can send any event: `act` without a signed-in operator is refused on the server (sent to /login),
    TWS receives no action and nothing is audited as done."""
    from resync_app.state.monitoring import MonitoringState
    from tests.support.raw_events import RawClient, RawEvent

    state = MonitoringState.get_full_name()
    job = live_server.get_json("/api/v1/tws/jobs?status=HOLD,READY,WAIT&limit=1", auth=None)["results"][0]
    audit_before = max(e["id"] for e in live_server.audit(auth="basic"))
    sim.clear_requests()
    with RawClient(live_server.base_url, {"none": None, "forged": "forged"}[credential]) as client:
        client.send(RawEvent(state, "/monitoring/", "open_job", {"job_id": job["id"]}))
        assert client.wait_for("job_facts", what="the drawer's data")
        client.send(RawEvent(state, "/monitoring/", "act", {"action": "cancel"}))
        assert client.wait_for(lambda s: s.redirects(), what="the refusal")
    assert all(path.startswith("/login") for path in client.session.redirects())
    assert not [r for r in sim.requests() if r[0] == "PUT" and "/action/" in r[1]]
    assert not [e for e in live_server.audit(auth="basic") if e["id"] > audit_before
                and e["action"].startswith("tws.job.action")]
