"""Sessions over the Reflex websocket, from a raw Socket.IO client against the production server (issue 10):
the idle timeout is not defeated by background refreshes (item 5), a malformed foreign cookie does not hide
the session (item 6), a foreign Origin cannot open the event socket (item 7) and no admin data stays in a
tab's stored state once its session is gone (item 8)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from resync_app.state.audit import AuditState
from resync_app.state.system_config import SystemConfigState
from tests.support.raw_events import RawClient, RawEvent, reopen, send_raw_events

SYSTEM = SystemConfigState.get_full_name()
AUDIT = AuditState.get_full_name()
DEADLINE_S = 40.0


@contextlib.contextmanager
def server_db(live_server):
    """The live server's own database (SQLite in its data dir)."""
    from resync_app.db import make_engine

    engine = make_engine(f"sqlite:///{live_server.data_dir / 'resync.db'}")
    try:
        yield engine
    finally:
        engine.dispose()


def _session_row(live_server, cookie: str):
    from sqlalchemy import select

    from resync_app.auth.models import AuthSession

    table = AuthSession.__table__
    with server_db(live_server) as engine, engine.connect() as conn:
        return conn.execute(select(table).where(table.c.token_hash == hashlib.sha256(cookie.encode()).hexdigest())
                            ).first()


def last_seen(live_server, cookie: str) -> datetime | None:
    row = _session_row(live_server, cookie)
    return row.last_seen_at if row is not None else None


def set_idle(live_server, cookie: str, minutes: float) -> datetime:
    """Make the session look idle for `minutes` (no sleeping: its last activity moves back)."""
    from sqlalchemy import update

    from resync_app.auth.models import AuthSession

    seen = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    table = AuthSession.__table__
    with server_db(live_server) as engine, engine.begin() as conn:
        changed = conn.execute(update(table).where(table.c.token_hash == hashlib.sha256(cookie.encode()).hexdigest())
                               .values(last_seen_at=seen)).rowcount
    assert changed == 1
    return last_seen(live_server, cookie)


