"""`/api/v1/litellm` (CONTRACT §6) through the real ASGI app, with providers at the loopback fake server."""

from __future__ import annotations

import io
import time
import uuid

import litellm
import pytest
from sqlalchemy import text

from tests.llm.conftest import FAKE_KEY, LLM_URL, OPENAI_MODELS, Behavior, wait_reported

ROUTES = ("/status", "/models", "/usage", "/costs", "/providers", "/dashboard-data", "/budget", "/prices",
          "/analytics")


def providers(llm) -> dict[str, dict]:
    return {p["id"]: p for p in llm.get("/providers")}


def audit(llm, action: str = "llm.provider.update") -> list[dict]:
    entries = llm.api.get("/api/v1/admin/audit", headers=llm.headers, params={"limit": 1000})
    assert entries.status_code == 200
    return [e for e in entries.json() if e["action"] == action]


def post_test(llm, **body):
    return llm.api.post(f"{LLM_URL}/test", headers=llm.headers, json=body)


# ---- /status, /models, /dashboard-data ------------------------------------------------------------

def test_status_has_contract_keys_and_real_increasing_uptime(llm):
    first = llm.get("/status")
    assert {"initialized", "router_available", "init_success_count", "init_failures", "cost_calc_failures",
            "uptime_seconds"} <= set(first)
    assert first["initialized"] is True and first["router_available"] is True and first["init_success_count"] == 1
    assert first["init_failures"] == {} and isinstance(first["cost_calc_failures"], int)
    started = llm.gateway.started_at
    assert isinstance(first["uptime_seconds"], (int, float))
    assert 0 <= first["uptime_seconds"] <= time.time() - started + 0.2
    for _ in range(100):  # wait for the clock (not for a fixed time): uptime moves on
        second = llm.get("/status")["uptime_seconds"]
        if second > first["uptime_seconds"]:
            break
        time.sleep(0.02)
    assert second > first["uptime_seconds"]


def test_status_reports_an_enabled_but_unconfigured_provider(llm):
    answer = llm.put_provider("together_ai", enabled=True)
    assert answer.status_code == 200
    status = llm.get("/status")
    assert "TOGETHERAI_API_KEY" in status["init_failures"]["together_ai"]
    assert status["router_available"] is True and status["init_success_count"] == 1


# An independent oracle: USD per 1,000 tokens as LiteLLM's shipped map (pinned version) prices them, written
# down here rather than asked of LiteLLM.
PRICES_PER_1K = {"gpt-4o": (0.0025, 0.01), "gpt-3.5-turbo": (0.0005, 0.0015), "gpt-4o-mini": (0.00015, 0.0006)}


def test_models_lists_only_enabled_providers_with_price_map_prices(llm):
    models = llm.get("/models")
    assert sorted(m["name"] for m in models) == sorted(OPENAI_MODELS)
    keys = {"name", "provider", "model_type", "max_tokens", "input_cost_per_1k", "output_cost_per_1k",
            "supports_streaming", "supports_function_calling", "is_local"}
    assert all(keys <= set(m) for m in models)
    for model in models:
        info = litellm.model_cost[model["name"]]
        assert model["provider"] == "openai" and model["is_local"] is False and model["model_type"] == "chat"
        assert (model["input_cost_per_1k"], model["output_cost_per_1k"]) == (
            pytest.approx(PRICES_PER_1K[model["name"]][0]), pytest.approx(PRICES_PER_1K[model["name"]][1]))
        assert model["max_tokens"] == (info.get("max_input_tokens") or info.get("max_tokens")) > 0
        assert model["supports_function_calling"] == bool(info.get("supports_function_calling"))

    llm.enable("anthropic")
    llm.enable("ollama")
    names = {m["name"]: m for m in llm.get("/models")}
    assert set(names) == set(OPENAI_MODELS) | {"claude-3-haiku-20240307", "ollama/llama3"}
    haiku = names["claude-3-haiku-20240307"]
    assert haiku["input_cost_per_1k"] is None and haiku["output_cost_per_1k"] is None  # not in the map: unknown
    assert names["ollama/llama3"]["is_local"] is True and names["ollama/llama3"]["input_cost_per_1k"] == 0

    assert [m["name"] for m in llm.get("/models", provider="anthropic")] == ["claude-3-haiku-20240307"]
    assert [m["name"] for m in llm.get("/models", local_only=True)] == ["ollama/llama3"]
    assert llm.get("/models", provider="together_ai") == []  # known but disabled
    unknown = llm.api.get(f"{LLM_URL}/models", headers=llm.headers, params={"provider": "skynet"})
    assert unknown.status_code == 404 and "skynet" in unknown.json()["detail"]

    llm.put_provider("anthropic", enabled=False)
    assert "claude-3-haiku-20240307" not in {m["name"] for m in llm.get("/models")}


