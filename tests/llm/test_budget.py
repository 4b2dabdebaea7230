"""Budgets: alerts once per period and threshold, paid calls refused at 100 % (local ones still answer),
and concurrent calls near the limit cannot overshoot it beyond the in-flight estimate."""

from __future__ import annotations

import asyncio

import pytest

from resync_app.llm.budget import BudgetExceeded
from tests.llm.conftest import Behavior, ledger_sums, wait_reported
from tests.support.dbutil import table_count


def alert_rows() -> list[tuple[str, str, float]]:
    from sqlalchemy import text

    from resync_app.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT period, period_key, threshold FROM llm_budget_alerts ORDER BY id")).all()]


# gpt-4o at LiteLLM's price: 1000 prompt + 100 completion tokens = $0.0025 + $0.001 = $0.0035
CALL_COST = 0.0035


async def test_threshold_alert_fires_exactly_once_per_period_and_threshold(llm, notifier):
    from resync_app import runtime
    from resync_app.llm.budget import current_periods, guard

    llm.config(LLM_BUDGET_DAILY_USD=0.01, LLM_BUDGET_ALERT_THRESHOLD=0.5)
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=1000, completion_tokens=100))
    day = current_periods()["daily"].key

    await llm.call("why did J1 abend?")  # $0.0035: 35 %
    llm.flush()
    assert alert_rows() == [] and notifier.alerts == []

    await llm.call("why did J2 abend?")  # $0.0070: 70 % — crosses 50 %
    llm.flush()
    assert alert_rows() == [("daily", day, 0.5)]
    assert len(notifier.alerts) == 1
    alert = notifier.alerts[0]
    assert alert.kind == "llm.budget" and alert.severity == "warning" and "50%" in alert.text
    assert alert.facts["period"] == day

    await llm.call("why did J3 abend?")  # $0.0105: 105 % — crosses 100 %, 50 % not again
    llm.flush()
    guard.check_alerts()
    assert alert_rows() == [("daily", day, 0.5), ("daily", day, 1.0)]
    assert [a.severity for a in notifier.alerts] == ["warning", "critical"]
    assert "reached" in notifier.alerts[1].text

    # further checks, flushes, a restart and a threshold change do not send them again
    with pytest.raises(BudgetExceeded):
        await llm.call("why did J4 abend?")
    llm.flush()
    runtime.shutdown()
    runtime.startup()
    guard.check_alerts()
    llm.config(LLM_BUDGET_ALERT_THRESHOLD=0.6)  # a new threshold that is also crossed: one alert for it
    assert len(notifier.alerts) == 3 and alert_rows()[-1] == ("daily", day, 0.6)
    llm.config(LLM_BUDGET_DAILY_USD=0.02)
    guard.check_alerts()
    assert len(notifier.alerts) == 3 and len(alert_rows()) == 3
    budget = llm.get("/budget")
    assert len(budget["alerts"]) == 3


async def test_at_100_percent_paid_calls_are_refused_and_local_ones_still_work(llm):
    llm.enable("ollama")
    llm.config(LLM_BUDGET_DAILY_USD=0.003)
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=1000, completion_tokens=100))
    await llm.call("why did J1 abend?", model="gpt-4o")  # admitted on its estimate; costs $0.0035 > $0.003
    llm.flush()
    costs = llm.get("/costs")
    assert costs["daily_budget"]["used_percent"] >= 100

    sent = llm.srv.count("gpt-4o")
    with pytest.raises(BudgetExceeded) as caught:
        await llm.call("why did J2 abend?", model="gpt-4o")
    message = str(caught.value)
    assert "daily LLM budget" in message and "spent" in message and "Local models remain available" in message
    assert llm.srv.count("gpt-4o") == sent  # refused before any provider call
    [refused] = llm.rows(error_class="BudgetExceeded")
    assert (refused["model"], refused["outcome"], refused["cost_usd"]) == ("gpt-4o", "error", 0.0)

    local = await llm.call("why did J3 abend?", model="ollama/llama3")
    assert local.provider == "ollama" and local.text.startswith("echo:")
    # routed (no model asked for): the spent budget sends the paid choice to the local model
    routed = await llm.call("is J4 running?")
    assert (routed.model, routed.route_reason) == ("ollama/llama3", "budget")
    # /test of a paid model says why it failed, as a 200
    answer = llm.api.post("/api/v1/litellm/test", headers=llm.headers, json={"model": "gpt-4o"})
    assert answer.status_code == 200 and answer.json()["success"] is False
    assert "budget" in answer.json()["error"]


async def test_zero_budget_means_no_cloud_spend(llm):
    llm.config(LLM_BUDGET_DAILY_USD=0.0)
    with pytest.raises(BudgetExceeded) as caught:
        await llm.call("is J1 running?", model="gpt-3.5-turbo")
    assert "$0" in str(caught.value)
    assert llm.srv.count() == 0


async def test_fifty_concurrent_calls_near_the_limit_do_not_overshoot(llm):
    limit = 0.01
    llm.config(LLM_BUDGET_DAILY_USD=limit)
    # spend 70 % first
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=2000, completion_tokens=200))  # $0.007
    await llm.call("why did J0 abend?", model="gpt-4o")
    llm.flush()
    # then 50 small calls at once, answered slowly so that they overlap in flight
    llm.srv.set_behavior("gpt-4o", Behavior(reply="ok", prompt_tokens=12, completion_tokens=8, delay_s=0.05))
    one_call = 12 * 2.5e-06 + 8 * 1e-05
    results = await asyncio.gather(*(llm.gateway.complete([{"role": "user", "content": f"why did J{i} abend?"}],
                                                          model="gpt-4o", max_tokens=16) for i in range(50)),
                                   return_exceptions=True)
    answered = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert answered and refused
    assert all(isinstance(r, BudgetExceeded) for r in refused), [repr(r) for r in refused if
                                                                 not isinstance(r, BudgetExceeded)]
    assert len(answered) + len(refused) == 50
    assert llm.srv.count("gpt-4o") == 1 + len(answered)
    for result in answered:
        await wait_reported(result.request_id)
    spent = ledger_sums("outcome = 'success'")["cost_usd"]
    assert spent <= limit + one_call, (spent, limit, len(answered))
    # and the guard is not over-cautious: every call whose estimate still fitted was admitted
    pre_spent = 2000 * 2.5e-06 + 200 * 1e-05
    estimate = max(llm.gateway.estimate("gpt-4o", [{"role": "user", "content": f"why did J{i} abend?"}], 16)
                   for i in range(50))
    assert len(answered) >= int((limit - pre_spent) / estimate)
    assert len(refused) == len(llm.rows(error_class="BudgetExceeded"))
    assert table_count("llm_calls") == 1 + 50
