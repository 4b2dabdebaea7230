"""The shell: sign-in / sign-out, admin routes behind the session, operator pages open, and no secret ever
reaches the browser (websocket frames, HTML, document.cookie)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SESSION_COOKIE, fill_login_form, frames_text, wait_hydrated

CONFIGURATION = ("Teams", "TWS", "System", "LiteLLM")
MONITORING = ("Health", "Proactive", "LiteLLM Analytics", "Learning")
OPERATOR_PAGES = ("/", "/monitoring", "/realtime-dashboard", "/metrics/dashboard")
ADMIN_PAGES = ("/admin", "/admin/system", "/admin/audit", "/admin/teams", "/admin/tws", "/admin/health",
               "/admin/proactive", "/admin/learning")
LOGIN_URL = re.compile(r"/login/?\?")


def test_sign_in_shows_admin_shell_and_sign_out_ends_the_session(page, sign_in, live_server, screenshot):
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/admin/?$"))

    sidebar = page.locator("#admin-sidebar")
    expect(sidebar).to_be_visible()
    for label in CONFIGURATION + MONITORING:
        expect(sidebar.get_by_role("link", name=label, exact=True)).to_be_visible()
    # The links sit under their section headings, in this order.
    text = sidebar.inner_text()
    order = ["CONFIGURATION", *CONFIGURATION, "MONITORING", *MONITORING]
    positions = [text.find(word) for word in order]
    assert -1 not in positions, text
    assert positions == sorted(positions), text
    assert sidebar.get_by_role("link", name="System", exact=True).get_attribute("href").rstrip("/") \
        == "/admin/system"
    screenshot("admin-shell")

    page.locator("#sign-out").click()
    page.wait_for_url(re.compile(r"/login/?\?signed_out=1"))
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("#admin-name")).to_have_count(0)
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    screenshot("signed-out")

    page.goto("/admin")
    page.wait_for_url(LOGIN_URL)
    assert "next=/admin" in page.url
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator("#admin-name")).to_have_count(0)
    expect(page.locator("#admin-sidebar")).to_have_count(0)


@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_operator_page_works_signed_out_without_admin_data(page, live_server, path):
    page.goto(path)
    wait_hydrated(page)
    expect(page.locator("#operator-nav")).to_be_visible()
    assert page.url.rstrip("/") == live_server.url(path).rstrip("/"), "an operator page must not redirect"
    expect(page.locator("#admin-sidebar")).to_have_count(0)
    expect(page.locator("#admin-name")).to_have_count(0)
    expect(page.locator("#sign-out")).to_have_count(0)

    html = page.content()
    received = frames_text(page.ws_frames, "received")
    assert received, "the page never talked to the backend"
    # No admin state (configuration, audit rows, the admin's name) and no secret reaches an operator page.
    for secret in (live_server.admin_password, "$2b$", "tws_polling_interval_seconds", "login.success",
                   "system_config_state", "audit_state", '"admin_name_rx_state_":"admin"'):
        assert secret not in html, f"{secret!r} in the HTML of {path}"
        assert secret not in received, f"{secret!r} in a websocket frame of {path}"


def test_admin_route_signed_out_goes_to_login_and_comes_back(page, sign_in, screenshot):
    page.goto("/admin/system")
    page.wait_for_url(LOGIN_URL)
    assert re.search(r"next=/admin/system", page.url), page.url
    expect(page.locator("#admin-sidebar")).to_have_count(0)
    # The hidden `next` field is filled from the server-side state: wait for it, then sign in.
    expect(page.locator("input[name=next]")).to_have_value(re.compile(r"^/admin/system/?$"))
    screenshot("login-with-next")
    sign_in(page, start=None)
    expect(page).to_have_url(re.compile(r"/admin/system/?$"))
    expect(page.locator("#config-history")).to_be_visible()


def test_wrong_password_shows_the_error(page, sign_in, live_server, screenshot):
    page.goto("/login")
    fill_login_form(page, live_server.admin_username, live_server.admin_password + "-wrong")
    page.wait_for_url(re.compile(r"/login/?\?.*error=invalid"))
    expect(page.locator("#login-error")).to_contain_text("Invalid username or password")
    expect(page.locator("#admin-name")).to_have_count(0)
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}
    screenshot("wrong-password")
    # The right password still works afterwards (and resets the failure counter).
    sign_in(page, start=None)


def test_no_secret_reaches_the_browser(page, sign_in, live_server):
    sign_in(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert SESSION_COOKIE in cookies
    session = cookies[SESSION_COOKIE]
    assert session["httpOnly"] is True
    assert len(session["value"]) >= 20

    secret_key = (live_server.data_dir / "secret-key").read_text().strip() \
        if (live_server.data_dir / "secret-key").exists() else None
    secrets_ = {"session cookie": session["value"], "admin password": live_server.admin_password,
                "bcrypt hash": "$2b$"}
    if secret_key:
        secrets_["secret key"] = secret_key

    pages_html = {}
    for path in ADMIN_PAGES:
        page.goto(path)
        wait_hydrated(page)
        expect(page.locator("#admin-name")).to_contain_text(live_server.admin_username)
        pages_html[path] = page.content()
        assert SESSION_COOKIE not in page.evaluate("document.cookie"), f"{SESSION_COOKIE} readable by JS on {path}"
    # The audit page really showed admin data (so the check below looked at a populated page).
    page.goto("/admin/audit")
    expect(page.get_by_text("login.success").first).to_be_visible()
    pages_html["/admin/audit (populated)"] = page.content()

    everything = frames_text(page.ws_frames)
    assert "system_config_state" in everything, "the admin pages' state never reached the page"
    for label, secret in secrets_.items():
        assert secret not in everything, f"the {label} is in a websocket frame"
        for path, html in pages_html.items():
            assert secret not in html, f"the {label} is in the HTML of {path}"


@pytest.mark.parametrize("retry", ["²", "120"])
def test_the_locked_message_shows_whatever_the_retry_parameter_says(page, retry):
    """`/login?error=locked&retry=²` once raised in the login state (issue 10, item 9): the page shows its
    message, not a backend-error toast."""
    page.goto(f"/login?error=locked&retry={retry}")
    wait_hydrated(page)
    expect(page.locator("body")).to_contain_text("Too many failed sign-ins for this username")
    expect(page.locator("body")).to_contain_text("about 2 minute(s)" if retry == "120" else "about 15 minute(s)")
    expect(page.get_by_text("An error occurred")).to_have_count(0)
