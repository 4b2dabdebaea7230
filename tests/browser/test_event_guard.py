"""Reflex's front door: any client can send any event over the `/_event` websocket, so every admin handler
must check the session on the server. A raw Socket.IO client (no browser, no UI) sends the System
Configuration handlers without a session, with a forged cookie and with a signed-out session's cookie:
nothing may change, nothing may be audited, no configuration data may come back, and the client is sent
to /login. A control run with a live session proves the same client really reaches the handlers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import socketio

from resync_app.config.catalogue import FIELDS
from resync_app.state.system_config import SystemConfigState
from tests.browser.conftest import SESSION_COOKIE

STATE = SystemConfigState.get_full_name()
ROUTER_DATA = {"pathname": "/admin/system/", "asPath": "/admin/system/", "query": {}}
EVENT_TIMEOUT_S = 10.0

ADMIN_EVENTS = [
    ("load", {}),
    ("edit", {"name": "log_level", "raw": "DEBUG"}),
    ("edit", {"name": "tws_polling_interval_seconds", "raw": "45"}),
    ("save", {}),
    ("rollback", {"version": 0}),
    ("watch_changes", {"watch_id": 1}),
]


@dataclass
class RawSession:
    """What a raw client received over one connection."""

    received: list[Any] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)  # what the client waited for in vain

    @property
    def text(self) -> str:
        return "\n".join(json.dumps(m, default=str) for m in self.received)

    def redirects(self) -> list[str]:
        return [e.get("payload", {}).get("path", "") for m in self.received if isinstance(m, dict)
                for e in m.get("events") or [] if e.get("name") == "_redirect"]


async def _raw_events(base_url: str, events: list[tuple[str, dict]], cookie: str | None,
                      done: str) -> RawSession:
    """Connect like the page does (`/_event/?token=<uuid>`, websocket only) and send `events` one by one.

    `done` says when the exchange is over: "redirects" (one /login redirect per event) or a substring that
    the last answer must contain. A wait that times out is recorded in `unanswered` (the assertions on the
    outcome then say what went wrong) rather than raised.
    """
    session = RawSession()
    changed = asyncio.Condition()
    client = socketio.AsyncClient(reconnection=False)

    @client.on("event", namespace="/_event")
    async def on_event(data):  # noqa: ANN001 - Socket.IO payload
        async with changed:
            session.received.append(data)
            changed.notify_all()

    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie is not None else {}
    await client.connect(f"{base_url}?token={uuid.uuid4()}", socketio_path="/_event", namespaces=["/_event"],
                         transports=["websocket"], headers=headers, wait_timeout=EVENT_TIMEOUT_S)
    try:
        for index, (handler, payload) in enumerate(events, start=1):
            await client.emit("event", {"name": f"{STATE}.{handler}", "payload": payload,
                                        "router_data": ROUTER_DATA}, namespace="/_event")
            if done == "redirects":  # Reflex answers each event in order: wait for this one's redirect
                if not await _wait(changed, lambda: len(session.redirects()) >= index):
                    session.unanswered.append(f"redirect after {handler}")
        if done != "redirects" and not await _wait(changed, lambda: done in session.text):
            session.unanswered.append(done)
    finally:
        await client.disconnect()
    return session


async def _wait(condition: asyncio.Condition, predicate, timeout: float = EVENT_TIMEOUT_S) -> bool:
    async with condition:
        try:
            await asyncio.wait_for(condition.wait_for(predicate), timeout)
        except TimeoutError:
            return False
    return True


def send_raw_events(base_url: str, events: list[tuple[str, dict]], cookie: str | None = None,
                    done: str = "redirects") -> RawSession:
    """Run the asyncio client in its own thread (the sync Playwright loop may own this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _raw_events(base_url, events, cookie, done)).result(timeout=120)


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
                                 [("load", {}), ("edit", {"name": "log_level", "raw": "DEBUG"}), ("save", {})],
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
