"""Issue 16 in headless Chromium against the production build.

- /admin/proactive: a workstation outage in a simulator polled by the server's elected poller shows as one
  incident in the event stream, without a reload; its "Events" button narrows the stream to its events.
- /admin/teams: the incident window is a field of the form (validated by the API's rules); cards held while Teams
  is off and cards that waited too long are shown with their counts, and a held card is sent once Teams is on.
Screenshots: test-results/browser/ (and docs/screenshots/ with RESYNC_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import ROOT, wait_hydrated
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.browser.test_tws_pages import clean_tws  # noqa: F401  (fixture: no instance before and after)
from tests.support.outage import busiest_workstation, start_jobs, unlink_and_abend

NAME = "alertsim"
TEAMS_URL = "/api/v1/admin/teams-config"
UI_SLOW_MS = 45_000


def _open(page, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}/?$"))
    wait_hydrated(page)


def _publish(path, name: str) -> None:
    if os.environ.get("RESYNC_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / "screenshots" / name)


@pytest.fixture
def outage_sim(live_server, clean_tws):
    """A simulator with 30 jobs of one workstation running, polled by the server as instance `alertsim`."""
    start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    sim = Simulator(jobs=400, seed=5, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0, flap_rate=0.0,
                    password="Sim-Alerts-Pw-" + start.strftime("%H%M%S")).start()
    ws = busiest_workstation(sim)
    jobs = start_jobs(sim, ws, 30)
    answer = live_server.api("POST", "/api/v1/admin/tws-config/instances", json={
        "name": NAME, "base_url": sim.base_url, "username": sim.username, "password": sim.password})
    assert answer.status_code in (200, 201), answer.text
    yield sim, ws, jobs
    sim.stop()


def test_an_outage_is_one_incident_in_the_event_stream(signed_in_page, live_server, outage_sim, screenshot):
    sim, ws, jobs = outage_sim
    page = signed_in_page
    _open(page, "/admin/proactive")
    poller = page.locator(f"[data-poller={NAME}]")
    expect(poller.locator("[data-state]")).to_have_attribute("data-state", re.compile("waiting|polling"),
                                                             timeout=UI_SLOW_MS)
    expect(poller).to_contain_text("Last poll", timeout=UI_SLOW_MS)
    page.evaluate("window.__noReload = 'still the same page'")

    unlink_and_abend(sim, ws, jobs)
    sim.advance(seconds=61)
    incident_rows = page.locator("#incidents-table [data-incident-id]")
    expect(incident_rows.filter(has_text=f"30 jobs abended on {ws}")).to_have_count(1, timeout=UI_SLOW_MS)
    assert page.evaluate("window.__noReload") == "still the same page"
    [incident] = [i for i in live_server.get_json(f"/api/v1/tws/incidents?instance={NAME}", auth=None)["results"]
                  if i["cause"] == f"workstation:{ws}"]
    row = page.locator(f"#incidents-table [data-incident-id='{incident['id']}']")
    expect(row).to_contain_text("critical")
    expect(row).to_contain_text(str(incident["events"]))
    screenshot("proactive-incident")

    row.locator("[data-action=show-incident]").click()
    expect(page.locator("#incident-filter")).to_contain_text(f"#{incident['id']}")
    expect(page.locator("#events-page")).to_contain_text(f"of {incident['events']}", timeout=UI_SLOW_MS)
    shown = page.locator("#events-table tbody tr")
    expect(shown.first.locator(f"[data-incident='{incident['id']}']")).to_be_visible()
    assert shown.count() == min(25, incident["events"])
    shot = screenshot("proactive-incident-events")
    _publish(shot, "proactive-incidents.png")
    page.locator("[data-action=clear-incident]").click()
    expect(page.locator("#incident-filter")).to_have_count(0)


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def teams_off(live_server, hook):
    """Teams with a webhook URL but switched off; TWS notifications on. Reset afterwards."""
    live_server.config_update({"tws_teams_notifications_enabled": True})
    answer = live_server.api("PUT", TEAMS_URL, json={"enabled": False, "webhook_url": hook.url,
                                                    "teams_incident_window_seconds": 120})
    assert answer.status_code == 200, answer.text
    yield
    live_server.api("PUT", TEAMS_URL, json={"enabled": False, "webhook_url": "",
                                            "teams_incident_window_seconds": 120})
    live_server.reset_config()
    engine = create_engine(f"sqlite:///{live_server.data_dir / 'resync.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM teams_outbox")
    engine.dispose()


def _queue(live_server, title: str, age: timedelta) -> None:
    """A TWS card queued `age` ago, written into the server's database as its poller would."""
    from resync_app.teams import cards
    from resync_app.teams.models import TeamsDelivery

    queued = datetime.now(timezone.utc) - age
    card = cards.adaptive_card(title, "queued while Teams was off", [("Job", title)], "critical")
    engine = create_engine(f"sqlite:///{live_server.data_dir / 'resync.db'}")
    with engine.begin() as conn:
        conn.execute(TeamsDelivery.__table__.insert().values(
            source_key=f"tws:browser/{title}", kind="tws_event", event_type="job_abended", severity="critical",
            instance=NAME, title=title, card_json=__import__("json").dumps(card), status="pending", attempts=0,
            next_attempt_at=queued, claimed_by="", created_at=queued))
    engine.dispose()


