"""The browser-only key route: session cookie + same-site Origin; answers with the hint, never the key."""

from __future__ import annotations

import json

import pytest

from resync_app.auth import service, sessions
from tests.conftest import ADMIN_USER

KEY = "sk-ui-route-0123456789abcdef"
ROUTE = "/api/v1/ui/providers/openai/key"


@pytest.fixture
def session_cookie(api):
    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    return {sessions.SESSION_COOKIE: raw}


def test_key_is_stored_encrypted_and_only_the_hint_comes_back(api, session_cookie, admin_headers):
    answer = api.post(ROUTE, json={"api_key": KEY}, cookies=session_cookie,
                      headers={"Origin": "http://testserver"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"success": True, "provider": "openai", "key_hint": "…" + KEY[-4:]}
    providers = api.get("/api/v1/litellm/providers", headers=admin_headers)
    assert KEY not in providers.text
    audit = api.get("/api/v1/admin/audit", headers=admin_headers).json()
    entry = next(e for e in audit if e["action"] == "llm.provider.update")
    assert entry["detail"]["api_key"] == "changed" and KEY not in json.dumps(audit)
    from sqlalchemy import text

    from resync_app.db import get_engine

    with get_engine().connect() as conn:
        stored = conn.execute(text("SELECT api_key_encrypted FROM llm_providers WHERE id='openai'")).scalar_one()
    assert stored and KEY not in stored


def test_cross_site_request_refused(api, session_cookie):
    answer = api.post(ROUTE, json={"api_key": KEY}, cookies=session_cookie,
                      headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    missing = api.post(ROUTE, json={"api_key": KEY}, cookies=session_cookie)
    assert missing.status_code == 403


def test_bearer_token_is_not_a_session(api, admin_headers):
    answer = api.post(ROUTE, json={"api_key": KEY}, headers={**admin_headers, "Origin": "http://testserver"})
    assert answer.status_code == 401


@pytest.mark.parametrize("body,status", [({"api_key": "short"}, 422), ({"api_key": "has space in it"}, 422),
                                         ({}, 422), ({"api_key": KEY, "extra": 1}, 422)])
def test_bad_key_422_and_nothing_stored(api, session_cookie, admin_headers, body, status):
    answer = api.post(ROUTE, json=body, cookies=session_cookie, headers={"Origin": "http://testserver"})
    assert answer.status_code == status
    view = next(p for p in api.get("/api/v1/litellm/providers", headers=admin_headers).json() if p["id"] == "openai")
    assert view["key_hint"] == "" and view["key_source"] == "none"


def test_unknown_provider_404(api, session_cookie):
    answer = api.post("/api/v1/ui/providers/nope/key", json={"api_key": KEY}, cookies=session_cookie,
                      headers={"Origin": "http://testserver"})
    assert answer.status_code == 404
