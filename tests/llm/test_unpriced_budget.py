"""Unpriced models and the budget (issue 10, item 2).

Decision: while cost tracking is on, a paid model nobody knows the price of is refused before any provider call
with "set a price for <model>" (its cost could not be counted against the budget); local models still answer.
With LLM_COST_TRACKING_ENABLED off the budgets cannot count new spend: the budget API and monitor say so.
"""

from __future__ import annotations

import pytest

from resync_app.llm.budget import BudgetExceeded
from tests.llm.conftest import Behavior

HAIKU = "claude-3-haiku-20240307"  # not in LiteLLM's shipped price map: unpriced until an admin sets a price


async def test_an_unpriced_paid_model_is_refused_under_a_budget_until_a_price_is_set(llm):
    llm.enable("anthropic")
    llm.config(LLM_BUDGET_DAILY_USD=0.05)
    llm.srv.set_behavior(HAIKU, Behavior(reply="hi", prompt_tokens=2000, completion_tokens=400))
    for _ in range(3):
        with pytest.raises(BudgetExceeded) as caught:
            await llm.call("is job J1 running?", model=HAIKU, wait=False)
        assert f"set a price for {HAIKU}".lower() in str(caught.value).lower()
    assert llm.srv.count(HAIKU) == 0  # refused before any provider call
    refused = llm.rows(error_class="BudgetExceeded")
    assert len(refused) == 3 and all(r["model"] == HAIKU for r in refused)
    answer = llm.api.post("/api/v1/litellm/test", headers=llm.headers, json={"model": HAIKU})
    assert answer.status_code == 200 and answer.json()["success"] is False
    assert "price" in answer.json()["error"]

    # with a price the model is admitted, charged, and the budget stops it once spent
    priced = llm.api.put(f"/api/v1/litellm/prices/{HAIKU}", headers=llm.headers,
                         json={"input_cost_per_1k": 0.25, "output_cost_per_1k": 1.25})
    assert priced.status_code == 200, priced.text
    result = await llm.call("is job J2 running?", model=HAIKU)
    assert result.cost_usd == pytest.approx(2000 * 0.25 / 1000 + 400 * 1.25 / 1000)  # $1.00 > $0.05
    llm.flush()
    with pytest.raises(BudgetExceeded) as caught:
        await llm.call("is job J3 running?", model=HAIKU, wait=False)
    assert "spent" in str(caught.value)
    assert llm.srv.count(HAIKU) == 1


async def test_a_routed_request_to_an_unpriced_model_goes_local_when_a_local_model_is_up(llm):
    llm.enable("anthropic")
    llm.enable("ollama")
    llm.config(LLM_ROUTING_SIMPLE_MODEL=HAIKU)
    result = await llm.call("is PAYROLL running?")
    assert (result.model, result.route_reason) == ("ollama/llama3", "budget")
    assert llm.srv.count(HAIKU) == 0


async def test_an_unpriced_fallback_is_not_used_by_the_router(llm):
    """A fallback the budget could not count is left out of the router's fallbacks."""
    llm.enable("anthropic")
    llm.config(LLM_ROUTING_FALLBACK_MODEL=HAIKU)
    llm.srv.set_behavior("gpt-4o", Behavior(status=500, error_message="primary down"))
    with pytest.raises(Exception):
        await llm.call("why did job PAYROLL abend?", model="gpt-4o", wait=False)
    assert llm.srv.count(HAIKU) == 0


async def test_cost_tracking_off_says_plainly_that_budgets_are_off(llm):
    llm.config(LLM_BUDGET_DAILY_USD=0.01, LLM_COST_TRACKING_ENABLED=False)
    budget = llm.get("/budget")
    assert budget["enforced"] is False and "LLM_COST_TRACKING_ENABLED" in budget["note"]
    assert "not" in budget["note"] and "budget" in budget["note"].lower()
    assert all(p["enforced"] is False for p in budget["periods"].values())
    costs = llm.get("/costs")
    assert costs["daily_budget"]["enforced"] is False and costs["monthly_budget"]["enforced"] is False
    llm.config(LLM_COST_TRACKING_ENABLED=True)
    budget = llm.get("/budget")
    assert budget["enforced"] is True and budget["note"] is None