def test_teams_page_shows_held_and_unsent_cards_and_the_incident_window(signed_in_page, live_server, hook,
                                                                         teams_off, screenshot):
    _queue(live_server, "Job abended: QUEUED_TWO_HOURS_AGO", timedelta(hours=2))
    _queue(live_server, "Job abended: QUEUED_JUST_NOW", timedelta(seconds=5))
    page = signed_in_page
    _open(page, "/admin/teams")
    # the server's dispatcher holds both while Teams is off; the older one waited past the hour: not sent
    expect(page.locator("#not-sent-cards")).to_contain_text("1 card(s) were not sent", timeout=UI_SLOW_MS)
    expect(page.locator("#held-cards")).to_contain_text("1 card(s) wait for Teams to be switched on")
    expect(page.locator("#not-sent-count")).to_contain_text("not sent: 1")
    expect(page.locator("#deliveries [data-status=expired]")).to_have_count(1)
    assert hook.requests == []

    form = page.locator("[data-teams-form]")
    window = form.locator("input[name=teams_incident_window_seconds]")
    expect(window).to_have_value("120")
    window.fill("99999")
    form.locator("[data-action=save-teams]").click()
    expect(page.locator("[data-error=teams_incident_window_seconds]")).to_contain_text("3600")
    assert live_server.get_json(TEAMS_URL)["teams_incident_window_seconds"] == 120  # nothing changed
    window.fill("300")
    form.locator("[data-action=save-teams]").click()
    expect(page.locator("[data-error=teams_incident_window_seconds]")).to_have_count(0, timeout=UI_SLOW_MS)
    expect(page.locator("[data-sonner-toast]").filter(has_text="saved")).to_have_count(1, timeout=UI_SLOW_MS)
    assert live_server.get_json(TEAMS_URL)["teams_incident_window_seconds"] == 300
    expect(form.locator("input[name=teams_incident_window_seconds]")).to_have_value("300")
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=UI_SLOW_MS)  # a clean screenshot
    shot = screenshot("teams-unsent")
    _publish(shot, "teams-unsent.png")

    # Teams on again: the held card (queued seconds ago) is sent, the expired one is not
    assert live_server.api("PUT", TEAMS_URL, json={"enabled": True}).status_code == 200
    assert hook.wait_for_cards(1, timeout=30)
    expect(page.locator("#held-cards")).to_have_count(0, timeout=UI_SLOW_MS)
    expect(page.locator("#deliveries [data-status=sent]")).to_have_count(1, timeout=UI_SLOW_MS)
    jobs = [f["value"] for c in hook.cards for b in c["attachments"][0]["content"]["body"]
            if b["type"] == "FactSet" for f in b["facts"]]
    assert jobs == ["Job abended: QUEUED_JUST_NOW"]