def test_dashboard_data_has_the_contract_keys(llm):
    data = llm.get("/dashboard-data")
    assert {"status", "usage", "costs", "providers", "models_count", "timestamp"} <= set(data)
    assert data["models_count"] == len(OPENAI_MODELS)
    assert data["status"]["initialized"] and "total_requests" in data["usage"]
    assert "daily_costs" in data["costs"] and {p["id"] for p in data["providers"]} == {
        "openai", "anthropic", "ollama", "together_ai", "openrouter", "nvidia_nim"}


def test_reset_rebuilds_the_router(llm):
    answer = llm.api.post(f"{LLM_URL}/reset", headers=llm.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is True and "3 deployment" in body["message"]
    llm.put_provider("openai", enabled=False)
    body = llm.api.post(f"{LLM_URL}/reset", headers=llm.headers).json()
    assert body["success"] is False and body["message"]
    assert audit(llm, "llm.router.reset")


# ---- POST /test -------------------------------------------------------------------------------------

def test_test_endpoint_calls_the_model_and_records_it(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply="pong", prompt_tokens=20, completion_tokens=1))
    answer = post_test(llm, model="gpt-4o")
    assert answer.status_code == 200
    body = answer.json()
    assert {"success", "model", "response", "latency_ms", "error", "tokens_used", "cost_usd"} <= set(body)
    assert (body["success"], body["model"], body["response"], body["error"], body["tokens_used"]) == (
        True, "gpt-4o", "pong", None, 21)
    assert body["cost_usd"] == pytest.approx(20 * 2.5e-06 + 1 * 1e-05) and body["latency_ms"] > 0
    rows = llm.rows()
    assert [(r["model"], r["purpose"], r["route_reason"]) for r in rows] == [("gpt-4o", "test", "requested")]


