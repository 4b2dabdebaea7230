"""NUL bytes wherever text enters, on PostgreSQL (which refuses them in text): a clear 4xx, never a 500, and
nothing changed (issue 10, item 9)."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.llm.conftest import llm, llm_server  # noqa: F401  (fixtures)

NUL = "\u0000"


def _basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@pytest.mark.parametrize("body", [{"username": f"ad{NUL}min", "password": "wrong-password"},
                                  {"username": ADMIN_USER, "password": f"pass{NUL}word"},
                                  {"username": f"{NUL}", "password": f"{NUL}"}])
def test_nul_in_the_token_request_is_a_4xx(api, body):
    answer = api.post("/api/v1/auth/token", json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert "NUL" in answer.text


@pytest.mark.parametrize("username,password", [(f"ad{NUL}min", "wrong-password"), (ADMIN_USER, f"x{NUL}y")])
def test_nul_in_basic_credentials_is_a_401(api, username, password):
    answer = api.get("/api/v1/admin/audit", headers=_basic(username, password))
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/json")


def test_nul_in_the_sign_in_form_is_a_4xx_and_sets_no_cookie(api):
    answer = api.post("/api/v1/auth/session", data={"username": f"ad{NUL}min", "password": "wrong-password",
                                                   "next": "/admin"}, follow_redirects=False)
    assert 400 <= answer.status_code < 500 and "set-cookie" not in answer.headers, answer.text
    # the real admin is not locked out by it, and a normal sign-in still works
    ok = api.post("/api/v1/auth/session", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
                  follow_redirects=False)
    assert ok.status_code == 303 and "set-cookie" in ok.headers


def test_nul_in_a_configuration_value_is_a_422_and_changes_nothing(api, admin_headers):
    before = api.get("/api/v1/system-config/history?limit=1", headers=admin_headers).json()
    answer = api.post("/api/v1/system-config/update", headers=admin_headers,
                      json={"updates": {"rag_service_url": f"http://rag.example/a{NUL}b"}})
    assert answer.status_code == 422, answer.text
    assert api.get("/api/v1/system-config/history?limit=1", headers=admin_headers).json() == before


@pytest.mark.parametrize("body", [{"api_base": f"http://127.0.0.1:9/v{NUL}1", "api_key": "sk-0123456789"},
                                  {"models": [f"gpt{NUL}-4o"]}, {"api_key": f"sk-0123{NUL}456789"}])
def test_nul_in_a_provider_change_is_a_422(llm, body):
    before = next(p for p in llm.get("/providers") if p["id"] == "openai")
    answer = llm.put_provider("openai", **body)
    assert answer.status_code == 422, answer.text
    assert next(p for p in llm.get("/providers") if p["id"] == "openai") == before


@pytest.mark.parametrize("method,path,kwargs", [
    ("PUT", "/api/v1/litellm/prices/gpt-4o%00", {"json": {"input_cost_per_1k": 1, "output_cost_per_1k": 1}}),
    ("GET", "/api/v1/litellm/analytics?provider=open%00ai", {}),
    ("GET", "/api/v1/litellm/analytics?model=gpt%004o", {}),
    ("POST", "/api/v1/litellm/test", {"json": {"model": f"gpt-4o{NUL}"}}),
    ("POST", "/api/v1/litellm/route-preview", {"json": {"question": f"why{NUL}?"}}),
])
def test_nul_in_urls_and_bodies_of_the_llm_api_is_a_4xx(llm, method, path, kwargs):
    answer = llm.api.request(method, path, headers=llm.headers, **kwargs)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert llm.srv.count() == 0


def test_the_audit_log_stays_readable(api, admin_headers):
    for body in ({"username": f"a{NUL}b", "password": "x"}, {"username": "ghost", "password": "x"}):
        api.post("/api/v1/auth/token", json=body)
    answer = api.get("/api/v1/admin/audit", headers=admin_headers)
    assert answer.status_code == 200 and NUL not in answer.text
