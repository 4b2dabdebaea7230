"""Users and roles through the real ASGI app: an operator's credentials open the operator routes only (403 on every
admin route family), a disabled account is refused like a wrong password and its tokens die, the admin users API
with its guards, sign-in landing pages per role, and RESYNC_OPERATOR_LOGIN=required."""

from __future__ import annotations

import pytest

from resync_app.auth.sessions import SESSION_COOKIE
from tests.api.test_auth_api import admin_routes
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, OPERATOR_PASSWORD, OPERATOR_USER, basic

ORIGIN = {"Origin": "http://testserver"}


def _admin_only(path: str) -> bool:
    return not path.startswith(("/api/v1/auth/", "/api/v1/tws/", "/api/v1/ui/"))


ADMIN_ONLY = sorted(r for r in set(admin_routes()) if _admin_only(r[0]))
UI_ROUTES = sorted(r for r in set(admin_routes()) if r[0].startswith("/api/v1/ui/"))


def test_every_admin_route_family_is_covered():
    families = {path.split("/")[3] for path, _ in ADMIN_ONLY}
    assert {"admin", "litellm", "system-config"} <= families and len(ADMIN_ONLY) >= 40
    assert ("/api/v1/admin/users", "POST") in ADMIN_ONLY and len(UI_ROUTES) >= 4


def _token(api, username: str, password: str) -> str:
    answer = api.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.mark.parametrize("path,method", ADMIN_ONLY)
def test_operator_token_gets_403_on_admin_routes(api, operator_user, path, method):
    token = _token(api, *operator_user)
    answer = api.request(method, path, headers={"Authorization": f"Bearer {token}"}, json={})
    assert answer.status_code == 403, (path, method, answer.text)
    assert "operator" in answer.json()["detail"]


@pytest.mark.parametrize("path,method", [("/api/v1/admin/audit", "GET"), ("/api/v1/admin/users", "POST"),
                                         ("/api/v1/system-config/update", "POST")])
def test_operator_basic_credentials_get_403(api, operator_user, path, method):
    for _ in range(2):  # the second answer comes from the Basic cache: same verdict
        answer = api.request(method, path, headers=basic(*operator_user), json={"username": "x"})
        assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("path,method", UI_ROUTES)
