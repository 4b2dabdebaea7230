"""`GET /metrics` is protected (issue 15 item 11): under RESYNC_OPERATOR_LOGIN=required it needs
RESYNC_METRICS_TOKEN, and without one configured it is refused (403, said in a log line at start); with a token
the scraper must send it; it is rate-limited per client (its own counter at the public rate), except for the
addresses in RESYNC_RATE_LIMIT_EXEMPT."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from resync_app.api.app import create_api

TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def metrics_token(monkeypatch):
    monkeypatch.setenv("RESYNC_METRICS_TOKEN", TOKEN)


def _started(caplog) -> list[str]:
    from resync_app.api.ops import log_metrics_protection

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="resync.api.metrics"):
        log_metrics_protection()
    return [r.getMessage() for r in caplog.records if r.name == "resync.api.metrics"]


def test_sign_in_required_and_no_token_refuses_and_says_so_at_start(operator_login_required, api, caplog):
    answer = api.get("/metrics")
    assert answer.status_code == 403
    assert "RESYNC_METRICS_TOKEN" in answer.json()["detail"] and "resync_http_requests_total" not in answer.text
    assert api.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 403
    [line] = _started(caplog)
    assert "refused" in line and "RESYNC_METRICS_TOKEN" in line


def test_sign_in_required_with_a_token_serves_the_scraper_only(operator_login_required, metrics_token, api,
                                                               caplog):
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    answer = api.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and "resync_http_requests_total" in answer.text
    [line] = _started(caplog)
    assert "needs the RESYNC_METRICS_TOKEN" in line and TOKEN not in line


def test_optional_sign_in_without_a_token_stays_open_and_warns(api, caplog):
    assert api.get("/metrics").status_code == 200
    [line] = _started(caplog)
    assert "open" in line


def test_a_token_applies_in_optional_mode_too(metrics_token, api):
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def _configure(**fields) -> None:
    from resync_app.config.store import get_store

    assert get_store().update(fields, actor="tests").success


def test_metrics_is_rate_limited_per_client_and_exempt_addresses_are_not(clean_db, monkeypatch):
    _configure(rate_limit_public_per_minute=5, rate_limit_sliding_window=False)
    with TestClient(create_api(standalone=True), client=("192.0.2.10", 40000)) as scraper:
        statuses = [scraper.get("/metrics").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    monkeypatch.setenv("RESYNC_RATE_LIMIT_EXEMPT", "10.9.0.0/16")
    with TestClient(create_api(standalone=True), client=("10.9.1.1", 40000)) as exempt:
        assert {exempt.get("/metrics").status_code for _ in range(12)} == {200}
    with TestClient(create_api(standalone=True), client=("192.0.2.10", 40000)) as again:
        assert again.get("/metrics").status_code == 429  # the same client's count holds
