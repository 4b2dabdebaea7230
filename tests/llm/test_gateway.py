"""The gateway against a real (loopback) provider: routing, fallback, local preference, cache, unpriced models,
cost tracking off. Every call goes through LiteLLM's real clients; nothing of ours is mocked."""

from __future__ import annotations

import pytest

from resync_app.llm.gateway_types import GatewayError
from tests.llm.conftest import Behavior, ledger_sums, wait_reported


# ---- routing ---------------------------------------------------------------------------------------

async def test_status_question_goes_to_the_simple_model_troubleshooting_to_the_complex_one(llm):
    simple = await llm.call("is PAYROLL running?")
    assert (simple.model, simple.route_reason) == ("gpt-3.5-turbo", "simple")
    complex_ = await llm.call("why did job PAYROLL abend and how do I fix it?")
    assert (complex_.model, complex_.route_reason) == ("gpt-4o", "complex")
    assert [r["model"] for r in llm.srv.requests if r["path"] == "/v1/chat/completions"] == ["gpt-3.5-turbo",
                                                                                           "gpt-4o"]
    rows = llm.rows()
    assert [(r["model"], r["route_reason"]) for r in rows] == [("gpt-3.5-turbo", "simple"), ("gpt-4o", "complex")]


async def test_routing_follows_the_configured_models_live(llm):
    llm.config(LLM_ROUTING_SIMPLE_MODEL="gpt-4o-mini")
    result = await llm.call("list abended jobs")
    assert (result.model, result.route_reason) == ("gpt-4o-mini", "simple")
    assert llm.srv.count("gpt-4o-mini") == 1


async def test_prefer_local_sends_a_paid_request_to_the_local_model(llm):
    llm.enable("ollama")
    llm.config(LLM_PREFER_LOCAL_MODELS=True)
    result = await llm.call("why did job PAYROLL abend?")
    assert (result.model, result.provider, result.route_reason) == ("ollama/llama3", "ollama", "local-preferred")
    assert result.text == "echo: why did job PAYROLL abend?"
    chats = [r for r in llm.srv.requests if r["method"] == "POST"]
    assert [(r["path"], r["model"]) for r in chats] == [("/api/chat", "llama3")]  # no paid model was called
    [row] = llm.rows(result.request_id)
    assert (row["model"], row["provider"], row["route_reason"], row["cost_usd"], row["unpriced"]) == (
        "ollama/llama3", "ollama", "local-preferred", 0.0, False)
    # without the preference the same question goes to the paid complex model
    llm.config(LLM_PREFER_LOCAL_MODELS=False)
    assert (await llm.call("why did job PAYROLL abend again?")).model == "gpt-4o"


# ---- fallback --------------------------------------------------------------------------------------

HANGS = Behavior(delay_s=600)  # the provider never answers (until the fake server stops)


@pytest.mark.parametrize("failure,error_class", [
    (Behavior(status=500, error_message="upstream exploded"), "InternalServerError"),
    (HANGS, "Timeout"),
], ids=["http-500", "timeout"])
async def test_failing_primary_falls_back_and_both_attempts_are_recorded(llm, failure, error_class):
    llm.srv.set_behavior("gpt-4o", failure)
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(reply="fallback answer", prompt_tokens=40, completion_tokens=9))
    # the primary hangs for good, so its per-attempt timeout always fires; 3 s leaves the fallback (which
    # answers at once) a wide margin on a busy machine
    result = await llm.call("why did job PAYROLL abend?", wait=False, timeout=3)
    assert (result.model, result.route_reason, result.text) == ("gpt-3.5-turbo", "fallback", "fallback answer")
    assert llm.srv.count("gpt-4o") == 1 and llm.srv.count("gpt-3.5-turbo") == 1
    assert await wait_reported(result.request_id, 2) == 2
    error, success = llm.rows(result.request_id)
    assert (error["model"], error["outcome"], error["error_class"]) == ("gpt-4o", "error", error_class)
    assert error["cost_usd"] in (0, 0.0) and error["route_reason"] == "complex"
    assert (success["model"], success["outcome"], success["route_reason"]) == ("gpt-3.5-turbo", "success", "fallback")
    assert (success["prompt_tokens"], success["completion_tokens"]) == (40, 9)
    assert success["cost_usd"] == pytest.approx(result.cost_usd) and result.cost_usd > 0
    providers = {p["id"]: p for p in llm.get("/providers")}
    assert providers["openai"]["last_error"] and error_class in providers["openai"]["last_error"]
    assert providers["openai"]["last_success"]


async def test_num_retries_gets_past_a_provider_hiccup_on_the_same_model(llm):
    """LITELLM_NUM_RETRIES=2: the primary fails twice (HTTP 500) and answers the third request; no fallback. The
    provider saw exactly three requests for it."""
    llm.config(LITELLM_NUM_RETRIES=2)
    llm.srv.set_behavior("gpt-4o", Behavior(status=500, status_times=2, error_message="hiccup", reply="third time"))
    result = await llm.call("why did job PAYROLL abend?", wait=False)
    assert (result.model, result.route_reason, result.text) == ("gpt-4o", "complex", "third time")
    assert llm.srv.count("gpt-4o") == 3 and llm.srv.count("gpt-3.5-turbo") == 0


