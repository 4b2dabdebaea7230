"""`/api/v1/admin/health` and the health service: each component's real check (database, Redis, LLM providers
against the loopback fake provider without a completion, the billed deep check in the ledger, Teams, RAG, TWS),
failures with their reason, and the 24 h history with an injected clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.health.conftest import HEALTH_URL, FakeRag, closed_port
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)
from tests.llm.conftest import FAKE_KEY, OPENAI_MODELS, LLMHarness
from tests.fakes.llm_server import FakeLLMServer
from tests.fakes.webhook_receiver import WebhookReceiver

CORE = {"database", "tws", "llm", "teams"}


@pytest.fixture
def llm_fake():
    with FakeLLMServer(api_key=FAKE_KEY, models=OPENAI_MODELS + ["llama3"]) as srv:
        yield srv


def completions(srv: FakeLLMServer) -> list[dict]:
    return [r for r in srv.requests if r["method"] == "POST"]


# ---- shape, auth, database ----------------------------------------------------------------------------


def test_requires_an_admin(api):
    assert api.get(HEALTH_URL).status_code == 401
    assert api.post(HEALTH_URL + "/deep-check").status_code == 401


def test_components_and_database_check(health):
    from resync_app.health.checks import schema_heads

    report = health.get()
    assert CORE <= set(report) and "redis" not in report  # RESYNC_REDIS_URL is not set in the tests
    for name in CORE | {"rag"}:
        entry = report[name]
        assert {"ok", "latency_ms", "detail", "checked_at", "last_failure", "history_24h"} <= set(entry), name
    database = report["database"]
    assert database["ok"] is True and isinstance(database["latency_ms"], float)
    assert database["detail"] == f"SQLite: SELECT 1 answered; schema at {schema_heads()[0]} (head)"
    assert database["schema_revision"] == list(schema_heads())
    assert report["status"] == "degraded"  # TWS is not configured and no LLM provider is enabled


async def test_a_schema_behind_the_code_is_reported(tmp_path, database_url):
    from sqlalchemy import text

    from resync_app.db import get_engine
    from resync_app.health.checks import check_database
    from tests.support import dbutil

    dbutil.use_database(f"sqlite:///{tmp_path / 'old.db'}", migrate=True)
    try:
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
        result = await check_database()
        assert result.ok is False
        assert "schema is at 0003" in result.detail and "python -m resync_app migrate" in result.detail
    finally:
        dbutil.use_database(database_url)


def test_tws_without_an_enabled_instance_is_not_configured(health):
    tws = health.get()["tws"]
    assert tws["ok"] is False and tws["detail"] == "TWS not configured: no enabled instance"


def _tws_instance(api, headers, sim, **extra) -> None:
    body = {"name": "prod", "display_name": "Production", "base_url": sim.base_url, "username": sim.username,
            "password": sim.password, "verify_tls": True, "enabled": True, "read_only": False, **extra}
    answer = api.put("/api/v1/admin/tws-config", json={"instances": [body]}, headers=headers)
    assert answer.status_code == 200, answer.text


def test_tws_instance_answering_is_healthy(api, health, simulator):
    _tws_instance(api, health.headers, simulator)
    tws = health.get()["tws"]
    assert tws["ok"] is True, tws
    assert tws["latency_ms"] is not None and tws["latency_ms"] >= 0
    assert tws["detail"].startswith("prod: engine answered")
    assert any(path.endswith("/engine/info") for _method, path, _query in simulator.requests())


def test_tws_instance_down_or_refusing_is_reported_with_the_reason(api, health, simulator):
    _tws_instance(api, health.headers, simulator, password="not-the-password")
    tws = health.get()["tws"]
    assert tws["ok"] is False and "401" in tws["detail"] and "not-the-password" not in json.dumps(tws)
    _tws_instance(api, health.headers, simulator)
    simulator.go_down()
    tws = health.get()["tws"]
    assert tws["ok"] is False and "unreachable" in tws["detail"]


# ---- Redis --------------------------------------------------------------------------------------------


@pytest.mark.redis
async def test_redis_ping_against_the_real_server():
    from resync_app.health.checks import check_redis
    from tests.redis.conftest import REDIS_URL

    result = await check_redis(REDIS_URL)
    assert result.ok is True and result.detail.startswith("PING answered (Redis ")
    assert result.latency_ms is not None and result.latency_ms >= 0


async def test_redis_on_a_closed_port_fails_without_showing_the_url():
    from resync_app.health.checks import check_redis

    result = await check_redis(f"redis://:hunter2-secret@127.0.0.1:{closed_port()}/0")
    assert result.ok is False and result.detail.startswith("no answer to PING")
    assert "hunter2-secret" not in result.detail


@pytest.mark.redis
def test_redis_is_reported_when_resync_redis_url_is_set(health, monkeypatch):
    from resync_app.settings import reload_settings
    from tests.redis.conftest import REDIS_URL

    monkeypatch.setenv("RESYNC_REDIS_URL", REDIS_URL)
    reload_settings()
    try:
        redis = health.get()["redis"]
        assert redis["ok"] is True and "PING answered" in redis["detail"]
    finally:
        monkeypatch.delenv("RESYNC_REDIS_URL")
        reload_settings()


# ---- LLM providers: model lists, never a completion; the billed deep check ------------------------------


def test_llm_check_lists_models_and_never_requests_a_completion(health, api, llm_fake):
    harness = LLMHarness(api, health.headers, llm_fake)
    harness.enable("openai")
    harness.enable("ollama", models=["llama3", "mistral"])
    llm_fake.reset()

    llm = health.get()["llm"]
    assert llm["ok"] is True  # mistral is configured but not listed by the server: a remark, not a failure
    by_id = {p["id"]: p for p in llm["providers"]}
    assert by_id["openai"]["ok"] and by_id["openai"]["models_listed"] == len(OPENAI_MODELS) + 1
    assert by_id["ollama"]["ok"] and by_id["ollama"]["missing_models"] == ["mistral"]
    assert "not listed: mistral" in llm["detail"]
    assert llm["router_available"] is True
    assert {(r["method"], r["path"]) for r in llm_fake.requests} == {("GET", "/v1/models"), ("GET", "/api/tags")}
    assert completions(llm_fake) == []
    assert llm_fake.requests[0]["headers"].get("authorization", "") in ("", f"Bearer {FAKE_KEY}")


def test_llm_check_ok_when_every_enabled_provider_answers(health, api, llm_fake):
    LLMHarness(api, health.headers, llm_fake).enable("openai")
    llm = health.get()["llm"]
    assert llm["ok"] is True and llm["detail"] == f"OpenAI: {len(OPENAI_MODELS) + 1} model(s) listed"
    assert completions(llm_fake) == []


def test_llm_check_reports_a_refused_key_and_no_provider(health, api, llm_fake):
    assert health.get()["llm"]["detail"] == "no LLM provider is enabled (LiteLLM Configuration)"
    LLMHarness(api, health.headers, llm_fake).enable("openai", key="rk-wrong-" + "9" * 20)
    answer = api.get(HEALTH_URL, headers=health.headers)
    llm = answer.json()["llm"]
    assert llm["ok"] is False and "the API key was refused (HTTP 401)" in llm["detail"]
    assert "rk-wrong-" not in answer.text


def test_deep_check_is_one_billed_call_in_the_ledger(health, api, llm_fake):
    from resync_app.llm.ledger import ledger
    from tests.llm.conftest import ledger_sums

    LLMHarness(api, health.headers, llm_fake).enable("openai")
    llm_fake.reset()
    answer = health.post("/deep-check", json={"model": "gpt-4o-mini"})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["success"] is True and result["model"] == "gpt-4o-mini" and result["tokens"] > 0
    assert len(completions(llm_fake)) == 1
    ledger.flush()
    assert ledger_sums("purpose = 'health'")["requests"] == 1
    assert ledger_sums()["requests"] == 1
    deep = health.get(cached="true")["llm"]["deep_check"]
    assert deep["ok"] is True and deep["model"] == "gpt-4o-mini"

    failed = health.post("/deep-check", json={"model": "no-such-model"}).json()
    assert failed["success"] is False and "not served" in failed["error"]
    assert health.post("/deep-check", json={"model": ""}).status_code == 422


# ---- Teams and RAG ------------------------------------------------------------------------------------


def test_teams_check_follows_the_last_delivery_without_posting(health, api):
    teams = health.get()["teams"]
    assert teams["ok"] is True and teams["detail"] == "Teams notifications are off"
    with WebhookReceiver() as hook:
        assert api.put("/api/v1/admin/teams-config", headers=health.headers,
                       json={"enabled": True, "webhook_url": hook.url}).status_code == 200
        hook.fail_next(400)
        api.post("/api/v1/admin/teams-config/test", headers=health.headers)
        teams = health.get()["teams"]
        assert teams["ok"] is False and "the last delivery failed" in teams["detail"]
        assert "Bad payload" in teams["detail"] and hook.path not in teams["detail"]
        api.post("/api/v1/admin/teams-config/test", headers=health.headers)
        teams = health.get()["teams"]
        assert teams["ok"] is True and teams["detail"].startswith("last card delivered")
        assert len(hook.requests) == 2  # the checks themselves posted nothing
        assert api.put("/api/v1/admin/teams-config", headers=health.headers,
                       json={"webhook_url": ""}).status_code == 200
        teams = health.get()["teams"]
        assert teams["ok"] is False and teams["detail"] == "Teams is enabled but no webhook URL is set"


def test_rag_down_is_reported_with_the_reason(health):
    health.config(rag_service_url=f"http://127.0.0.1:{closed_port()}", rag_service_timeout=300)
    report = health.get()
    rag = report["rag"]
    assert rag["ok"] is False and rag["detail"].startswith("RAG service unreachable")
    assert rag["timeout_s"] == 5.0  # rag_service_timeout (300 s) capped for a probe
    assert report["status"] == "degraded"


@pytest.mark.parametrize("health_status, probed", [(200, "/health"), (404, "/")])
def test_rag_up(health, health_status, probed):
    fake = FakeRag(health_status)
    try:
        health.config(rag_service_url=fake.url)
        rag = health.get()["rag"]
        assert rag["ok"] is True and rag["detail"] == f"GET {probed} answered HTTP 200" and rag["probed"] == probed
    finally:
        fake.stop()


def test_rag_answering_500_is_a_failure(health):
    fake = FakeRag(500)
    try:
        health.config(rag_service_url=fake.url)
        rag = health.get()["rag"]
        assert rag["ok"] is False and rag["detail"] == "GET /health answered HTTP 500"
    finally:
        fake.stop()


# ---- history, last failure, pruning (injected clock) -----------------------------------------------------


@pytest.fixture
def scripted(health):
    """A registered component whose outcomes the test scripts (through the real registry and runner)."""
    from resync_app.health import service
    from resync_app.health.service import CheckResult

    outcomes: list[CheckResult] = []

    async def check() -> CheckResult:
        return outcomes.pop(0)

    service.register_check("scripted", check)
    yield outcomes
    service.unregister_check("scripted")


def _count(component: str) -> int:
    from sqlalchemy import text

    from resync_app.db import get_engine

    with get_engine().connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM health_checks WHERE component = :c"),
                            {"c": component}).scalar_one()


async def test_history_last_failure_and_24h_pruning(scripted):
    from resync_app.db import utcnow
    from resync_app.events import feed
    from resync_app.health import service
    from resync_app.health.service import CheckResult

    t = utcnow()
    scripted += [CheckResult(True, "fine", 10), CheckResult(False, "scripted failure", 50),
                 CheckResult(True, "fine again", 20)]
    seen = feed.seq(service.TOPIC)
    await service.run_checks(now=t - timedelta(hours=25), only=["scripted"])
    await service.run_checks(now=t - timedelta(hours=2), only=["scripted"])
    assert _count("scripted") == 2  # nothing is older than 24 h at that moment
    assert feed.seq(service.TOPIC) == seen + 2  # each run is published for the pages
    await service.run_checks(now=t, only=["scripted"])
    assert _count("scripted") == 2  # the run 25 h before t is gone

    report = service.report(now=t)["scripted"]
    assert report["ok"] is True and report["detail"] == "fine again" and report["latency_ms"] == 20
    assert report["last_failure"] == {"at": (t - timedelta(hours=2)).isoformat(), "detail": "scripted failure"}
    assert report["history_24h"] == {"checks": 2, "failures": 1, "availability": 0.5, "avg_latency_ms": 35.0}
    points = service.history("scripted", now=t)
    assert [(p["checks"], p["failures"], p["avg_latency_ms"]) for p in points] == [(1, 1, 50.0), (1, 0, 20.0)]
    assert points[0]["last_detail"] == "scripted failure"

    assert service.prune(now=t + timedelta(hours=22, seconds=1)) >= 1
    assert _count("scripted") == 1


async def test_a_hanging_or_raising_check_is_a_failed_result(health):
    import asyncio

    from resync_app.health import service

    async def hangs():
        await asyncio.sleep(30)

    async def raises():
        raise RuntimeError("probe exploded")

    service.register_check("hangs", hangs, timeout_s=0.2)
    service.register_check("raises", raises)
    try:
        results = await service.run_checks(only=["hangs", "raises"], store=False)
    finally:
        service.unregister_check("hangs")
        service.unregister_check("raises")
    assert results["hangs"]["ok"] is False and "did not finish within 0.2 s" in results["hangs"]["detail"]
    assert results["raises"] == {**results["raises"], "ok": False,
                                 "detail": "check failed: RuntimeError: probe exploded"}


def test_history_route_and_the_monitor_skips_a_fresh_run(health, api):
    from resync_app.health.monitor import HealthMonitor

    health.get()  # a run
    answer = api.get(HEALTH_URL + "/history", headers=health.headers, params={"component": "database"})
    assert answer.status_code == 200
    points = answer.json()["points"]
    assert sum(p["checks"] for p in points) == 1 and points[0]["failures"] == 0
    assert api.get(HEALTH_URL + "/history", headers=health.headers,
                   params={"component": "nope"}).status_code == 404
    assert HealthMonitor(interval_s=60).run_once() is False  # another run is younger than the interval
    assert HealthMonitor(interval_s=0).run_once() is True
    answer = api.get(HEALTH_URL + "/history", headers=health.headers, params={"component": "database"})
    assert sum(p["checks"] for p in answer.json()["points"]) == 2


def test_a_component_that_contacted_nothing_reports_no_latency(health):
    report = health.get()
    assert report["tws"]["latency_ms"] is None  # "TWS not configured": nothing was probed
    assert report["llm"]["latency_ms"] is None  # no provider enabled
    assert report["rag"]["latency_ms"] is not None  # the RAG URL was tried


def test_the_monitor_thread_runs_and_publishes(health):
    import threading

    from resync_app.events import feed
    from resync_app.health import service
    from resync_app.health.monitor import HealthMonitor

    ran = threading.Event()

    def listener(_payload) -> None:
        ran.set()

    feed.subscribe(service.TOPIC, listener)
    monitor = HealthMonitor(interval_s=60, first_delay_s=0)
    try:
        monitor.start()
        assert ran.wait(20), "the monitor thread stored no run"
    finally:
        monitor.stop()
        feed.unsubscribe(service.TOPIC, listener)
    assert service.last_run_at() is not None
    assert set(service.report()) >= {"database", "tws", "llm", "teams"}


def test_a_tws_configuration_change_is_rechecked_at_once(api, health, simulator):
    """The stored TWS health follows the configuration: no 60 s of "unreachable" for an instance that is gone."""
    import threading

    from resync_app.events import feed
    from resync_app.health import monitor, service

    stored: list[str] = []
    arrived = threading.Event()

    def listener(_payload) -> None:
        latest = service.latest("tws")
        stored.append(latest["detail"] if latest else "")
        arrived.set()

    feed.subscribe(service.TOPIC, listener)
    monitor.start(interval_s=3600, first_delay_s=0)
    try:
        assert arrived.wait(20), "the monitor stored no first run"
        assert stored[-1] == "TWS not configured: no enabled instance"
        arrived.clear()
        _tws_instance(api, health.headers, simulator)  # the monitor's next periodic round is an hour away
        assert arrived.wait(20), "a configuration change was not re-checked"
        assert stored[-1].startswith("prod: engine answered"), stored
        arrived.clear()
        answer = api.put("/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []},
                         headers=health.headers)
        assert answer.status_code == 200, answer.text
        assert arrived.wait(20), "removing the instance was not re-checked"
        assert stored[-1] == "TWS not configured: no enabled instance", stored
    finally:
        monitor.stop()
        feed.unsubscribe(service.TOPIC, listener)
