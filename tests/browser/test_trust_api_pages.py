"""Issue 15 items 2 and 9 in headless Chromium against the production build.

- /admin/tws: moving an instance's base URL without typing the password is refused in the form (the password
  field says why, the message says nothing was changed, the typed values stay), nothing is stored and nothing
  reaches the new address (a loopback listener); typing the password saves the move.
- /realtime-dashboard and /monitoring, anonymous, while the instance's last poll was refused (wrong password):
  the pages show a plain state ("TWS refused the credentials") and neither the page nor any websocket frame holds
  the TWS user name, host:port or the poller's leader (host:pid).
"""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import frames_text, wait_hydrated
from tests.fakes.hwa_stub import HwaStub

NAME = "trustsim"
USER = "svc-browser-5521"
UI_SLOW_MS = 45_000


@pytest.fixture(scope="module")
def sim():
    start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    simulator = Simulator(jobs=200, seed=3, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0,
                          flap_rate=0.0, username=USER, password="Sim-Trust-Pw-" + start.strftime("%H%M%S")).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def configured(live_server, sim):
    """The simulator as the server's only instance, polled every 5 s."""

    def wipe():
        answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
        assert answer.status_code == 200, answer.text

    wipe()
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": 5, "tws_dashboard_refresh_seconds": 5})
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": NAME, "instances": [{
        "name": NAME, "display_name": "Trust simulator", "base_url": sim.base_url, "username": USER,
        "password": sim.password}]})
    assert answer.status_code == 200, answer.text
    yield
    wipe()
    live_server.reset_config()


def _open(pg, path: str) -> None:
    pg.goto(path)
    expect(pg).to_have_url(re.compile(re.escape(path) + "/?$"))
    wait_hydrated(pg)


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.5)  # waiting for the server's background poller, not a timing assertion


def test_the_tws_page_refuses_to_move_the_stored_password(signed_in_page, live_server, sim, configured):
    page = signed_in_page
    with HwaStub() as stub:
        _open(page, "/admin/tws")
        card = page.locator(f"[data-instance={NAME}]")
        card.locator("[data-action=edit]").click()
        dialog = page.get_by_role("dialog")
        dialog.locator("input[name=display_name]").fill("Moved simulator")
        dialog.locator("input[name=base_url]").fill(stub.base_url)
        dialog.locator("[data-action=save-instance]").click()
        error = dialog.locator("[data-error=password]")
        expect(error).to_contain_text("changing base_url")
        expect(error).to_contain_text("type the password again")
        expect(dialog.locator("#tws-form-message")).to_contain_text("Nothing was changed")
        expect(dialog.locator("input[name=base_url]")).to_have_value(stub.base_url)  # the form keeps its values
        expect(dialog.locator("input[name=display_name]")).to_have_value("Moved simulator")
        page.screenshot(path=str(_shot("tws-password-must-follow")), full_page=True)
        [stored] = live_server.get_json("/api/v1/admin/tws-config")["instances"]
        assert (stored["base_url"], stored["display_name"]) == (sim.base_url, "Trust simulator")  # nothing stored
        assert stub.requests == []

        password = dialog.locator("input[data-tws-password], [data-tws-password] input").first
        password.fill("Stub-Pa55word-typed")
        dialog.locator("[data-action=save-instance]").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        [stored] = live_server.get_json("/api/v1/admin/tws-config")["instances"]
        assert (stored["base_url"], stored["display_name"]) == (stub.base_url, "Moved simulator")
        card.locator("[data-action=test]").click()
        expect(card.locator("[data-test=ok]")).to_contain_text("Connected", timeout=UI_SLOW_MS)
        assert stub.authorizations and all("Basic " in a for a in stub.authorizations)
        assert sim.password not in " ".join(stub.authorizations)


def _shot(name: str):
    from tests.browser.conftest import RESULTS

    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"{name}.png"


def test_operator_pages_show_a_plain_state_and_no_tws_internals(page, live_server, ws_frames, sim, configured):
    _wait(lambda: live_server.get_json("/api/v1/tws/summary", auth=None)["as_of"], "the server never polled")
    answer = live_server.api("PUT", f"/api/v1/admin/tws-config/instances/{NAME}", json={"password": "Wrong-pw-77"})
    assert answer.status_code == 200, answer.text
    live_server.api("POST", f"/api/v1/admin/tws/poller/{NAME}/poll-now")
    _wait(lambda: live_server.get_json("/api/v1/tws/summary", auth=None)["stale_since"], "the poll never failed")
    [status] = live_server.get_json("/api/v1/admin/tws/poller")
    assert USER in status["last_error"] and status["leader"]  # the detail exists, for admins

    _open(page, "/realtime-dashboard")
    expect(page.locator("#health-banner")).to_contain_text("TWS unreachable")
    feed = page.locator("[data-event-type=instance_unreachable]")
    expect(feed.first).to_contain_text("TWS refused the credentials", timeout=UI_SLOW_MS)
    page.screenshot(path=str(_shot("realtime-plain-outage")), full_page=True)
    realtime_html = page.content()

    _open(page, "/monitoring")
    page.locator("[data-open-job]").first.click()
    drawer = page.locator("#job-drawer")
    expect(drawer).to_contain_text("The log could not be read: TWS refused the credentials", timeout=UI_SLOW_MS)
    page.screenshot(path=str(_shot("monitoring-plain-log-error")), full_page=True)

    address = sim.base_url.split("//", 1)[1]
    leader = re.compile(rf"{re.escape(status['leader'])}|{re.escape(socket.gethostname())}:\d+")
    for where, text in (("realtime page", realtime_html), ("monitoring page", page.content()),
                        ("websocket frames", frames_text(ws_frames))):
        assert USER not in text, where
        assert address not in text and f":{address.rsplit(':', 1)[1]}" not in text, where
        assert not leader.search(text), where
        assert "adminRoles" not in text, where