async def test_num_retries_are_spent_before_the_fallback(llm):
    """A primary that keeps failing gets 1 + LITELLM_NUM_RETRIES requests, then the fallback answers. (LiteLLM backs
    off between retries of a single-deployment model: one retry keeps the test short.)"""
    llm.config(LITELLM_NUM_RETRIES=1)
    llm.srv.set_behavior("gpt-4o", Behavior(status=500, error_message="primary down"))
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(reply="fallback answer"))
    result = await llm.call("why did job PAYROLL abend?", wait=False)
    assert (result.model, result.route_reason, result.text) == ("gpt-3.5-turbo", "fallback", "fallback answer")
    assert llm.srv.count("gpt-4o") == 2 and llm.srv.count("gpt-3.5-turbo") == 1


async def test_the_per_attempt_timeout_llm_timeout_cuts_a_hanging_provider(llm):
    """llm_timeout (10 s, its minimum) ends each attempt; the router then falls back."""
    llm.config(llm_timeout=10, LITELLM_TIMEOUT=120)
    llm.srv.set_behavior("gpt-4o", HANGS)
    result = await llm.call("why did job PAYROLL abend?", wait=False)
    assert (result.model, result.route_reason) == ("gpt-3.5-turbo", "fallback")
    assert await wait_reported(result.request_id, 2) == 2
    error, success = llm.rows(result.request_id)
    assert (error["model"], error["error_class"]) == ("gpt-4o", "Timeout") and success["outcome"] == "success"


async def test_the_whole_call_timeout_ends_a_call_whose_attempts_never_do(llm):
    """LITELLM_TIMEOUT (10 s) bounds the whole call, retries and fallbacks included, even when the per-attempt
    timeout (300 s) would let an attempt hang far longer."""
    llm.config(llm_timeout=300, LITELLM_TIMEOUT=10)
    llm.srv.set_behavior("gpt-4o", HANGS)
    llm.srv.set_behavior("gpt-3.5-turbo", HANGS)
    with pytest.raises(GatewayError) as caught:
        await llm.call("why did job PAYROLL abend?", wait=False)
    assert str(caught.value) == "The call did not finish within LITELLM_TIMEOUT (10 s)."
    assert caught.value.error_class == "TimeoutError"
    [row] = llm.rows()
    assert (row["model"], row["outcome"], row["error_class"]) == ("gpt-4o", "error", "TimeoutError")


async def test_primary_and_fallback_both_failing_raise_a_readable_error(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(status=500, error_message="primary down"))
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(status=503, error_message="fallback overloaded"))
    with pytest.raises(GatewayError) as caught:
        await llm.call("why did job PAYROLL abend?", wait=False)
    assert "overloaded" in str(caught.value) or "primary down" in str(caught.value)
    rows = llm.rows()
    assert [(r["model"], r["outcome"]) for r in rows] == [("gpt-4o", "error"), ("gpt-3.5-turbo", "error")]
    assert all(r["error_class"] for r in rows)


# ---- cache -----------------------------------------------------------------------------------------

async def test_second_identical_prompt_is_served_from_the_cache(llm):
    llm.config(LLM_USE_CACHE=True)
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(prompt_tokens=500, completion_tokens=50))
    first = await llm.call("is PAYROLL running?")
    sent = llm.srv.count()
    second = await llm.call("is PAYROLL running?")
    assert llm.srv.count() == sent  # nothing went to the provider
    assert not first.cache_hit and second.cache_hit and second.text == first.text
    assert second.cost_usd == 0 and first.cost_usd > 0
    rows = llm.rows()
    assert [(r["cache_hit"], r["outcome"]) for r in rows] == [(False, "success"), (True, "success")]
    assert rows[1]["cost_usd"] == 0 and rows[1]["request_id"] == second.request_id
    usage = llm.get("/usage")
    assert usage["cache_hits"] == 1 and usage["total_requests"] == 2
    assert usage["total_cost_usd"] == pytest.approx(first.cost_usd)
    # a different prompt is not a hit; with the cache off the same prompt goes to the provider again
    await llm.call("is BACKUP running?")
    llm.config(LLM_USE_CACHE=False)
    third = await llm.call("is PAYROLL running?")
    assert not third.cache_hit and llm.srv.count() == sent + 2


# ---- prices ----------------------------------------------------------------------------------------

