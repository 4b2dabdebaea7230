"""`GET /api/v1/metrics/summary` (CONTRACT §9): an operator read with no login, the same figures as the service
(hence the page), 422 for a bad window, nothing secret or personal in the answer, rate-limited as public."""

from __future__ import annotations

import json

import pytest

from resync_app.reports import metrics
from tests.support import metrics_seed
from tests.support.dbutil import drop_users_except
from tests.support.metrics_seed import SENTINEL_USER, fixed_clock  # noqa: F401 (fixture)
from tests.support.sentinels import leaks, plant

ROUTE = "/api/v1/metrics/summary"


def test_anyone_reads_the_hand_computed_figures(api, fixed_clock):
    metrics_seed.seed()
    answer = api.get(ROUTE, params={"days": "7"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    metrics_seed.check(body)
    same = metrics.summary(7)
    assert {k: v for k, v in body.items() if k != "generated_at"} == \
        {k: v for k, v in same.items() if k != "generated_at"}


def test_the_default_window_is_seven_days(api, fixed_clock):
    body = api.get(ROUTE).json()
    assert body["days"] == 7 and len(body["llm"]["per_day"]) == 7
    assert set(body) >= {"days", "start_day", "end_day", "timezone", "llm", "chat", "tws_polls", "events"}
    assert set(body["llm"]["per_day"][0]) >= {"day", "requests", "input_tokens", "output_tokens", "p50_ms",
                                              "p95_ms", "error_rate", "cache_hit_rate"}
    assert set(body["chat"]["totals"]) >= {"feedback_ratio", "fast_path_share"}
    assert set(body["tws_polls"]["totals"]) >= {"polls", "errors", "p50_ms", "p95_ms"}
    assert set(body["events"]["per_day"][0]) == {"day", "info", "warning", "critical", "total"}


@pytest.mark.parametrize("days", ["0", "91", "-1", "7.5", "abc", "1e1", "%D9%A3"])
def test_a_bad_window_is_a_422_that_says_why(api, days):
    answer = api.get(f"{ROUTE}?days={days}")
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "1 to 90" in detail["errors"]["days"]


def test_no_secret_no_name_no_model_cost_in_the_answer(api, admin_headers, fixed_clock):
    from resync_app.auth.service import find_user

    plant(lambda method, path, json: api.request(method, path, json=json, headers=admin_headers))
    metrics_seed.seed()
    text = api.get(ROUTE, params={"days": 90}).text
    admin = find_user("admin")
    assert leaks(text, {"password hash": admin.password_hash, "username": SENTINEL_USER}) == []
    body = json.loads(text)
    assert "gpt-4o" not in text and "openai" not in text  # no per-model figures
    assert set(body["llm"]["totals"]) & {"cost_usd"} and "model_costs" not in text


def test_rate_limited_per_client_like_the_other_operator_reads(api):
    from resync_app.config.store import get_store

    assert get_store().update({"rate_limit_public_per_minute": 2}, actor="tests").success
    statuses = [api.get(ROUTE).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_sign_in_required_closes_it_to_anonymous_clients(api, monkeypatch):
    from resync_app import settings
    from resync_app.auth import service, sessions, users

    users.create_user("night-operator", "operator-password-1", "operator", users.Actor("tests"))
    token, _ = sessions.issue(service.find_user("night-operator"), "token")
    monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "required")
    settings.reload_settings()
    try:
        assert api.get(ROUTE).status_code == 401
        assert api.get(ROUTE, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        monkeypatch.delenv("RESYNC_OPERATOR_LOGIN")
        settings.reload_settings()
        drop_users_except("admin")
    assert api.get(ROUTE).status_code == 200
