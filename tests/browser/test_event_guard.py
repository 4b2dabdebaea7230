"""Reflex's front door: any client can send any event over the `/_event` websocket, so every admin handler
must check the session on the server. A raw Socket.IO client (no browser, no UI) sends the System
Configuration handlers without a session, with a forged cookie and with a signed-out session's cookie:
nothing may change, nothing may be audited, no configuration data may come back, and the client is sent
to /login. A control run with a live session proves the same client really reaches the handlers."""

from __future__ import annotations

from typing import Any

import pytest

from resync_app.config.catalogue import FIELDS
from resync_app.state.system_config import SystemConfigState
from tests.support.raw_events import RawEvent, send_raw_events

STATE = SystemConfigState.get_full_name()


def system_event(handler: str, payload: dict | None = None) -> RawEvent:
    return RawEvent(STATE, "/admin/system/", handler, payload or {})


ADMIN_EVENTS = [
    system_event("load"),
    system_event("edit", {"name": "log_level", "raw": "DEBUG"}),
    system_event("edit", {"name": "tws_polling_interval_seconds", "raw": "45"}),
    system_event("save"),
    system_event("rollback", {"version": 0}),
    system_event("watch_changes", {"watch_id": 1}),
]


@pytest.fixture
def baseline(live_server) -> dict[str, Any]:
    """A known configuration (defaults) and what the REST API says before the attack (Basic auth)."""
    live_server.reset_config()
    return {
        "version": live_server.config_version(auth="basic"),
        "values": live_server.config_values(auth="basic"),
        "last_audit_id": max((e["id"] for e in live_server.audit(auth="basic")), default=0),
    }


def _assert_nothing_changed(live_server, baseline: dict[str, Any]) -> None:
    version = live_server.config_version(auth="basic")
    assert version == baseline["version"], \
        f"events without an admin session made configuration version {version} (was {baseline['version']})"
    values = live_server.config_values(auth="basic")
    changed = {k: (baseline["values"][k], v) for k, v in values.items() if baseline["values"].get(k) != v}
    assert not changed, f"events without an admin session changed {changed}"
    new_entries = [e for e in live_server.audit(auth="basic") if e["id"] > baseline["last_audit_id"]]
    config_entries = [e for e in new_entries if str(e["action"]).startswith("config")]
    assert not config_entries, f"audited configuration changes without a session: {config_entries}"


@pytest.mark.parametrize("credential", ["none", "forged", "signed-out"])
def test_admin_events_without_a_live_session_change_nothing(live_server, baseline, credential):
    cookie = {"none": None, "forged": "forged"}.get(credential)
    if credential == "signed-out":  # a real session cookie whose session has ended
        cookie = live_server.open_session_cookie()
        live_server.close_session_cookie(cookie)
        baseline["last_audit_id"] = max((e["id"] for e in live_server.audit(auth="basic")), default=0)

    session = send_raw_events(live_server.base_url, ADMIN_EVENTS, cookie=cookie)

    _assert_nothing_changed(live_server, baseline)
    # Every refused event sent the client to /login, back to the page it came from.
    redirects = session.redirects()
    assert not session.unanswered and len(redirects) >= len(ADMIN_EVENTS), (session.unanswered, session.text)
    assert all(path.startswith("/login?next=/admin") for path in redirects), redirects
    # No configuration data came back: no field name, no state of the System Configuration page.
    text = session.text
    assert "system_config_state" not in text, text[:2000]
    leaked = [name for name in FIELDS if name in text]
    assert not leaked, f"configuration fields in the answers: {leaked}"


def test_raw_client_with_a_live_session_is_served(live_server, baseline):
    """Control: the same client with a real session cookie does reach the handlers (so the refusals above
    are the guard's doing, not a client that never got through)."""
    cookie = live_server.open_session_cookie()
    try:
        served = send_raw_events(live_server.base_url,
                                 [system_event("load"), system_event("edit", {"name": "log_level", "raw": "DEBUG"}),
                                  system_event("save")],
                                 cookie=cookie, done="Saved 1 field")
        assert not served.unanswered and not served.redirects(), (served.unanswered, served.text)
        # `load` sent the page's configuration (the fields of the first category).
        assert "system_config_state" in served.text
        assert any(name in served.text for name in FIELDS), served.text[:2000]
        assert live_server.config_version() == baseline["version"] + 1
        assert live_server.config_values()["log_level"] == "DEBUG"
        audit = [e for e in live_server.audit() if e["id"] > baseline["last_audit_id"]]
        assert any(e["action"].startswith("config") for e in audit), audit
    finally:
        live_server.close_session_cookie(cookie)
        live_server.reset_config()
