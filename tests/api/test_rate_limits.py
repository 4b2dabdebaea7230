"""Rate limits through the real ASGI app: route classes, 429 + Retry-After + JSON, live changes of the 5 fields,
sliding vs fixed windows (with an injected clock), websocket connections, exemptions and the metrics of refusals."""

from __future__ import annotations

import types

import pytest
from starlette.testclient import WebSocketDenialResponse

from resync_app.web.routes import limit_classes, route_class
from tests.conftest import basic


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """One clock for the limiter, the `limits` strategies and its memory storage."""
    import limits.storage.memory as memory
    import limits.strategies as strategies

    from resync_app.web import ratelimit

    fake = FakeClock()
    module = types.SimpleNamespace(time=fake.time, sleep=lambda s: None, monotonic=fake.time)
    monkeypatch.setattr(memory, "time", module)
    monkeypatch.setattr(strategies, "time", module)
    ratelimit.reset_limiter()
    monkeypatch.setattr(ratelimit, "get_limiter", _limiter_with(fake))
    return fake


def _limiter_with(fake):
    from resync_app.web.ratelimit import RateLimiter

    limiter = RateLimiter(None, clock=fake.time)
    return lambda: limiter


def configure(**fields) -> None:
    """Set fields directly in the store (an admin call through the API would itself count)."""
    from resync_app.config.store import get_store

    result = get_store().update(fields, actor="tests")
    assert result.success, result.errors


@pytest.mark.parametrize("path,expected", [
    ("/api/v1/health", "health"), ("/api/v1/health/ready", "health"), ("/metrics", "metrics"),
    ("/metrics/dashboard", "static"), ("/", "static"), ("/admin/system", "static"),
    ("/api/v1/auth/token", "critical"), ("/api/v1/auth/session", "critical"), ("/api/v1/auth/logout", "authenticated"),
    ("/api/v1/admin/audit", "critical"), ("/api/v1/system-config/update", "critical"),
    ("/api/v1/litellm/dashboard-data", "critical"), ("/api/v1/ui/providers/openai/key", "critical"),
    ("/api/v1/tws/summary", "public"), ("/api/v1/tws/jobs/42", "public"), ("/api/v1/metrics/summary", "public"),
    ("/api/v1/chat", "public"), ("/_event/", "websocket"), ("/api/docs", "public"), ("/api/v1/new-thing", "public"),
])
def test_one_table_classifies_every_route(path, expected):
    assert route_class(path) == expected


def test_credentials_add_their_classes():
    assert limit_classes("/api/v1/tws/summary", None) == ["public"]
    assert limit_classes("/api/v1/tws/summary", "Bearer x") == ["public", "authenticated"]
    # HTTP Basic is a sign-in on every request: the critical limit applies too
    assert limit_classes("/api/v1/tws/summary", "Basic eDp5") == ["public", "authenticated", "critical"]
    assert limit_classes("/api/v1/admin/audit", "Bearer x") == ["critical", "authenticated"]
    assert limit_classes("/api/v1/health", "Basic eDp5") == []
    assert limit_classes("/metrics", None) == ["metrics"]  # its own counter (issue 15 item 11)


