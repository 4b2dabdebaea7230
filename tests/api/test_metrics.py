"""`GET /metrics`: Prometheus text with requests per route class (never raw paths), LLM figures per model, budget,
rate-limit refusals, websocket clients and the TWS hooks; no secrets or users in labels."""

from __future__ import annotations

from resync_app import metrics
from tests.conftest import ADMIN_PASSWORD
from tests.llm.conftest import FAKE_KEY, Behavior, llm, llm_server  # noqa: F401  (fixtures)
from tests.support.prom import count, sample


def test_requests_are_counted_per_route_class(api, admin_headers):
    before = api.get("/metrics").text
    for _ in range(3):
        assert api.get("/api/v1/admin/audit", headers=admin_headers).status_code == 200
    api.get("/api/v1/admin/audit")  # 401
    answer = api.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    for status, expected in (("200", 3), ("401", 1)):
        labels = dict(route_class="critical", method="GET", status=status)
        assert sample(text, "resync_http_requests_total", **labels) - count(before, "resync_http_requests_total",
                                                                             **labels) == expected
    assert "/api/v1/admin/audit" not in text  # bounded labels: classes, not paths
    assert 'resync_http_request_duration_seconds_bucket{le="0.005",route_class="critical"}' in text


async def test_llm_calls_tokens_cost_and_budget(llm):
    llm.config(LLM_BUDGET_DAILY_USD=5.0)
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=1000, completion_tokens=100))
    before = llm.api.get("/metrics").text
    await llm.call("why did J1 abend?", model="gpt-4o")
    llm.flush()
    text = llm.api.get("/metrics").text

    def added(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - count(before, name, **labels)

    assert added("resync_llm_calls_total", model="gpt-4o", provider="openai", outcome="success") == 1
    assert added("resync_llm_tokens_total", model="gpt-4o", kind="prompt") == 1000
    assert added("resync_llm_tokens_total", model="gpt-4o", kind="completion") == 100
    assert abs(added("resync_llm_cost_usd_total", model="gpt-4o") - 0.0035) < 1e-9
    assert sample(text, "resync_llm_budget_limit_usd", period="daily") == 5.0
    assert abs(sample(text, "resync_llm_budget_spent_usd", period="daily") - 0.0035) < 1e-9  # a gauge: this day's
    assert FAKE_KEY not in text and ADMIN_PASSWORD not in text


def test_tws_hooks_and_websocket_gauge(api):
    before = api.get("/metrics").text
    metrics.observe_tws_poll("prod-east", 0.42, True)
    metrics.observe_tws_poll("prod-east", 1.5, False)
    metrics.count_event("critical")
    metrics.count_event("weird")
    text = api.get("/metrics").text
    for name, labels in (("resync_tws_polls_total", {"instance": "prod-east", "outcome": "error"}),
                         ("resync_tws_polls_total", {"instance": "prod-east", "outcome": "ok"}),
                         ("resync_tws_events_total", {"severity": "critical"}),
                         ("resync_tws_events_total", {"severity": "other"})):  # an unknown severity is "other"
        assert sample(text, name, **labels) - count(before, name, **labels) == 1, (name, labels)
    assert "resync_tws_poll_duration_seconds_bucket" in text
    assert "resync_websocket_clients" in text


def test_metrics_token_when_configured(api, monkeypatch):
    monkeypatch.setenv("RESYNC_METRICS_TOKEN", "scrape-secret-123")
    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = api.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert ok.status_code == 200 and "scrape-secret-123" not in ok.text
