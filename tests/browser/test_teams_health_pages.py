"""/admin/teams and /admin/health in headless Chromium against the production build.

Teams: the webhook URL typed in the page goes over HTTP (never the websocket) and comes back masked; a bad URL
shows the API's message and changes nothing; the test card reaches a loopback webhook; deliveries refresh live.
The URL is in no page HTML, websocket frame or server log line. Health: every component has a card with its real
check; "Check now" and a run made elsewhere update the page without a reload. Without a live admin session the
pages' handlers are refused. Screenshots: test-results/browser/, and docs/screenshots/ with
RESYNC_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from playwright.sync_api import expect

from resync_app.state.health import HealthState
from resync_app.state.teams_config import TeamsConfigState
from tests.browser.conftest import ROOT, frames_text, wait_hydrated
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.support.raw_events import RawEvent, send_raw_events

TEAMS_URL = "/api/v1/admin/teams-config"
UI_SLOW_MS = 30_000


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def teams_clean(live_server):
    """Teams as a fresh install has it, before and after."""
    body = {"enabled": False, "webhook_url": "", "channel_name": "", "bot_name": "Resync"}
    assert live_server.api("PUT", TEAMS_URL, json=body).status_code == 200
    yield
    assert live_server.api("PUT", TEAMS_URL, json=body).status_code == 200


def _open(page, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}/?$"))
    wait_hydrated(page)


def _publish_screenshot(path, name: str) -> None:
    if os.environ.get("RESYNC_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / "screenshots" / name)


def _history_checks(live_server, component: str = "database", trigger: str | None = None) -> int:
    points = live_server.get_json(f"/api/v1/admin/health/history?component={component}")["points"]
    return sum(p["triggers"].get(trigger, 0) if trigger else p["checks"] for p in points)


# ---- Teams ---------------------------------------------------------------------------------------------


def test_teams_page_sets_the_webhook_masked_and_the_test_card_arrives(
        signed_in_page, live_server, hook, teams_clean, ws_frames, screenshot):
    page = signed_in_page
    _open(page, "/admin/teams")
    expect(page.locator("#teams-destination")).to_have_text("No webhook URL stored")
    expect(page.locator("#tws-switch-off")).to_be_visible()
    posts = []
    page.on("request", lambda r: posts.append(r) if "/api/v1/ui/teams-config" in r.url else None)
    form = page.locator("[data-teams-form]")
    url_input = form.locator("input[data-teams-destination-input], [data-teams-destination-input] input").first
    expect(url_input).to_have_attribute("type", "password")

    # A URL the rules refuse: the API's message, nothing stored.
    url_input.fill("http://teams.example.com/webhook")
    form.locator("[data-action=save-teams]").click()
    expect(page.locator("[data-error=webhook_url]")).to_contain_text("https://")
    assert live_server.get_json(TEAMS_URL)["webhook_configured"] is False

    url_input.fill(hook.url)
    form.locator("[data-field=enabled]").click()
    form.locator("input[name=channel_name]").fill("#ops-alerts")
    form.locator("input[name=bot_name]").fill("Ops bot")
    form.locator("[data-choice=job_started]").click()
    form.locator("[data-action=save-teams]").click()
    masked = f"http://127.0.0.1:{hook.port}/…{hook.url[-4:]}"
    expect(page.locator("#teams-destination")).to_contain_text(masked)
    expect(url_input).to_have_value("")
    saved = live_server.get_json(TEAMS_URL)
    assert saved["webhook_url"] == masked and saved["enabled"] is True and saved["channel_name"] == "#ops-alerts"
    assert "job_started" in saved["notification_types"] and saved["bot_name"] == "Ops bot"
    assert any(r.method == "PUT" for r in posts)  # the URL went over HTTP …
    assert hook.path not in frames_text(ws_frames, "sent")  # … and not through the websocket

    page.locator("[data-action=test-teams]").click()
    expect(page.locator("#test-result")).to_have_attribute("data-result", "ok", timeout=UI_SLOW_MS)
    assert hook.wait_for_cards(1)
    body = hook.cards[0]["attachments"][0]["content"]["body"]
    assert body[0]["columns"][-1]["items"][0]["text"] == "Ops bot"
    assert any(b.get("text") == "Resync test notification" for b in body)
    deliveries = page.locator("#deliveries")
    expect(deliveries.locator("[data-status=sent]")).to_have_count(1)

    # A card sent from elsewhere (the REST API) shows up without a reload.
    hook.fail_next(400)
    assert live_server.api("POST", f"{TEAMS_URL}/test").json()["status_code"] == 400
    expect(deliveries.locator("[data-status=failed]")).to_have_count(1, timeout=UI_SLOW_MS)
    expect(deliveries).to_contain_text("Bad payload")
    expect(page.locator("#delivery-stats")).to_contain_text("failed 24 h: 1")
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=UI_SLOW_MS)  # a clean screenshot
    shot = screenshot("teams-config")
    _publish_screenshot(shot, "teams-config.png")

    page.reload()
    wait_hydrated(page)
    expect(page.locator("#teams-destination")).to_contain_text(masked)
    assert hook.path not in page.content()
    assert hook.path not in frames_text(ws_frames)
    assert hook.path not in live_server.log_path.read_text(errors="replace")


# ---- Health --------------------------------------------------------------------------------------------


def test_health_page_shows_components_and_updates_after_check_now(signed_in_page, live_server, screenshot):
    page = signed_in_page
    # no TWS instance (another test may have left one): the tws card says so
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    assert answer.status_code == 200, answer.text
    # a test that seeded instances straight into the database (the shift report's) removed them the same way,
    # which no running worker hears of: a check stored now is the one the page must show
    assert live_server.api("POST", "/api/v1/admin/health/check").status_code == 200
    _open(page, "/admin/health")
    for name in ("database", "tws", "llm", "teams", "rag"):
        expect(page.locator(f"[data-component={name}]")).to_be_visible()
    database = page.locator("[data-component=database]")
    expect(database.locator("[data-status=ok]")).to_be_visible()
    expect(database.locator("[data-field=detail]")).to_contain_text("SELECT 1 answered")
    tws = page.locator("[data-component=tws]")
    expect(tws.locator("[data-status=failing]")).to_be_visible()
    expect(tws.locator("[data-field=detail]")).to_have_text("TWS not configured: no enabled instance")
    expect(page.locator("[data-component=redis]")).to_have_count(0)  # no RESYNC_REDIS_URL
    expect(page.locator("#health-chart-database")).to_be_visible()

    before = _history_checks(live_server)
    page.locator("[data-action=check-now]").click()
    expect(database).to_contain_text(re.compile(r"of (\d+) check\(s\)"))
    page.wait_for_function(
        "(n) => { const m = document.querySelector('[data-component=database]').innerText"
        ".match(/of (\\d+) check\\(s\\)/); return m && Number(m[1]) > n; }", arg=before, timeout=UI_SLOW_MS)

    # A run stored elsewhere (the REST API) reaches the open page through the feed, without a reload.
    now = _history_checks(live_server)
    assert live_server.api("POST", "/api/v1/admin/health/check").status_code == 200
    page.wait_for_function(
        "(n) => { const m = document.querySelector('[data-component=database]').innerText"
        ".match(/of (\\d+) check\\(s\\)/); return m && Number(m[1]) > n; }", arg=now, timeout=UI_SLOW_MS)
    shot = screenshot("health")
    _publish_screenshot(shot, "health.png")


# ---- the pages' handlers without a session ----------------------------------------------------------------


def test_teams_and_health_handlers_refuse_clients_without_a_session(live_server, hook, teams_clean):
    assert live_server.api("PUT", TEAMS_URL, json={"webhook_url": hook.url}).status_code == 200
    runs_before = _history_checks(live_server, trigger="manual")
    last_audit = max((e["id"] for e in live_server.audit()), default=0)
    teams_state, health_state = TeamsConfigState.get_full_name(), HealthState.get_full_name()
    events = [RawEvent(teams_state, "/admin/teams/", "load"), RawEvent(teams_state, "/admin/teams/", "send_test"),
              RawEvent(teams_state, "/admin/teams/", "after_save", {"outcome": {"status": "saved"}}),
              RawEvent(health_state, "/admin/health/", "check_now"),
              RawEvent(health_state, "/admin/health/", "deep_check")]
    session = send_raw_events(live_server.base_url, events, cookie="forged")
    redirects = session.redirects()
    assert not session.unanswered and len(redirects) >= len(events), (session.unanswered, session.text[:2000])
    assert all(path.startswith("/login?next=/admin") for path in redirects), redirects
    assert hook.requests == []  # no test card was posted
    assert _history_checks(live_server, trigger="manual") == runs_before  # no check was run
    assert not [e for e in live_server.audit() if e["id"] > last_audit and e["action"].startswith("teams")]
    assert f"127.0.0.1:{hook.port}" not in session.text