def test_critical_limit_answers_429_with_retry_after_and_json(api, admin_headers, clock):
    configure(rate_limit_critical_per_minute=3)
    answers = [api.get("/api/v1/admin/audit", headers=admin_headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("application/json")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert "critical" in body["detail"] and "3 per minute" in body["detail"]
    assert body["route_class"] == "critical" and body["limit_per_minute"] == 3


def test_a_live_change_applies_to_the_next_request_and_keeps_the_count(api, admin_headers, clock):
    configure(rate_limit_critical_per_minute=5)
    assert [api.get("/api/v1/admin/audit", headers=admin_headers).status_code for _ in range(3)] == [200] * 3
    configure(rate_limit_critical_per_minute=2)  # 3 already made: the next is over
    assert api.get("/api/v1/admin/audit", headers=admin_headers).status_code == 429
    configure(rate_limit_critical_per_minute=10)
    assert api.get("/api/v1/admin/audit", headers=admin_headers).status_code == 200


def test_retry_after_says_when_the_window_frees_a_slot(api, clock):
    configure(rate_limit_public_per_minute=2)
    assert api.get("/api/v1/tws/summary").status_code == 404  # not built yet, but limited already
    clock.now += 20
    assert api.get("/api/v1/tws/summary").status_code == 404
    refused = api.get("/api/v1/tws/summary")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 40  # the first hit leaves the moving window in 40 s
    clock.now += 40.5
    assert api.get("/api/v1/tws/summary").status_code == 404


@pytest.mark.parametrize("sliding,expected", [(True, 429), (False, 404)])
def test_sliding_and_fixed_windows(api, clock, sliding, expected):
    """Limit 2: hits at 0 s and 50 s, then at 61 s and 62 s. A fixed window (started at 0 s) has restarted at
    60 s, so 62 s is the 2nd hit of the new window; the moving window still holds 50 s and 61 s."""
    configure(rate_limit_public_per_minute=2, rate_limit_sliding_window=sliding)
    statuses = []
    for at in (0, 50, 61, 62):
        clock.now = 1_900_000_000.0 + at
        statuses.append(api.get("/api/v1/chat").status_code)
    assert 429 not in statuses[:3]
    assert (statuses[3] == 429) == (expected == 429)


def test_health_is_never_limited_and_metrics_has_its_own_limit(api, clock):
    configure(rate_limit_public_per_minute=3, rate_limit_critical_per_minute=1)
    assert {api.get("/api/v1/health").status_code for _ in range(10)} == {200}
    assert {api.get("/api/v1/health/ready").status_code for _ in range(5)} == {200}
    assert [api.get("/api/v1/tws/summary").status_code for _ in range(3)] == [404] * 3  # the public count is spent
    statuses = [api.get("/metrics").status_code for _ in range(4)]  # /metrics counts apart, at the public rate
    assert statuses == [200, 200, 200, 429]


def test_basic_requests_count_as_sign_ins(api, clock):
    configure(rate_limit_critical_per_minute=2, rate_limit_public_per_minute=100)
    wrong = basic(password="wrong-password-1")
    statuses = [api.get("/api/v1/tws/summary", headers=wrong).status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def test_token_route_is_limited_per_client(api, clock):
    configure(rate_limit_critical_per_minute=2)
    body = {"username": "nobody", "password": "wrong-password-1"}
    statuses = [api.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_new_websocket_connections_are_limited(api, clock):
    configure(rate_limit_websocket_per_minute=2)
    for _ in range(2):  # admitted by the limiter (the standalone API has no /_event route: closed by routing)
        with pytest.raises(Exception) as caught:
            with api.websocket_connect("/_event/?EIO=4&transport=websocket"):
                pass
        assert not isinstance(caught.value, WebSocketDenialResponse)
    with pytest.raises(WebSocketDenialResponse) as denied:
        with api.websocket_connect("/_event/?EIO=4&transport=websocket"):
            pass
    assert denied.value.status_code == 429
    assert int(denied.value.headers["retry-after"]) >= 1


def test_clients_are_counted_apart_and_exempt_addresses_not_at_all(clean_db, clock, monkeypatch):
    from resync_app.config.store import setting
    from resync_app.web.ratelimit import get_limiter

    configure(rate_limit_public_per_minute=1)
    limiter = get_limiter()
    assert limiter.check("127.0.0.2", ["public"], setting).allowed
    assert not limiter.check("127.0.0.2", ["public"], setting).allowed
    assert limiter.check("127.0.0.3", ["public"], setting).allowed  # another client has its own count
    monkeypatch.setenv("RESYNC_RATE_LIMIT_EXEMPT", "not-an-address, 10.9.0.0/16")
    assert all(limiter.check("10.9.1.1", ["public"], setting).allowed for _ in range(5))
    assert not limiter.check("127.0.0.3", ["public"], setting).allowed


def test_forwarded_for_is_believed_only_from_trusted_proxies(api, clock, monkeypatch):
    from resync_app.web.clientaddr import client_ip

    assert client_ip("10.0.0.5", "203.0.113.9") == "10.0.0.5"  # no trusted proxy configured
    monkeypatch.setenv("RESYNC_TRUSTED_PROXIES", "10.0.0.0/24")
    assert client_ip("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    assert client_ip("10.0.0.5", "198.51.100.1, 203.0.113.9, 10.0.0.7") == "203.0.113.9"  # right-most untrusted
    assert client_ip("192.0.2.1", "203.0.113.9") == "192.0.2.1"  # an untrusted peer cannot pick its address


def test_refusals_are_counted_in_metrics(api, clock):
    from resync_app import metrics
    from tests.support.prom import count

    configure(rate_limit_public_per_minute=1)  # the metrics route has the same limit: one scrape, after
    before = count(metrics.render()[0].decode(), "resync_rate_limited_total", route_class="public")
    api.get("/api/v1/chat")
    assert api.get("/api/v1/chat").status_code == 429
    after = count(api.get("/metrics").text, "resync_rate_limited_total", route_class="public")
    assert after - before == 1  # the counter is process-wide: this test's one refusal


def test_an_unreachable_counter_store_lets_requests_through(clean_db):
    from resync_app.config.store import setting
    from resync_app.web.ratelimit import RateLimiter
    from tests.support.cluster import free_port

    configure(rate_limit_public_per_minute=1)
    limiter = RateLimiter(f"redis://127.0.0.1:{free_port()}/0")
    assert all(limiter.check("127.0.0.5", ["public"], setting).allowed for _ in range(3))
    assert limiter._down_since is not None and limiter.refused == 0
