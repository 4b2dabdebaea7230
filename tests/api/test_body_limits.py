"""Body size and JSON depth are capped at the edge (issue 15 item 12): every route of the API that takes a body
(enumerated from the app itself, so a new route is covered) answers a body nested a few thousand levels deep with
422 and one over 1 MiB with 413, each with a `detail` that says which limit — never a 500 — before the route, its
validation or its audit run. Bodies within the limits still reach the routes."""

from __future__ import annotations

import pytest

from resync_app.api.app import create_api
from resync_app.api.body_limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_too_deep
from resync_app.auth import service as auth_service
from resync_app.auth import sessions
from tests.conftest import ADMIN_USER

DEEP = 4000
BODIES = {
    "lists": "[" * DEEP + "]" * DEEP,
    "objects": '{"updates":' + '{"a":' * DEEP + "1" + "}" * DEEP + "}",
    "mixed": '{"instances":[' + '{"a":[' * (DEEP // 2) + "1" + "]}" * (DEEP // 2) + "]}",
    "unclosed": '{"models":' + "[" * DEEP,
}


def _walk(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)
        elif getattr(route, "methods", None):
            yield route


def _body_routes() -> list[tuple[str, str]]:
    found = set()
    for route in _walk(create_api().routes):
        for method in route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            path = route.path
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", "x")
            found.add((method, path))
    return sorted(found)


ROUTES = _body_routes()


def test_the_enumeration_finds_the_json_routes():
    assert ("POST", "/api/v1/system-config/update") in ROUTES
    assert ("PUT", "/api/v1/litellm/providers/x") in ROUTES
    assert ("POST", "/api/v1/ui/tws/instances") in ROUTES
    assert len(ROUTES) >= 30


@pytest.fixture
def credentials(api, admin_headers):
    from resync_app.config.store import get_store

    assert get_store().update({"rate_limit_critical_per_minute": 1000}, actor="tests").success  # ~300 requests
    raw, _ = sessions.issue(auth_service.find_user(ADMIN_USER), "session")
    api.cookies.set(sessions.SESSION_COOKIE, raw)  # the browser-only routes take the admin's session
    yield {**admin_headers, "Origin": "http://testserver"}
    api.cookies.clear()


def test_every_route_refuses_deep_json_with_a_clear_4xx(api, credentials):
    wrong = []
    for method, path in ROUTES:
        for shape, body in BODIES.items():
            for content_type in ("application/json", None):  # FastAPI parses a body without a type as JSON too
                headers = {**credentials, **({"Content-Type": content_type} if content_type else {})}
                answer = api.request(method, path, content=body, headers=headers)
                if answer.status_code != 422 or "nested more than" not in answer.json().get("detail", ""):
                    wrong.append(f"{method} {path} ({shape}, {content_type}): {answer.status_code} {answer.text[:80]}")
    assert not wrong, "\n".join(wrong)


def test_every_route_refuses_a_body_over_the_size_limit(api, credentials):
    big = '{"message": "' + "x" * MAX_BODY_BYTES + '"}'
    wrong = []
    for method, path in ROUTES:
        answer = api.request(method, path, content=big, headers={**credentials, "Content-Type": "application/json"})
        if answer.status_code != 413 or "larger than" not in answer.json().get("detail", ""):
            wrong.append(f"{method} {path}: {answer.status_code} {answer.text[:80]}")
    assert not wrong, "\n".join(wrong)


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(api, credentials):
    def chunks():
        for _ in range(40):
            yield b" " * 65536  # 2.5 MiB of whitespace, sent chunked (no Content-Length)

    answer = api.post("/api/v1/system-config/update", content=chunks(),
                      headers={**credentials, "Content-Type": "application/json"})
    assert answer.status_code == 413 and "larger than" in answer.json()["detail"]


def test_nothing_changes_and_nothing_is_audited(api, credentials):
    before = api.get("/api/v1/system-config/audit?limit=1000", headers=credentials).json()
    api.post("/api/v1/system-config/update", content=BODIES["objects"], headers=credentials)
    assert api.get("/api/v1/system-config/audit?limit=1000", headers=credentials).json() == before


def test_bodies_within_the_limits_reach_the_routes(api, credentials):
    nested_ok = '{"updates":' + '{"a":' * (MAX_JSON_DEPTH - 2) + "1" + "}" * (MAX_JSON_DEPTH - 2) + "}"
    answer = api.post("/api/v1/system-config/update", content=nested_ok,
                      headers={**credentials, "Content-Type": "application/json"})
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["a"]  # the route's own field errors
    good = api.post("/api/v1/system-config/update", json={"updates": {"log_level": "DEBUG"}}, headers=credentials)
    assert good.status_code == 200, good.text
    brackets_in_text = {"updates": {"log_level": "INFO"}, "note": "[" * 5000 + "{" * 5000}
    answer = api.post("/api/v1/system-config/update", json=brackets_in_text, headers=credentials)
    assert answer.status_code in (200, 422) and "nested more than" not in answer.text  # brackets in text: text


@pytest.mark.parametrize("text, deep", [
    ("[]", False), ("[" * 32 + "]" * 32, False), ("[" * 33 + "]" * 33, True),
    ('{"a": "' + "[" * 100 + '"}', False), ('{"a": "\\"' + "[" * 100 + '"}', False),
    ('["\\\\"' + ",[" * 40 + "]" * 41, True), ('"unterminated ' + "[" * 40, True),
])
def test_the_depth_scan(text, deep):
    assert json_too_deep(text.encode()) is deep
