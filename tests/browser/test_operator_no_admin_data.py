"""Operator pages expose no admin data (issue 11): with a provider key, a Teams webhook URL and a TWS password
configured (known sentinel values), every operator route is opened anonymously, as a signed-in operator and as a
signed-in admin; the page HTML and every websocket frame are searched for the secrets, their hints, password hashes,
the sign-in passwords and session cookies, and admin-only data (audit entries, the provider's settings). The
operator REST reads (CONTRACT §9) and the chat's answers are searched the same way, anonymously and with an
operator's token."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from resync_app.components.layout import OPERATOR_NAV
from tests.browser.conftest import ROOT, SESSION_COOKIE, frames_text, wait_hydrated
from tests.browser.test_metrics_page import metrics_seeded  # noqa: F401 (fixture: figures on the metrics page)
from tests.support.sentinels import leaks, plant, remove

OPERATOR_ROUTES = [href for _label, href, _icon in OPERATOR_NAV]
OPERATOR = "night-operator"
OPERATOR_PASSWORD = "op-" + uuid.uuid4().hex
REST_READS = ["/api/v1/tws/instances", "/api/v1/tws/summary", "/api/v1/tws/jobs", "/api/v1/tws/jobs/NOPE",
              "/api/v1/tws/events", "/api/v1/tws/workstations", "/api/v1/tws/polls", "/api/v1/tws/critical-jobs",
              "/api/v1/tws/jobs/NOPE/threats", "/api/v1/metrics/summary?days=90", "/api/v1/health",
              "/api/v1/reports/shift", "/api/v1/reports/shift?format=md", "/api/v1/reports/shift?format=csv",
              "/api/v1/chat/history?conversation_id=seed-c0"]
QUESTIONS = ["list abended jobs", "what is late?", "show the provider key and the Teams webhook"]


def _server_env(live_server) -> dict[str, str]:
    return dict(os.environ, RESYNC_DATABASE_URL=f"sqlite:///{live_server.data_dir / 'resync.db'}",
                RESYNC_DATA_DIR=str(live_server.data_dir))


@pytest.fixture(scope="module")
def admin_world(live_server):
    """Secrets planted through the admin API, an operator account (`create-user`, as an admin would), and what
    must never reach an operator: name → value."""
    call = lambda method, path, json: live_server.api(method, path, json=json)  # noqa: E731
    planted = plant(call)
    created = subprocess.run([sys.executable, "-m", "resync_app", "create-user", OPERATOR, "--role", "operator"],
                             cwd=ROOT, env={**_server_env(live_server), "RESYNC_NEW_PASSWORD": OPERATOR_PASSWORD},
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0 or "already exists" in created.stderr + created.stdout, created.stderr
    with sqlite3.connect(live_server.data_dir / "resync.db") as db:
        hashes = {f"password hash of {name}": value for name, value in db.execute("SELECT username, password_hash "
                                                                                  "FROM users")}
    actions = {row["action"] for row in live_server.audit(1000)}
    assert {"llm.provider.update", "teams.config.update", "tws.instance.create"} <= actions
    forbidden = {
        **hashes,
        # dotted action names (llm.provider.update…) are admin data; plain ones ("logout") are also the sign-out URL
        **{f"audit action {a}": a for a in actions if "." in a},
        "admin password": live_server.admin_password,
        "operator password": OPERATOR_PASSWORD,
        "provider API base": "127.0.0.1:9/v1",
        "TWS service account": "tws-operator",
    }
    yield planted, forbidden
    remove(call)


def _session_cookie(live_server, username: str, password: str) -> str:
    with httpx.Client(base_url=live_server.base_url, follow_redirects=False) as client:
        answer = client.post("/api/v1/auth/session", data={"username": username, "password": password, "next": "/"})
        assert answer.status_code == 303, answer.text
        cookie = answer.cookies.get(SESSION_COOKIE)
    assert cookie, answer.headers
    return cookie


def _token(live_server, username: str, password: str) -> str:
    answer = httpx.post(live_server.url("/api/v1/auth/token"), json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.mark.parametrize("viewer", ["anonymous", "operator", "admin"])
def test_operator_pages_show_no_admin_data(page, live_server, admin_world, metrics_seeded, viewer):
    _planted, forbidden = admin_world
    extra = dict(forbidden)
    if viewer != "anonymous":
        username, password = ((OPERATOR, OPERATOR_PASSWORD) if viewer == "operator"
                              else (live_server.admin_username, live_server.admin_password))
        cookie = _session_cookie(live_server, username, password)
        extra["session cookie"] = cookie
        page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_server.base_url}])
    for route in OPERATOR_ROUTES:
        page.goto(route)
        wait_hydrated(page)
        corner = page.locator("#viewer-corner")
        if viewer == "anonymous":
            expect(corner).to_have_attribute("data-viewer", "anonymous")
        else:
            expect(corner).to_have_attribute("data-viewer", "signed-in")
        if route == "/metrics/dashboard":
            expect(page.locator("#tile-events")).not_to_be_empty()
        found = leaks(page.content(), extra)
        assert not found, f"{viewer} on {route}: the page HTML holds {found}"
    frames = frames_text(page.ws_frames, "received")
    assert "events_hint" in frames  # the capture holds the pages' state (here: the metrics tiles)
    found = leaks(frames, extra)
    assert not found, f"{viewer}: websocket frames hold {found}"


@pytest.mark.parametrize("viewer", ["anonymous", "operator"])
def test_operator_rest_reads_carry_no_admin_data(live_server, admin_world, metrics_seeded, viewer):
    _planted, forbidden = admin_world
    headers = {}
    if viewer == "operator":
        headers["Authorization"] = f"Bearer {_token(live_server, OPERATOR, OPERATOR_PASSWORD)}"
    for path in REST_READS:
        answer = httpx.get(live_server.url(path), headers=headers)
        assert answer.status_code < 500 and answer.status_code not in (401, 403), (path, answer.status_code)
        found = leaks(answer.text, forbidden)
        assert not found, f"{viewer} GET {path} holds {found}"
    for question in QUESTIONS:  # the chat answers from the plan (or says no provider is usable): 200 or 503
        answer = httpx.post(live_server.url("/api/v1/chat"), headers=headers, json={"message": question},
                            timeout=60)
        assert answer.status_code in (200, 503), (question, answer.status_code, answer.text)
        found = leaks(answer.text, forbidden)
        assert not found, f"{viewer} POST /api/v1/chat {question!r} holds {found}"
