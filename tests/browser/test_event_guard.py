"""Reflex's front door: any client can send any event over the `/_event` websocket, so every admin handler
must check the session on the server. A raw Socket.IO client (no browser, no UI) sends EVERY handler of EVERY
admin state of the app, enumerated from the app itself by route (`admin_handler_events`: every state a page under
/admin uses; a new admin state or handler is covered without editing a list), without a session, with a forged cookie and with a signed-out session's
cookie: nothing may change (configuration, providers, usage, the provider's inbox), nothing may be audited,
no admin data may come back, and the client is sent to /login. A control run with a live session proves the
same client really reaches the handlers."""

from __future__ import annotations

from typing import Any

import pytest

from resync_app.config.catalogue import FIELDS
from resync_app.llm.providers import PROVIDERS
from tests.support.page_states import admin_routes, states_of
from resync_app.state.system_config import SystemConfigState
from tests.fakes.llm_server import FakeLLMServer
from tests.support.raw_events import RawEvent, admin_handler_events, send_raw_events

STATE = SystemConfigState.get_full_name()
KEY = "sk-guard-0123456789abcdef"


def system_event(handler: str, payload: dict | None = None) -> RawEvent:
    return RawEvent(STATE, "/admin/system/", handler, payload or {})


@pytest.fixture(scope="module")
def fake_openai(live_server):
    """openai enabled at a loopback provider, so a handler that got through would reach it."""
    with FakeLLMServer(api_key=KEY, models=["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"]) as server:
        answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
            "enabled": True, "api_key": KEY, "api_base": server.openai_base})
        assert answer.status_code == 200, answer.text
        yield server
        answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
            "enabled": False, "api_key": "", "api_base": "", "models": list(PROVIDERS["openai"].default_models)})
        assert answer.status_code == 200, answer.text


def completions(server: FakeLLMServer) -> int:
    """Billed calls that reached the provider (POSTs), not the free model-list probes of the health checks."""
    return sum(1 for r in server.requests if r["method"] == "POST")


def _snapshot(live_server) -> dict[str, Any]:
    return {
        "version": live_server.config_version(auth="basic"),
        "values": live_server.config_values(auth="basic"),
        "providers": live_server.get_json("/api/v1/litellm/providers", auth="basic"),
        "usage": live_server.get_json("/api/v1/litellm/usage", auth="basic")["total_requests"],
        "prices": live_server.get_json("/api/v1/litellm/prices", auth="basic"),
        "alerts": live_server.get_json("/api/v1/litellm/budget", auth="basic")["alerts"],
    }


def test_the_enumeration_covers_every_admin_handler():
    events = admin_handler_events()
    names = {(e.state.rsplit(".", 1)[1], e.handler) for e in events}
    # the handlers the outside review found untested, and a few of each page
    for needed in [("resync_app___state___audit____audit_state", "load"),
                   ("resync_app___state___litellm_models____models_state", "save_price"),
                   ("resync_app___state___litellm_routing____routing_state", "set_routing_flag"),
                   ("resync_app___state___system_config____system_config_state", "rollback"),
                   ("resync_app___state___litellm_analytics____lite_llm_analytics_state", "export_csv"),
                   ("resync_app___state___session____session_state", "check_admin")]:
        assert needed in names, needed
    public = sum(1 for s in states_of(admin_routes()) for h in s.event_handlers.values()
                 if getattr(h.fn, "_resync_public_event", False))
    assert len(events) == sum(len(s.event_handlers) for s in states_of(admin_routes())) - public >= 50


@pytest.mark.parametrize("credential", ["none", "forged", "signed-out"])
def test_every_admin_handler_without_a_live_session_changes_and_reveals_nothing(live_server, fake_openai,
                                                                                credential):
    live_server.reset_config()
    cookie = {"none": None, "forged": "forged"}.get(credential)
    if credential == "signed-out":  # a real session cookie whose session has ended
        cookie = live_server.open_session_cookie()
        live_server.close_session_cookie(cookie)
    before = _snapshot(live_server)
    last_audit = max((e["id"] for e in live_server.audit(auth="basic")), default=0)
    calls = completions(fake_openai)  # the health monitor's model-list probes (GET) may come and go meanwhile
    events = admin_handler_events()

    session = send_raw_events(live_server.base_url, events, cookie=cookie)

    # Every refused event sent the client to /login, back to an admin page.
    redirects = session.redirects()
    assert not session.unanswered, (session.unanswered, session.text[-2000:])
    assert len(redirects) >= len(events), session.text[-2000:]
    assert all(path.startswith("/login?next=/admin") for path in redirects), redirects
    # Nothing changed, nothing was audited, nothing reached the provider.
    after = _snapshot(live_server)
    changed = {k for k in before if before[k] != after[k]}
    assert not changed, {k: (before[k], after[k]) for k in changed}
    new_audit = [e for e in live_server.audit(auth="basic") if e["id"] > last_audit]
    assert not [e for e in new_audit if not e["action"].startswith("login")], new_audit
    assert completions(fake_openai) == calls
    # No admin data came back: no admin state at all, no configuration field, no key, no model.
    text = session.text
    for state in states_of(admin_routes()):
        assert state.get_name() not in text, f"{state.__name__} in the answers: {text[:1500]}"
    leaked = [name for name in FIELDS if name in text]
    assert not leaked, f"configuration fields in the answers: {leaked}"
    for secret in (KEY, "gpt-4o-mini", "…"):
        assert secret not in text


def test_raw_client_with_a_live_session_is_served(live_server):
    """Control: the same client with a real session cookie does reach the handlers (so the refusals above
    are the guard's doing, not a client that never got through)."""
    live_server.reset_config()
    baseline = {"version": live_server.config_version(),
                "last_audit_id": max((e["id"] for e in live_server.audit()), default=0)}
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