async def test_unpriced_calls_are_flagged_and_recomputed_when_a_price_is_set(llm):
    """Calls recorded while their model had no price (earlier data: today an unpriced paid model is refused under
    a budget, see test_unpriced_budget.py) keep an empty cost, never a silent 0, until an admin sets a price."""
    from resync_app.llm.ledger import ledger, make_row

    llm.enable("anthropic")
    llm.srv.set_behavior("claude-3-haiku-20240307", Behavior(reply="hi", prompt_tokens=2000, completion_tokens=400))
    for i in range(2):
        ledger.record(make_row(model="claude-3-haiku-20240307", provider="anthropic",
                               deployment="anthropic/claude-3-haiku-20240307", prompt_tokens=2000,
                               completion_tokens=400, cost_usd=None, unpriced=True, latency_ms=120.0,
                               route_reason="requested", request_id=f"earlier-{i}"))
    rows = llm.rows()
    assert [(r["model"], r["provider"], r["unpriced"], r["cost_usd"]) for r in rows] == [
        ("claude-3-haiku-20240307", "anthropic", True, None)] * 2
    usage = llm.get("/usage")
    assert usage["unpriced_requests"] == 2 and usage["total_cost_usd"] == 0
    assert llm.get("/costs")["unpriced_requests"] == 2
    [model] = [m for m in llm.get("/models") if m["name"] == "claude-3-haiku-20240307"]
    assert model["input_cost_per_1k"] is None and model["output_cost_per_1k"] is None

    answer = llm.api.put("/api/v1/litellm/prices/claude-3-haiku-20240307", headers=llm.headers,
                         json={"input_cost_per_1k": 0.25, "output_cost_per_1k": 1.25})
    assert answer.status_code == 200, answer.text
    assert answer.json()["recomputed_calls"] == 2
    expected = 2000 * 0.25 / 1000 + 400 * 1.25 / 1000
    rows = llm.rows()
    assert all(not r["unpriced"] and r["cost_usd"] == pytest.approx(expected) for r in rows)
    costs = llm.get("/costs")
    assert costs["model_costs"]["claude-3-haiku-20240307"] == pytest.approx(2 * expected)
    assert costs["total_cost_usd"] == pytest.approx(2 * expected) and costs["unpriced_requests"] == 0
    usage = llm.get("/usage")
    assert usage["unpriced_requests"] == 0 and usage["total_cost_usd"] == pytest.approx(2 * expected)
    [model] = [m for m in llm.get("/models") if m["name"] == "claude-3-haiku-20240307"]
    assert (model["input_cost_per_1k"], model["output_cost_per_1k"]) == (0.25, 1.25)
    # the next call is priced at once
    after = await llm.call("is job J9 running?", model="claude-3-haiku-20240307")
    assert after.cost_usd == pytest.approx(expected)
    assert ledger_sums()["cost_usd"] == pytest.approx(3 * expected)


async def test_price_for_unknown_model_is_404(llm):
    answer = llm.api.put("/api/v1/litellm/prices/no-such-model", headers=llm.headers,
                         json={"input_cost_per_1k": 1, "output_cost_per_1k": 1})
    assert answer.status_code == 404 and "no-such-model" in answer.json()["detail"]
    bad = llm.api.put("/api/v1/litellm/prices/gpt-4o", headers=llm.headers, json={"input_cost_per_1k": -1,
                                                                                 "output_cost_per_1k": 1})
    assert bad.status_code == 422


async def test_cost_tracking_off_records_calls_without_cost(llm):
    llm.config(LLM_COST_TRACKING_ENABLED=False)
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=1000, completion_tokens=100))
    result = await llm.call("why did PAYROLL abend?")
    assert result.cost_usd is None
    [row] = llm.rows(result.request_id)
    assert (row["prompt_tokens"], row["completion_tokens"], row["cost_usd"], row["unpriced"]) == (1000, 100, None,
                                                                                                 False)
    usage = llm.get("/usage")
    assert usage["total_requests"] == 1 and usage["total_input_tokens"] == 1000
    assert usage["cost_tracking_enabled"] is False and "LLM_COST_TRACKING_ENABLED" in usage["note"]
    assert usage["total_cost_usd"] == 0 and usage["unpriced_requests"] == 0
    llm.config(LLM_COST_TRACKING_ENABLED=True)
    assert llm.get("/usage")["cost_tracking_enabled"] is True and llm.get("/usage")["note"] is None


async def test_a_restarted_gateway_accounts_with_its_own_models(llm):
    """After a restart in the same process LiteLLM reports to the new gateway's hook, not to the old one."""
    from resync_app import runtime

    await llm.call("is PAYROLL running?")  # the first gateway has reported at least once
    runtime.shutdown()
    runtime.startup()
    llm.enable("openai", models=["fast=gpt-3.5-turbo"])  # a model only the new gateway knows
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(prompt_tokens=100, completion_tokens=10))
    result = await llm.call("is BACKUP running?", model="fast")
    [row] = llm.rows(result.request_id)
    assert (row["model"], row["provider"], row["unpriced"]) == ("fast", "openai", False)
    assert row["cost_usd"] == pytest.approx(100 * 5e-07 + 10 * 1.5e-06)
    assert llm.gateway.status()["cost_calc_failures"] == 0
