"""Authentication through the real ASGI app: tokens, Basic, 401/429, the admin guard on every route."""

from __future__ import annotations

import base64

import pytest

from resync_app.api.app import create_api
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, basic

PUBLIC = {("/api/v1/health", "GET"), ("/api/v1/health/ready", "GET"), ("/api/v1/auth/token", "POST"), ("/api/v1/auth/session", "POST"),
          ("/api/v1/auth/logout", "POST")}


def operator_read(path: str, method: str) -> bool:
    """The operator reads of CONTRACT §9 and §15 (and the chat, which never acts) need no admin login."""
    return ((path.startswith("/api/v1/tws/") and method.upper() == "GET") or path.startswith("/api/v1/chat")
            or (path == "/api/v1/metrics/summary" and method.upper() == "GET")
            or (path == "/api/v1/reports/shift" and method.upper() == "GET"))  # CONTRACT §15


def admin_routes():
    """Every documented /api/v1 route and method, except the public ones."""
    for path, operations in create_api().openapi()["paths"].items():
        for method in operations:
            if path.startswith("/api/v1/") and (path, method.upper()) not in PUBLIC and not operator_read(path, method):
                yield path.replace("{name}", "performance").replace("{provider_id}", "openai"), method.upper()


def test_there_are_admin_routes_to_check():
    assert len(list(admin_routes())) >= 8


@pytest.mark.parametrize("path,method", sorted(admin_routes()))
@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-real-token"},
    {"Authorization": "Basic " + base64.b64encode(b"admin:wrong-password").decode()},
    {"Authorization": "Basic !!!not-base64"},
    {"Authorization": "Digest abc"},
], ids=["none", "bad-bearer", "bad-basic", "malformed-basic", "other-scheme"])
def test_every_admin_route_answers_401_json(api, path, method, headers):
    response = api.request(method, path, headers=headers, json={}, follow_redirects=False)
    assert response.status_code == 401, (path, method, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_token_grants_access_and_has_contract_shape(api):
    response = api.post("/api/v1/auth/token", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and 3000 < body["expires_in"] <= 3600 and len(body["access_token"]) >= 32
    ok = api.get("/api/v1/admin/audit", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert ok.status_code == 200 and ok.json()[0]["action"] == "login.success"
    assert body["access_token"] not in ok.text  # the token is never logged in the audit


def test_basic_credentials_work(api):
    assert api.get("/api/v1/system-config/pending-restart", headers=basic()).status_code == 200


@pytest.mark.parametrize("body", [{"username": "admin", "password": "nope-nope-nope"},
                                  {"username": "ghost", "password": "nope-nope-nope"}])
def test_wrong_credentials_401(api, body):
    response = api.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401 and response.json() == {"detail": "Invalid username or password."}


@pytest.mark.parametrize("body", [None, {}, {"username": "admin"}, {"username": 5, "password": []}, "text"])
def test_malformed_token_request_422(api, body):
    assert api.post("/api/v1/auth/token", json=body).status_code == 422


@pytest.mark.parametrize("username", [ADMIN_USER, "unknown-user"])
def test_lockout_429_with_retry_after_even_for_right_password(api, username):
    answers = [api.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password"})
               for _ in range(5)]
    assert [a.status_code for a in answers] == [401] * 5
    locked = api.post("/api/v1/auth/token", json={"username": username, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert "try again" in locked.json()["detail"]
    assert api.get("/api/v1/health").status_code == 200


def test_known_and_unknown_usernames_answer_alike(api):
    def trace(name):
        out = []
        for _ in range(6):
            r = api.post("/api/v1/auth/token", json={"username": name, "password": "wrong-password"})
            out.append((r.status_code, r.json()["detail"].split(";")[0]))
        return out

    assert trace(ADMIN_USER) == trace("no-such-admin")


def test_basic_failures_count_towards_the_lockout_shared_with_token(api):
    bad = basic(ADMIN_USER, "wrong-password")
    for _ in range(3):
        assert api.get("/api/v1/admin/audit", headers=bad).status_code == 401
    for _ in range(2):
        api.post("/api/v1/auth/token", json={"username": ADMIN_USER, "password": "wrong-password"})
    assert api.get("/api/v1/admin/audit", headers=basic()).status_code == 429
    actions = [e["action"] for e in __import__("resync_app.audit.service", fromlist=["recent"]).recent(20)]
    assert "login.lockout" in actions and "login.refused_locked" in actions


def test_ui_form_shares_the_counter_and_redirects(api):
    for _ in range(5):
        r = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": "bad-password", "next": "/admin"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error=invalid")
    locked = api.post("/api/v1/auth/token", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    form = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                    follow_redirects=False)
    assert form.status_code == 303 and "error=locked" in form.headers["location"]
    assert "set-cookie" not in form.headers


def test_session_form_sets_httponly_cookie_and_logout_kills_it(api):
    from resync_app.auth import sessions

    r = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD,
                                               "next": "/admin/system"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/system"
    cookie = r.headers["set-cookie"]
    assert "resync_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    raw = r.cookies["resync_session"]
    assert sessions.resolve(raw, "session") is not None
    out = api.post("/api/v1/auth/logout", cookies={"resync_session": raw}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert sessions.resolve(raw, "session") is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil", "javascript:alert(1)"])
def test_no_open_redirect_after_sign_in(api, target):
    r = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD, "next": target},
                 follow_redirects=False)
    assert r.headers["location"] == "/admin"


def test_cross_site_form_post_is_refused(api):
    r = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                 headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 303 and "error=origin" in r.headers["location"] and "set-cookie" not in r.headers


def test_revoked_token_is_refused(api, admin_headers):
    assert api.post("/api/v1/auth/revoke", headers=admin_headers).status_code == 204
    assert api.get("/api/v1/admin/audit", headers=admin_headers).status_code == 401


def test_health_is_public_and_minimal(api):
    r = api.get("/api/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_docs_served(api):
    assert api.get("/api/docs").status_code == 200
    spec = api.get("/api/openapi.json").json()
    assert "/api/v1/system-config/update" in spec["paths"]


def test_audit_limit_bounds(api, admin_headers):
    for _ in range(2):
        api.post("/api/v1/auth/token", json={"username": "someone", "password": "wrong-password"})
    assert api.get("/api/v1/admin/audit?limit=0", headers=admin_headers).status_code == 422
    assert api.get("/api/v1/admin/audit?limit=1001", headers=admin_headers).status_code == 422
    assert len(api.get("/api/v1/admin/audit?limit=1", headers=admin_headers).json()) == 1


@pytest.mark.parametrize("origin", ["http://rebound.example", "http://127.0.0.1:9999", "http://localhost:8000"])
def test_a_form_post_from_another_origin_is_refused_even_when_it_names_itself_as_host(api, origin):
    """DNS rebinding or another port of the same host: the Origin must be one of the app's own
    (RESYNC_PUBLIC_URL here: http://testserver), whatever the Host header says (issue 10, item 7)."""
    host = origin.split("://", 1)[1]
    r = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                 headers={"Origin": origin, "Host": host}, follow_redirects=False)
    assert r.status_code == 303 and "error=origin" in r.headers["location"] and "set-cookie" not in r.headers
    ok = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                  headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ok.status_code == 303 and "set-cookie" in ok.headers
