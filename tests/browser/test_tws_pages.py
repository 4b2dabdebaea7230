"""/admin/tws and /admin/proactive in headless Chromium against the production build.

An instance pointed at a simulator started by this test (the browser server runs with RESYNC_TWS_SIMULATOR=0) is
added through the page, tested, and polled by the server's elected poller; an abend scripted in the simulator
shows up on Proactive Monitoring without a reload. The TWS password is in no page, websocket frame, API answer or
server log line. Without a live admin session every handler of both pages is refused.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.state.proactive import ProactiveState
from resync_app.state.tws_config import TwsConfigState
from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import ROOT, frames_text, wait_hydrated
from tests.support.raw_events import RawEvent, send_raw_events

NAME = "browsersim"
UI_SLOW_MS = 45_000
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def sim():
    """A simulator on a free port, its manual clock an hour behind real time (the server's poller uses real time),
    no random faults: the test scripts what happens."""
    start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    simulator = Simulator(jobs=400, seed=5, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0,
                          flap_rate=0.0, password="Sim-Browser-Pw-" + start.strftime("%H%M%S")).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def clean_tws(live_server):
    """No TWS instance before and after the test; fast polling during it."""

    def wipe():
        answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
        assert answer.status_code == 200, answer.text

    wipe()
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": 5})
    yield
    wipe()
    live_server.reset_config()


def _open(page, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}/?$"))
    wait_hydrated(page)


def _next_root_job(sim) -> dict:
    now = sim.now
    jobs = [j for j in sim.find_jobs(root=True) if j["status"] not in ("SUCC", "ABEND", "EXEC")]
    return min(jobs, key=lambda j: (datetime.fromisoformat(j["at"].replace("Z", "+00:00")) < now, j["at"]))


def test_configure_test_and_see_an_abend_live(signed_in_page, live_server, ws_frames, sim, clean_tws):
    page = signed_in_page
    _open(page, "/admin/tws")
    expect(page.locator("#tws-empty")).to_be_visible()

    # add the instance through the dialog (a bad URL first: the API's own rule answers in the form)
    page.locator("[data-action=add-instance]").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Add a TWS instance")
    password_input = dialog.locator("input[data-tws-password], [data-tws-password] input").first
    expect(password_input).to_have_attribute("type", "password")
    dialog.locator("input[name=name]").fill(NAME)
    dialog.locator("input[name=display_name]").fill("Browser simulator")
    dialog.locator("input[name=base_url]").fill("ftp://" + sim.base_url.split("://")[1])
    dialog.locator("input[name=username]").fill(sim.username)
    password_input.fill(sim.password)
    posts = []
    page.on("request", lambda r: posts.append(r) if "/api/v1/ui/tws/" in r.url else None)
    dialog.locator("[data-action=save-instance]").click()
    expect(dialog.locator("[data-error=base_url]")).to_contain_text("http://")
    assert live_server.get_json("/api/v1/admin/tws-config")["instances"] == []  # nothing saved
    dialog.locator("input[name=base_url]").fill(sim.base_url)
    if not password_input.input_value():
        password_input.fill(sim.password)
    dialog.locator("[data-action=save-instance]").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    card = page.locator(f"[data-instance={NAME}]")
    expect(card).to_contain_text("Browser simulator")
    expect(card).to_contain_text("Password stored (encrypted)")
    expect(card).to_contain_text("Primary")
    config = live_server.get_json("/api/v1/admin/tws-config")
    assert config["primary_instance"] == NAME
    assert config["instances"][0]["base_url"] == sim.base_url and config["instances"][0]["password"] == "********"

    # Test connection: engine info and latency
    card.locator("[data-action=test]").click()
    result = card.locator("[data-test=ok]")
    expect(result).to_contain_text("Connected", timeout=UI_SLOW_MS)
    expect(result).to_contain_text("10.1")
    # the elected poller of the server polls it (baseline) and the card shows the outcome, live
    expect(card.locator("[data-poll=ok]")).to_contain_text("last poll", timeout=UI_SLOW_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tws-config.png"), full_page=True)

    # Proactive Monitoring: the poller's state, then an abend arrives without a reload
    _open(page, "/admin/proactive")
    poller = page.locator(f"[data-poller={NAME}]")
    expect(poller).to_contain_text("Leader worker")
    expect(poller.locator("[data-state]")).to_have_attribute("data-state", re.compile("waiting|polling"),
                                                             timeout=UI_SLOW_MS)
    page.evaluate("window.__noReload = 'still the same page'")
    job = _next_root_job(sim)
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND", max_seconds=2 * 86400)
    row = page.locator("[data-event-type=job_abended]").filter(has_text=job["name"])
    expect(row).to_have_count(1, timeout=UI_SLOW_MS)  # the next poll (5 s interval) brings it
    expect(row).to_contain_text("critical")
    assert page.evaluate("window.__noReload") == "still the same page"
    # filters narrow the stream, in the page
    page.locator("[data-filter=search]").fill(job["name"])
    page.locator("[data-filter=search]").press("Enter")
    expect(page.locator("#events-table tbody tr")).to_have_count(
        len(live_server.get_json(f"/api/v1/tws/events?q={job['name']}&limit=500", auth=None)["results"]))
    page.locator("[data-filter=search]").fill("")
    page.locator("[data-filter=search]").press("Enter")
    expect(poller).to_contain_text("failed")
    page.screenshot(path=str(SCREENSHOTS / "proactive.png"), full_page=True)

    # poll now and stop/start reach the leader
    poller.locator("[data-action=stop]").click()
    expect(poller.locator("[data-state]")).to_have_attribute("data-state", "paused", timeout=UI_SLOW_MS)
    poller.locator("[data-action=start]").click()
    expect(poller.locator("[data-state]")).to_have_attribute("data-state", re.compile("waiting|polling"),
                                                             timeout=UI_SLOW_MS)
    actions = [e["action"] for e in live_server.audit(100)]
    assert "tws.poller.stop" in actions and "tws.poller.start" in actions and "tws.instance.create" in actions

    # the password: sent once over HTTP to the page route, never back, never through the websocket, never logged
    secret = sim.password
    assert posts and all(r.method == "POST" for r in posts)
    assert any(secret in (r.post_data or "") for r in posts)
    assert secret not in page.content()
    _open(page, "/admin/tws")
    assert secret not in page.content()
    assert ws_frames and secret not in frames_text(ws_frames), "the TWS password travelled through the websocket"
    for path in ("/api/v1/admin/tws-config", "/api/v1/admin/tws/poller", "/api/v1/admin/audit?limit=500"):
        assert secret not in json.dumps(live_server.get_json(path))
    for path in ("/api/v1/tws/summary", "/api/v1/tws/events?limit=500", "/api/v1/tws/instances"):
        assert secret not in json.dumps(live_server.get_json(path, auth=None))
    assert secret not in live_server.log_path.read_text(errors="replace")


# ---- the front door -------------------------------------------------------------------------------------

CONFIG = TwsConfigState.get_full_name()
PROACTIVE = ProactiveState.get_full_name()
TWS_EVENTS = [
    RawEvent(CONFIG, "/admin/tws/", "load", {}),
    RawEvent(CONFIG, "/admin/tws/", "open_editor", {"name": NAME, "is_open": True}),
    RawEvent(CONFIG, "/admin/tws/", "saved", {"outcome": {"ok": True, "name": NAME}}),
    RawEvent(CONFIG, "/admin/tws/", "set_primary", {"name": NAME}),
    RawEvent(CONFIG, "/admin/tws/", "set_enabled", {"name": NAME, "enabled": False}),
    RawEvent(CONFIG, "/admin/tws/", "delete", {"name": NAME}),
    RawEvent(CONFIG, "/admin/tws/", "test", {"name": NAME}),
    RawEvent(CONFIG, "/admin/tws/", "watch", {"watch_id": 1}),
]
PROACTIVE_EVENTS = [
    RawEvent(PROACTIVE, "/admin/proactive/", "load", {}),
    RawEvent(PROACTIVE, "/admin/proactive/", "command", {"instance": NAME, "command": "stop"}),
    RawEvent(PROACTIVE, "/admin/proactive/", "command", {"instance": NAME, "command": "poll"}),
    RawEvent(PROACTIVE, "/admin/proactive/", "set_severity", {"value": "critical"}),
    RawEvent(PROACTIVE, "/admin/proactive/", "next_page", {}),
    RawEvent(PROACTIVE, "/admin/proactive/", "show_incident", {"incident_id": 1}),
    RawEvent(PROACTIVE, "/admin/proactive/", "watch", {"watch_id": 1}),
]


@pytest.mark.parametrize("credential", ["none", "forged", "signed-out"])
def test_tws_handlers_refuse_clients_without_a_live_session(live_server, sim, clean_tws, credential):
    answer = live_server.api("POST", "/api/v1/admin/tws-config/instances", json={
        "name": NAME, "base_url": sim.base_url, "username": sim.username, "password": sim.password,
        "enabled": False})
    assert answer.status_code == 201, answer.text
    cookie = {"none": None, "forged": "forged"}.get(credential)
    if credential == "signed-out":
        cookie = live_server.open_session_cookie()
        live_server.close_session_cookie(cookie)
    before_config = live_server.get_json("/api/v1/admin/tws-config")
    before_audit = max(e["id"] for e in live_server.audit(auth="basic"))
    requests_before = len(sim.requests())

    exchange = send_raw_events(live_server.base_url, TWS_EVENTS + PROACTIVE_EVENTS, cookie=cookie)

    assert not exchange.unanswered, (exchange.unanswered, exchange.text[:2000])
    redirects = exchange.redirects()
    assert len(redirects) >= len(TWS_EVENTS + PROACTIVE_EVENTS), exchange.text[:2000]
    assert all(path.startswith("/login?next=/admin/") for path in redirects), redirects
    for leaked in (TwsConfigState.get_name(), ProactiveState.get_name(), sim.base_url, sim.username):
        assert leaked not in exchange.text, f"{leaked!r} in the answers to a client without a session"
    assert live_server.get_json("/api/v1/admin/tws-config") == before_config
    new_audit = [e for e in live_server.audit(auth="basic") if e["id"] > before_audit]
    assert not [e for e in new_audit if e["action"].startswith("tws")], new_audit
    assert len(sim.requests()) == requests_before  # no Test connection reached TWS
    status = {s["instance"]: s for s in live_server.get_json("/api/v1/admin/tws/poller")}[NAME]
    assert status["paused"] is False
