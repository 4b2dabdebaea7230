"""A database that cannot be reached gives clear 503s (never 500s) and the readiness probe says so; live stays ok."""

from __future__ import annotations

import pytest

from tests.support.cluster import free_port


@pytest.fixture
def database_unreachable(api):
    """Point the running app at a PostgreSQL port where nothing listens; restore afterwards."""
    from resync_app import db

    saved = db._engine
    db._engine = db.make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none?connect_timeout=1")
    try:
        yield
    finally:
        db._engine.dispose()
        db._engine = saved


def test_ready_then_unavailable(api, admin_headers, database_unreachable):
    answer = api.get("/api/v1/health/ready")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable" and body["checks"]["database"]["ok"] is False
    assert "postgres" not in answer.text.lower()  # no URL or server detail leaks
    assert api.get("/api/v1/health").json() == {"status": "ok"}


def test_routes_answer_503_with_retry_after(api, admin_headers, database_unreachable):
    for method, path in (("GET", "/api/v1/admin/audit"), ("GET", "/api/v1/litellm/usage"),
                         ("POST", "/api/v1/auth/token")):
        kwargs = {"json": {"username": "admin", "password": "whatever-1"}} if method == "POST" else {}
        answer = api.request(method, path, headers=admin_headers, **kwargs)
        assert answer.status_code == 503, (path, answer.status_code, answer.text)
        assert "unavailable" in answer.json()["detail"] and answer.headers["Retry-After"] == "5"


def test_ready_when_all_is_well(api):
    answer = api.get("/api/v1/health/ready")
    assert answer.status_code == 200 and answer.json()["status"] == "ready"
    assert answer.json()["checks"]["services"]["ok"] is True