def test_test_endpoint_with_a_failing_provider_is_200_with_its_error(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(status=500, error_message="the fake provider melted down"))
    answer = post_test(llm, model="gpt-4o", timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["success"] is False and body["response"] is None
    assert "the fake provider melted down" in body["error"]
    assert llm.srv.count("gpt-3.5-turbo") == 0  # a test does not fall back
    [row] = llm.rows()
    assert (row["outcome"], row["purpose"]) == ("error", "test") and row["error_class"]


def test_test_endpoint_404_for_unroutable_models(llm):
    unknown = post_test(llm, model="gpt-17-ultra")
    assert unknown.status_code == 404 and "gpt-17-ultra" in unknown.json()["detail"]
    disabled = post_test(llm, model="claude-3-haiku-20240307")  # Anthropic is not enabled
    assert disabled.status_code == 404
    assert "claude-3-haiku-20240307" in disabled.json()["detail"] and "disabled" in disabled.json()["detail"]
    llm.put_provider("openai", enabled=False)
    off = post_test(llm, model="gpt-4o")
    assert off.status_code == 404 and "gpt-4o" in off.json()["detail"]
    assert llm.srv.count() == 0


@pytest.mark.parametrize("body", [
    {"model": "gpt-4o", "timeout": 4},
    {"model": "gpt-4o", "timeout": 121},
    {"prompt": "hi"},
    {"model": ""},
    {"model": "gpt-4o", "temperature": 0.2},
    {"model": "gpt-4o", "timeout": "soon"},
], ids=["timeout-4", "timeout-121", "no-model", "empty-model", "extra-field", "timeout-not-a-number"])
def test_test_endpoint_rejects_bad_bodies(llm, body):
    answer = post_test(llm, **body)
    assert answer.status_code == 422 and answer.json()["detail"]
    assert llm.srv.count() == 0


# ---- PUT /providers/{id} ------------------------------------------------------------------------------

def test_put_provider_omitted_fields_keep_their_value_and_key_is_write_only(llm):
    before = providers(llm)["openai"]
    assert before["enabled"] and before["configured"] and before["api_base"] == llm.srv.openai_base
    assert before["models_available"] == OPENAI_MODELS
    hint = before["key_hint"]
    assert hint.lstrip("…") and len(hint.lstrip("…")) <= 4 and FAKE_KEY.endswith(hint.lstrip("…"))

    answer = llm.put_provider("openai", enabled=False)
    assert answer.status_code == 200
    body = answer.json()
    assert FAKE_KEY not in answer.text and "api_key" not in body
    assert body["enabled"] is False
    for field in ("api_base", "models_available", "key_hint", "configured"):
        assert body[field] == before[field], field
    answer = llm.put_provider("openai", enabled=True)
    assert answer.json()["key_hint"] == hint
    # sending the hint back (what a form shows) keeps the key
    assert llm.put_provider("openai", api_key=hint).status_code == 200
    assert post_test(llm, model="gpt-4o").json()["success"] is True
    assert llm.srv.requests[-1]["headers"]["authorization"] == f"Bearer {FAKE_KEY}"
    assert all(e["detail"].get("api_key") is None for e in audit(llm)[:2])  # enabling and the hint: no key change


def test_put_provider_new_key_is_used_and_audited_as_changed(llm):
    new_key = "sk-rotated-" + "x" * 20 + "WXYZ"
    answer = llm.put_provider("openai", api_key=new_key)
    assert answer.status_code == 200 and new_key not in answer.text
    assert answer.json()["key_hint"] == "…WXYZ"
    failed = post_test(llm, model="gpt-4o").json()  # the fake only accepts the old key
    assert failed["success"] is False and new_key not in failed["error"]
    assert llm.srv.requests[-1]["headers"]["authorization"] == f"Bearer {new_key}"
    [latest, *_] = audit(llm)
    assert latest["target"] == "openai" and latest["detail"]["api_key"] == "changed"
    raw = llm.api.get("/api/v1/admin/audit", headers=llm.headers, params={"limit": 1000}).text
    assert new_key not in raw and FAKE_KEY not in raw
    llm.put_provider("openai", api_key=FAKE_KEY)
    assert post_test(llm, model="gpt-4o").json()["success"] is True


@pytest.mark.parametrize("body,field", [
    ({"api_base": "ftp://example.com"}, "api_base"),
    ({"api_base": "not a url"}, "api_base"),
    ({"models": []}, "models"),
    ({"models": ["gpt 4o"]}, "models"),
    ({"models": ["gpt-4o", "gpt-4o"]}, "models"),
    ({"models": ["=gpt-4o"]}, "models"),
    ({"api_key": "short"}, "api_key"),
    ({"enabled": False, "api_base": "http://"}, "api_base"),  # the valid part is not applied either
])
def test_put_provider_invalid_values_are_422_and_change_nothing(llm, body, field):
    before = providers(llm)["openai"]
    entries = len(audit(llm))
    answer = llm.put_provider("openai", **body)
    assert answer.status_code == 422, answer.text
    assert field in str(answer.json()["detail"])
    after = providers(llm)["openai"]
    for key in ("enabled", "api_base", "models_available", "key_hint", "configured"):
        assert after[key] == before[key], key
    assert len(audit(llm)) == entries


def test_put_provider_unknown_provider_or_field(llm):
    assert llm.put_provider("skynet", enabled=True).status_code == 404
    assert llm.put_provider("openai", enabled=True, region="eu").status_code == 422
    assert llm.put_provider("openai", enabled="maybe").status_code == 422


def test_put_provider_rebuilds_the_router_and_models_follow(llm):
    answer = llm.put_provider("openai", models=["gpt-4o-mini", "fast=gpt-3.5-turbo"])
    assert answer.status_code == 200
    assert answer.json()["models_available"] == ["gpt-4o-mini", "fast"]
    assert sorted(m["name"] for m in llm.get("/models")) == ["fast", "gpt-4o-mini"]
    assert llm.get("/status")["deployments"] == 2
    assert post_test(llm, model="gpt-4o").status_code == 404
    fast = post_test(llm, model="fast").json()
    assert fast["success"] is True and llm.srv.requests[-1]["model"] == "gpt-3.5-turbo"  # the alias's target
    [entry, *_] = audit(llm)
    assert entry["detail"]["models"] == [OPENAI_MODELS, ["gpt-4o-mini", "fast"]]
    # an api_base change (with the key: it never follows a new base on its own) moves the calls
    moved = llm.put_provider("openai", api_base="http://127.0.0.1:9/v1", api_key=FAKE_KEY)
    assert moved.json()["api_base"] == "http://127.0.0.1:9/v1"
    sent = llm.srv.count()
    failed = post_test(llm, model="gpt-4o-mini", timeout=5).json()
    assert failed["success"] is False and llm.srv.count() == sent
    # and clearing it goes back to the catalogue's default
    assert llm.put_provider("openai", api_base="", api_key=FAKE_KEY).json()["api_base"] == "https://api.openai.com/v1"


# ---- keys never leave the server ---------------------------------------------------------------------

async def test_keys_appear_in_no_answer_and_no_log_line(llm, capfd, caplog):
    from resync_app import logging_setup

    wrong_key = "ant-wrong-" + uuid.uuid4().hex
    buffer = io.StringIO()
    handler = logging_setup._handler
    assert handler is not None
    old_stream = handler.setStream(buffer)
    answers: list[str] = []
    try:
        llm.config(log_level="DEBUG")
        llm.enable("anthropic", key=wrong_key)  # the fake answers 401 to it
        llm.enable("ollama")
        await llm.call("is PAYROLL running?")
        # a provider that echoes the key in its error, a fallback, a wrong key, a dead endpoint
        llm.srv.set_behavior("gpt-4o", Behavior(status=401, error_message=f"Incorrect API key provided: {FAKE_KEY}"))
        answers.append(post_test(llm, model="gpt-4o").text)
        fell_back = await llm.call("why did PAYROLL abend?", wait=False)
        assert (fell_back.model, fell_back.route_reason) == ("gpt-3.5-turbo", "fallback")
        assert await wait_reported(fell_back.request_id) >= 1
        answers.append(post_test(llm, model="claude-3-haiku-20240307").text)
        answers.append(post_test(llm, model="ollama/llama3").text)
        llm.srv.set_behavior("gpt-4o", Behavior(status=500, error_message=f"debug: auth={FAKE_KEY}"))
        answers.append(post_test(llm, model="gpt-4o").text)
        answers.append(llm.put_provider("openai", api_key=FAKE_KEY).text)
        answers.append(llm.api.post(f"{LLM_URL}/reset", headers=llm.headers).text)
        llm.flush()
        for route in ROUTES:
            answer = llm.api.get(LLM_URL + route, headers=llm.headers)
            assert answer.status_code == 200, route
            answers.append(answer.text)
        answers.append(llm.api.get("/api/v1/admin/audit", headers=llm.headers, params={"limit": 1000}).text)
        answers.append(llm.api.get("/api/v1/admin/health", headers=llm.headers).text)
        answers.append(llm.api.get("/api/v1/system-config/audit", headers=llm.headers).text)
    finally:
        handler.setStream(old_stream)
        llm.config(log_level="INFO")
    out, err = capfd.readouterr()
    logs = buffer.getvalue()
    assert logs.count("\n") > 5  # the session did log (at DEBUG)
    assert "401" in answers[0] or "Incorrect API key" in answers[0]
    with llm_engine() as conn:
        stored = " ".join(str(v) for row in conn.execute(text(
            "SELECT last_error, api_base, models_json FROM llm_providers")).all() for v in row)
        stored += " ".join(str(r) for r in conn.execute(text("SELECT detail FROM audit_log")).all()) if _has_table(
            conn, "audit_log") else ""
    for key in (FAKE_KEY, wrong_key):
        for number, answer in enumerate(answers):
            assert key not in answer, (number, answer[:300])
        assert key not in logs and key not in out and key not in err
        assert key not in caplog.text
        assert key not in stored
        assert key[-12:] not in logs + out + err  # not even a long tail of it


def llm_engine():
    from resync_app.db import get_engine

    return get_engine().connect()


def _has_table(conn, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(name)