def wait_until(condition, what: str, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(0.1)  # polling the server's database / log for a condition, not a timing assertion


def log_has(live_server, text: str, since: int) -> bool:
    return text in live_server.log_path.read_text(errors="replace")[since:]


# ---- item 5: idle means no user action -----------------------------------------------------------------


def test_background_refresh_does_not_keep_an_idle_session_alive(live_server):
    """A session whose only activity is the page's background refresh expires after 30 minutes."""
    live_server.reset_config()
    cookie = live_server.open_session_cookie()
    try:
        with RawClient(live_server.base_url, cookie) as client:
            client.send(RawEvent(SYSTEM, "/admin/system/", "load"))
            assert client.wait_for("system_config_state"), client.session.text[:1000]
            before = set_idle(live_server, cookie, minutes=29)
            version = live_server.config_update({"tws_polling_interval_seconds": 45})["version"]
            refreshed = client.wait_for(lambda s: "The configuration changed" in s.text and f"{version}); " in s.text)
            assert refreshed, client.session.text[-1000:]  # the page's background refresh ran
            assert last_seen(live_server, cookie) == before  # ... and did not count as activity
            set_idle(live_server, cookie, minutes=31)  # two more minutes without a user action
            live_server.config_update({"tws_polling_interval_seconds": 46})
            wait_until(lambda: _session_row(live_server, cookie) is None, "the idle session to end")
    finally:
        live_server.close_session_cookie(cookie)
        live_server.reset_config()


def test_background_refresh_stops_when_the_tab_is_gone(live_server):
    live_server.reset_config()
    cookie = live_server.open_session_cookie()
    try:
        with RawClient(live_server.base_url, cookie) as client:
            client.send(RawEvent(SYSTEM, "/admin/system/", "load"))
            assert client.wait_for("system_config_state")
        # the tab is closed; its background refresh is still waiting for a change
        before = set_idle(live_server, cookie, minutes=10)
        log_size = len(live_server.log_path.read_text(errors="replace"))
        live_server.config_update({"tws_polling_interval_seconds": 47})
        wait_until(lambda: log_has(live_server, "system-config stopped: the client is gone", log_size),
                   "the orphaned refresh to stop")
        assert last_seen(live_server, cookie) == before
    finally:
        live_server.close_session_cookie(cookie)
        live_server.reset_config()


# ---- item 6: a malformed cookie from anything else on the host ---------------------------------------------


def test_a_malformed_foreign_cookie_does_not_hide_the_session(live_server):
    from resync_app.auth.sessions import SESSION_COOKIE

    cookie = live_server.open_session_cookie()
    try:
        header = f'prefs=a b; theme="dark; {SESSION_COOKIE}={cookie}; x=\\y'
        served = send_raw_events(live_server.base_url, [RawEvent(SYSTEM, "/admin/system/", "load")],
                                 cookie_header=header, done="system_config_state")
        assert not served.unanswered and not served.redirects(), (served.unanswered, served.text[:1000])
    finally:
        live_server.close_session_cookie(cookie)


# ---- item 7: the event socket accepts only the app's own origins -----------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:{other}", "null"])
def test_a_socket_from_another_origin_is_refused_with_the_admins_cookie(live_server, origin):
    """A page elsewhere (another port of the same host included: SameSite does not separate ports) cannot open
    /_event with the admin's cookie: the handshake is refused, so no handler runs and no frame comes back."""
    import socketio

    live_server.reset_config()
    origin = origin.format(other=live_server.port + 1)
    cookie = live_server.open_session_cookie()
    version = live_server.config_version()
    try:
        client = RawClient(live_server.base_url, cookie, origin=origin)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect()
            client.send(RawEvent(SYSTEM, "/admin/system/", "load"),
                        RawEvent(SYSTEM, "/admin/system/", "edit", {"name": "log_level", "raw": "DEBUG"}),
                        RawEvent(SYSTEM, "/admin/system/", "save"))
            client.wait_for("Saved 1 field", timeout=10)
            client.close()
        assert client.session.received == []
        assert live_server.config_version() == version and live_server.config_values()["log_level"] == "INFO"
    finally:
        live_server.close_session_cookie(cookie)
        live_server.reset_config()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_socket_from_the_apps_own_origin_is_served(live_server, host):
    cookie = live_server.open_session_cookie()
    try:
        served = send_raw_events(live_server.base_url, [RawEvent(SYSTEM, "/admin/system/", "load")], cookie=cookie,
                                 origin=f"http://{host}:{live_server.port}", done="system_config_state")
        assert not served.unanswered and not served.redirects(), (served.unanswered, served.text[:500])
    finally:
        live_server.close_session_cookie(cookie)


# ---- item 8: no admin data in a tab's stored state once its session is gone --------------------------------

HYDRATE = RawEvent(__import__("reflex").State.get_full_name(), "/admin/audit/", "hydrate")


def _tab_with_admin_data(live_server, cookie: str, token: str) -> tuple[str, list[str]]:
    """A tab (client token) whose stored state holds the audit page's rows and a filter the admin typed."""
    marker = "filter-" + uuid.uuid4().hex[:12]
    with RawClient(live_server.base_url, cookie, token=token) as tab:
        tab.send(RawEvent(AUDIT, "/admin/audit/", "load"))
        assert tab.wait_for("login.success"), tab.session.text[:1000]
        rows = tab.session.text
        tab.send(RawEvent(AUDIT, "/admin/audit/", "set_action_filter", {"value": marker}))
        assert tab.wait_for(marker)
    stamps = sorted(set(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", rows)))
    assert stamps, rows[:1000]
    return marker, stamps


def _reopen(live_server, cookie: str, token: str, *events: RawEvent, done: str) -> RawClient:
    """Reconnect the same tab (same token) and send `events` (see `raw_events.reopen`)."""
    return reopen(live_server.base_url, token, *events, done=done, cookie=cookie, timeout=DEADLINE_S)


def _assert_no_admin_data(text: str, marker: str, stamps: list[str]) -> None:
    assert marker not in text, "the admin's audit filter came back"
    assert "login.success" not in text and not [s for s in stamps if s in text], "audit rows came back"


def test_a_signed_out_tabs_reload_carries_no_admin_data(live_server):
    """After sign-out, the same tab reloading (hydrate with its token) gets the states' defaults, not the
    last audit rows it showed."""
    cookie, token = live_server.open_session_cookie(), str(uuid.uuid4())
    marker, stamps = _tab_with_admin_data(live_server, cookie, token)
    live_server.close_session_cookie(cookie)
    tab = _reopen(live_server, cookie, token, HYDRATE, done="is_hydrated")
    assert "audit_state" in tab.session.text  # the hydrate did send the audit page's state ...
    _assert_no_admin_data(tab.session.text, marker, stamps)  # ... empty


def test_a_refused_event_clears_the_tabs_admin_data(live_server):
    cookie, token = live_server.open_session_cookie(), str(uuid.uuid4())
    marker, stamps = _tab_with_admin_data(live_server, cookie, token)
    live_server.close_session_cookie(cookie)
    refused = _reopen(live_server, cookie, token, RawEvent(AUDIT, "/admin/audit/", "set_action_filter",
                                                           {"value": "x"}), done="_redirect")
    assert refused.session.redirects() and refused.session.redirects()[0].startswith("/login?next=/admin")
    _assert_no_admin_data(refused.session.text, marker, stamps)
    # and what is stored for the tab is empty too: a later reload sends nothing of it
    after = _reopen(live_server, cookie, token, HYDRATE, done="is_hydrated")
    _assert_no_admin_data(after.session.text, marker, stamps)