def test_operator_session_cookie_gets_403_on_admin_ui_routes(api, operator_user, path, method):
    signed_in = api.post("/api/v1/auth/session", data={"username": OPERATOR_USER, "password": OPERATOR_PASSWORD},
                         headers=ORIGIN, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    api.cookies.set(SESSION_COOKIE, signed_in.cookies[SESSION_COOKIE])
    path = path.replace("{username}", OPERATOR_USER)
    answer = api.request(method, path, headers=ORIGIN, json={"password": "new-password-123", "api_key": "k"})
    assert answer.status_code == 403, (path, answer.text)
    api.cookies.clear()


@pytest.mark.parametrize("next_path,admin_lands,operator_lands", [
    ("/admin", "/admin", "/"), ("/admin/tws", "/admin/tws", "/"), ("/monitoring", "/monitoring", "/monitoring"),
    ("//evil.example/x", "/admin", "/"), ("/login", "/admin", "/"),
])
def test_sign_in_lands_where_the_role_may_go(api, operator_user, next_path, admin_lands, operator_lands):
    for (name, password), lands in (((ADMIN_USER, ADMIN_PASSWORD), admin_lands), (operator_user, operator_lands)):
        answer = api.post("/api/v1/auth/session", data={"username": name, "password": password, "next": next_path},
                          headers=ORIGIN, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == lands, (name, answer.headers)
        api.cookies.clear()


def test_operator_token_reads_operator_routes_and_can_revoke_it(api, operator_user):
    token = _token(api, *operator_user)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tws/instances", headers=headers).status_code == 200
    assert api.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert api.post("/api/v1/tws/jobs/x/action", json={"action": "hold"}, headers=headers).status_code == 401


# ---- disabled accounts --------------------------------------------------------------------------------------


def _disable(api, admin_headers, name: str, disabled: bool = True):
    return api.put(f"/api/v1/admin/users/{name}", json={"disabled": disabled}, headers=admin_headers)


def test_disabled_user_is_refused_like_a_wrong_password_and_their_tokens_die(api, admin_headers, operator_user):
    name, password = operator_user
    token = _token(api, name, password)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tws/instances", headers=basic(name, password)).status_code == 200  # Basic now cached
    assert _disable(api, admin_headers, name).status_code == 200

    wrong = api.post("/api/v1/auth/token", json={"username": name, "password": "not-the-password"})
    right = api.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert right.status_code == wrong.status_code == 401 and right.json() == wrong.json()
    action = api.post("/api/v1/tws/jobs/x/action", json={"action": "hold"}, headers=headers)
    assert action.status_code == 401  # the token died with the account
    assert api.post("/api/v1/tws/jobs/x/action", json={"action": "hold"}, headers=basic(name, password)).status_code \
        == 401  # the Basic cache does not outlive it either
    failures = [e for e in api.get("/api/v1/admin/audit?limit=20", headers=admin_headers).json()
                if e["action"] == "login.failure" and e["target"] == name]
    assert any(e["detail"].get("reason") == "disabled" for e in failures)

    assert _disable(api, admin_headers, name, False).status_code == 200
    assert api.post("/api/v1/auth/token", json={"username": name, "password": password}).status_code == 200


def test_a_disabled_account_counts_towards_the_lockout(api, admin_headers, operator_user):
    name, password = operator_user
    _disable(api, admin_headers, name)
    answers = [api.post("/api/v1/auth/token", json={"username": name, "password": password}).status_code
               for _ in range(6)]
    assert answers == [401] * 5 + [429]


# ---- the admin users API ------------------------------------------------------------------------------------


def test_create_list_and_change_users(api, admin_headers):
    created = api.post("/api/v1/admin/users", json={"username": "Night.Shift", "password": "night-shift-pass",
                                                    "role": "operator"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "night.shift" and created.json()["role"] == "operator"
    assert "night-shift-pass" not in created.text and "$2b$" not in created.text and "hash" not in created.text
    listed = {u["username"]: u for u in api.get("/api/v1/admin/users", headers=admin_headers).json()}
    assert listed["night.shift"]["disabled"] is False and listed["night.shift"]["last_login_at"] is None
    assert listed[ADMIN_USER]["role"] == "admin"

    _token(api, "night.shift", "night-shift-pass")
    seen = api.get("/api/v1/admin/users/night.shift", headers=admin_headers).json()
    assert seen["last_login_at"] is not None

    promoted = api.put("/api/v1/admin/users/night.shift", json={"role": "admin"}, headers=admin_headers)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    audit = api.get("/api/v1/admin/audit?limit=20", headers=admin_headers)
    actions = [e["action"] for e in audit.json() if e["target"] == "night.shift"]
    assert "user.create" in actions and "user.role" in actions
    assert "night-shift-pass" not in audit.text


@pytest.mark.parametrize("body,status", [
    ({"username": "a b", "password": "long-enough-pw", "role": "operator"}, 422),
    ({"username": "ok", "password": "short", "role": "operator"}, 422),
    ({"username": "ok", "password": "long-enough-pw", "role": "root"}, 422),
    ({"username": "ok", "password": "long-enough-pw", "role": "operator", "extra": 1}, 422),
    ({"username": ADMIN_USER.upper(), "password": "long-enough-pw", "role": "operator"}, 409),
])
def test_bad_new_users_are_refused_and_change_nothing(api, admin_headers, body, status):
    before = api.get("/api/v1/admin/users", headers=admin_headers).json()
    answer = api.post("/api/v1/admin/users", json=body, headers=admin_headers)
    assert answer.status_code == status, answer.text
    assert api.get("/api/v1/admin/users", headers=admin_headers).json() == before


def test_the_last_admin_and_yourself_are_protected(api, admin_headers, operator_user):
    for change in ({"disabled": True}, {"role": "operator"}, {"role": "operator", "password": "brand-new-pass"}):
        answer = api.put(f"/api/v1/admin/users/{ADMIN_USER}", json=change, headers=admin_headers)
        assert answer.status_code == 409, answer.text
    assert api.post("/api/v1/auth/token", json={"username": ADMIN_USER, "password": ADMIN_PASSWORD}).status_code \
        == 200  # the refused batch did not reset the password either
    # With a second admin, that admin may demote the first; the first still cannot demote themselves.
    api.post("/api/v1/admin/users", json={"username": "second", "password": "second-admin-pw", "role": "admin"},
             headers=admin_headers)
    assert api.put(f"/api/v1/admin/users/{ADMIN_USER}", json={"role": "operator"},
                   headers=admin_headers).status_code == 409
    second = {"Authorization": f"Bearer {_token(api, 'second', 'second-admin-pw')}"}
    demoted = api.put(f"/api/v1/admin/users/{ADMIN_USER}", json={"role": "operator"}, headers=second)
    assert demoted.status_code == 200, demoted.text
    assert api.get("/api/v1/admin/audit", headers=admin_headers).status_code == 401  # their sessions ended
    itself = api.put("/api/v1/admin/users/second", json={"disabled": True}, headers=second)
    assert itself.status_code == 409 and "your own account" in itself.json()["detail"]


def test_reset_password_ends_sessions(api, admin_headers, operator_user):
    name, password = operator_user
    headers = {"Authorization": f"Bearer {_token(api, name, password)}"}
    answer = api.put(f"/api/v1/admin/users/{name}", json={"password": "a-new-password"}, headers=admin_headers)
    assert answer.status_code == 200
    assert api.get("/api/v1/tws/instances", headers=headers).status_code == 200  # reads are open
    assert api.post("/api/v1/tws/jobs/x/action", json={"action": "hold"}, headers=headers).status_code == 401
    assert api.post("/api/v1/auth/token", json={"username": name, "password": "a-new-password"}).status_code == 200


@pytest.mark.parametrize("body", [{}, [], {"disabled": "yes"}, {"role": "root"}, {"password": "short"},
                                  {"nickname": "x"}])
def test_bad_changes_are_422(api, admin_headers, operator_user, body):
    answer = api.put(f"/api/v1/admin/users/{OPERATOR_USER}", json=body, headers=admin_headers)
    assert answer.status_code == 422, answer.text


def test_unknown_user_is_404(api, admin_headers):
    assert api.get("/api/v1/admin/users/ghost", headers=admin_headers).status_code == 404
    assert api.put("/api/v1/admin/users/ghost", json={"disabled": True}, headers=admin_headers).status_code == 404


# ---- RESYNC_OPERATOR_LOGIN=required -------------------------------------------------------------------------


@pytest.fixture
def login_required(monkeypatch):
    from resync_app import settings

    monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "required")
    settings.reload_settings()
    yield
    monkeypatch.delenv("RESYNC_OPERATOR_LOGIN")
    settings.reload_settings()


READS = ["/api/v1/tws/instances", "/api/v1/tws/jobs", "/api/v1/tws/events", "/api/v1/tws/critical-jobs"]


@pytest.mark.parametrize("path", READS)
def test_operator_reads_are_open_by_default(api, path):
    assert api.get(path).status_code != 401


@pytest.mark.parametrize("path", READS)
def test_operator_reads_need_a_sign_in_when_required(api, operator_user, login_required, path):
    anonymous = api.get(path)
    assert anonymous.status_code == 401 and anonymous.json()["detail"]
    assert api.get(path, headers=basic(*operator_user)).status_code != 401
    assert api.get(path, headers=basic()).status_code != 401
