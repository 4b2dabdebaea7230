"""/admin/users in headless Chromium: an admin adds an operator; the operator signs in on /login, lands on the
operator side signed in, is sent away from /admin (server-side), and cannot reach an admin handler over the
socket either; disabling the operator ends their session. The page fits a phone."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import expect

from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.state.users import UsersState
from tests.browser.conftest import (PHONE_VIEWPORT, _context_page, assert_no_sideways_scroll, fill_login_form,
                                    save_shot, wait_hydrated)
from tests.support.raw_events import RawEvent, admin_handler_events, send_raw_events

PASSWORD = "night-shift-password"


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/") or "/"


def _users(live_server) -> dict[str, dict]:
    return {u["username"]: u for u in live_server.get_json("/api/v1/admin/users")}


def _add_user(pg, name: str) -> None:
    """Add an operator (the dialog's default role) through the Add user dialog."""
    pg.locator("#add-user").click()
    pg.locator("#user-name").fill(name)
    pg.locator("#user-password").fill(PASSWORD)
    pg.locator("#user-submit").click()
    expect(pg.get_by_text(f"User {name} added.")).to_be_visible()


def test_admin_adds_an_operator_who_stays_on_the_operator_side(signed_in_page, browser, live_server, request):
    pg = signed_in_page
    name = f"op{uuid.uuid4().hex[:6]}"
    pg.goto("/admin/users")
    expect(pg.locator(f"#users-table [data-user='{live_server.admin_username}']")).to_contain_text("you")
    _add_user(pg, name)
    row = pg.locator(f"#users-table [data-user='{name}']")
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("never")
    assert _users(live_server)[name]["role"] == "operator"
    assert PASSWORD not in "\n".join(f.payload for f in pg.ws_frames)  # the password went over HTTP only
    save_shot(pg, "users", request)

    with _context_page(browser, live_server, [], request, viewport={"width": 1280, "height": 900}) as op:
        op.goto("/login")
        fill_login_form(op, name, PASSWORD)
        op.wait_for_url(lambda url: _path(url) == "/")
        corner = op.locator("#viewer-corner")
        expect(corner).to_have_text(f"Signed in as {name} (operator)")
        expect(op.locator("#viewer-corner-sign-out")).to_be_visible()

        for admin_path in ("/admin", "/admin/users"):  # the server-side guard sends an operator away
            op.goto(admin_path)
            op.wait_for_url(lambda url: _path(url) == "/")
            expect(op.locator("#viewer-corner")).to_have_text(f"Signed in as {name} (operator)")
        assert "users_state" not in "\n".join(f.payload for f in op.ws_frames if f.direction == "received")

        # Over the socket: every admin handler, and the users page's own handlers aimed at promoting the operator
        # and disabling the admin, from the operator's live session: all refused (sent to /), nothing changes.
        cookie = next(c["value"] for c in op.context.cookies() if c["name"] == SESSION_COOKIE)
        before, audit_id = _users(live_server), max(e["id"] for e in live_server.audit())
        state = UsersState.get_full_name()
        forged = [RawEvent(state, "/admin/users/", "set_role", {"username": name, "role": "admin"}),
                  RawEvent(state, "/admin/users/", "set_disabled", {"username": live_server.admin_username,
                                                                    "disabled": True}),
                  RawEvent(state, "/admin/users/", "load", {})]
        events = forged + admin_handler_events()
        session = send_raw_events(live_server.base_url, events, cookie=cookie)
        assert not session.unanswered, session.text[-2000:]
        redirects = session.redirects()
        assert len(redirects) >= len(events) and set(redirects) == {"/"}, redirects[:10]
        assert _users(live_server) == before
        new_audit = [e for e in live_server.audit() if e["id"] > audit_id]
        assert not [e for e in new_audit if not e["action"].startswith("login")], new_audit
        assert "users_state" not in session.text

        # The admin disables the operator on the page: the operator's session ends at once.
        pg.locator(f"#users-table [data-user='{name}'] [data-action=disable]").click()
        expect(row).to_contain_text("Disabled")
        op.reload()
        expect(op.locator("#viewer-corner")).to_have_text("Sign in")
        op.goto("/login")
        fill_login_form(op, name, PASSWORD)
        expect(op.locator("#login-error")).to_contain_text("Invalid username or password")

    audit = [e for e in live_server.audit() if e["target"] == name]
    assert {"user.create", "user.disable"} <= {e["action"] for e in audit}
    assert PASSWORD not in str(audit)


def test_reset_password_and_role_change_on_the_page(signed_in_page, live_server):
    pg = signed_in_page
    name = f"op{uuid.uuid4().hex[:6]}"
    pg.goto("/admin/users")
    _add_user(pg, name)
    row = pg.locator(f"#users-table [data-user='{name}']")
    row.locator("[data-action=reset-password]").click()
    pg.locator("#user-password").fill("short")
    pg.locator("#user-submit").click()
    expect(pg.locator("#user-form-message")).to_contain_text("at least 10 characters")
    pg.locator("#user-password").fill("another-strong-password")
    pg.locator("#user-submit").click()
    expect(pg.get_by_text(f"Password of {name} reset")).to_be_visible()
    answer = live_server.api("POST", "/api/v1/auth/token", auth=None,
                             json={"username": name, "password": "another-strong-password"})
    assert answer.status_code == 200

    row.locator(f"[data-role-of='{name}']").click()
    pg.get_by_role("option", name="admin").click()
    expect(pg.get_by_text(f"{name} is now an admin.")).to_be_visible()
    assert _users(live_server)[name]["role"] == "admin"
    # your own row: disable and role are not offered (and the server refuses them anyway)
    me = pg.locator(f"#users-table [data-user='{live_server.admin_username}']")
    expect(me.locator("[data-action=disable]")).to_be_disabled()


def test_users_page_fits_a_phone(phone_page, live_server, request):
    pg = phone_page
    pg.goto("/login?next=/admin/users")
    fill_login_form(pg, live_server.admin_username, live_server.admin_password)
    pg.wait_for_url(re.compile(r"/admin/users/?$"))
    wait_hydrated(pg)
    expect(pg.locator("#users-table")).to_be_visible()
    assert pg.viewport_size == PHONE_VIEWPORT
    assert_no_sideways_scroll(pg)
    save_shot(pg, "users-phone", request)
