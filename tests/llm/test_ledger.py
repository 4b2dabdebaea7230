"""The call ledger: every attempt recorded with tokens and the price-map cost; /usage and /costs agree with it;
days follow RESYNC_TIMEZONE; rows are written off the call path and none is lost on shutdown."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from resync_app.llm.ledger import ledger, make_row
from resync_app.settings import get_settings
from tests.llm.conftest import Behavior, ledger_sums
from tests.support.dbutil import table_count


# An independent oracle: the USD prices per token of LiteLLM's shipped price map (the version pinned in
# requirements.txt), written down here rather than asked of LiteLLM.
PRICES = {"gpt-4o": (2.5e-06, 1e-05), "gpt-3.5-turbo": (5e-07, 1.5e-06)}


def oracle_cost(model: str, prompt: int, completion: int) -> float:
    per_in, per_out = PRICES[model]
    return prompt * per_in + completion * per_out


async def test_routed_call_lands_in_ledger_with_tokens_and_price_map_cost(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply="Because its predecessor failed.", prompt_tokens=1234,
                                            completion_tokens=56))
    result = await llm.call("why did PAYROLL abend last night?", purpose="chat")
    assert (result.model, result.route_reason) == ("gpt-4o", "complex")
    assert llm.srv.count("gpt-4o") == 1

    [row] = llm.rows(result.request_id)
    expected = oracle_cost("gpt-4o", 1234, 56)
    assert expected == pytest.approx(0.003645)  # 1,234 × $2.50/M + 56 × $10/M
    assert (row["model"], row["provider"], row["deployment"]) == ("gpt-4o", "openai", "openai/gpt-4o")
    assert (row["prompt_tokens"], row["completion_tokens"]) == (1234, 56)
    assert row["cost_usd"] == pytest.approx(expected, rel=1e-9) and result.cost_usd == pytest.approx(expected)
    assert (row["outcome"], row["error_class"], row["purpose"], row["route_reason"]) == ("success", "", "chat",
                                                                                          "complex")
    assert not row["unpriced"] and not row["cache_hit"] and row["latency_ms"] > 0
    assert row["day"] == row["timestamp"].astimezone(get_settings().timezone).strftime("%Y-%m-%d")


async def test_usage_and_costs_agree_with_the_ledger_to_the_cent(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(prompt_tokens=3000, completion_tokens=700))
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(prompt_tokens=900, completion_tokens=150))
    calls = []
    for i in range(3):
        calls.append(await llm.call(f"why did job J{i} abend?"))
        calls.append(await llm.call(f"is job J{i} running?"))
    assert [c.model for c in calls] == ["gpt-4o", "gpt-3.5-turbo"] * 3
    assert sum(c.cost_usd for c in calls) == pytest.approx(3 * (oracle_cost("gpt-4o", 3000, 700)
                                                                + oracle_cost("gpt-3.5-turbo", 900, 150)))
    llm.srv.set_behavior("gpt-4o-mini", Behavior(status=500))
    with pytest.raises(Exception):
        await llm.call("list the workstations", model="gpt-4o-mini", allow_fallback=False)
    # history: synthetic attempts over the last 45 days (the API reads rollups, the check reads raw rows)
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    for i in range(400):
        ok = rng.random() > 0.1
        model, provider = rng.choice([("gpt-4o", "openai"), ("gpt-3.5-turbo", "openai"),
                                      ("claude-3-haiku-20240307", "anthropic")])
        ledger.record(make_row(
            model=model, provider=provider,
            prompt_tokens=rng.randint(10, 5000), completion_tokens=rng.randint(1, 900),
            cost_usd=round(rng.random() * 0.37, 6) if ok else 0.0, outcome="success" if ok else "error",
            latency_ms=rng.random() * 3000, timestamp=now - timedelta(seconds=rng.random() * 45 * 86400),
            cache_hit=ok and rng.random() < 0.1, route_reason=rng.choice(["simple", "complex", "fallback"]),
            request_id=f"synthetic-{i}"))

    sums = ledger_sums()
    assert sums["requests"] == 407 and sums["errors"] >= 1
    usage = llm.get("/usage")
    assert usage["total_requests"] == sums["requests"]
    assert usage["total_input_tokens"] == sums["prompt_tokens"]
    assert usage["total_output_tokens"] == sums["completion_tokens"]
    assert abs(usage["total_cost_usd"] - sums["cost_usd"]) < 1e-6  # to the cent, and far below
    assert usage["model_usage"] == sums["per_model_count"]
    assert usage["total_errors"] == sums["errors"] and usage["cache_hits"] == sums["cache_hits"]
    assert usage["error_rate"] == pytest.approx(sums["errors"] / sums["requests"], abs=1e-4)
    local_now = datetime.now(get_settings().timezone)
    today = local_now.strftime("%Y-%m-%d")
    today_sums = ledger_sums(f"day = '{today}'")
    assert usage["requests_today"] == today_sums["requests"]
    assert abs(usage["cost_today_usd"] - today_sums["cost_usd"]) < 1e-6

    costs = llm.get("/costs", days=30)
    start = (local_now.date() - timedelta(days=29)).isoformat()
    window = ledger_sums(f"day >= '{start}'")
    assert len(costs["daily_costs"]) == 30 and min(costs["daily_costs"]) == start and max(costs["daily_costs"]) == today
    for day, cost in costs["daily_costs"].items():
        assert abs(cost - window["per_day"].get(day, 0.0)) < 1e-6, day
    assert abs(costs["total_cost_usd"] - window["cost_usd"]) < 1e-6
    assert costs["total_cost_usd"] < sums["cost_usd"]  # the older rows are outside the 30 days
    assert set(costs["model_costs"]) == set(window["per_model_cost"])
    for model, cost in costs["model_costs"].items():
        assert abs(cost - window["per_model_cost"][model]) < 1e-6, model
    month = local_now.strftime("%Y-%m")
    month_sums = ledger_sums(f"day LIKE '{month}-%'")
    assert abs(costs["monthly_budget"]["spent_usd"] - month_sums["cost_usd"]) < 1e-6
    assert abs(costs["daily_budget"]["spent_usd"] - today_sums["cost_usd"]) < 1e-6
    assert costs["budget_limit_usd"] == costs["monthly_budget"]["limit_usd"] == 5000.0
    assert costs["budget_used_percent"] == pytest.approx(month_sums["cost_usd"] / 5000 * 100, abs=0.01)
    assert {"limit_usd", "spent_usd", "used_percent", "resets_at"} <= set(costs["daily_budget"])
    # the 7-day view is a sub-window of the same figures
    week = llm.get("/costs", days=7)
    assert len(week["daily_costs"]) == 7 and all(week["daily_costs"][d] == costs["daily_costs"][d]
                                                  for d in week["daily_costs"])


def test_days_follow_resync_timezone(llm, set_timezone):
    set_timezone("Asia/Tokyo")
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime.now(timezone.utc)
    late_utc = (now - timedelta(days=1)).replace(hour=23, minute=30, second=0, microsecond=0)  # yesterday 23:30 UTC
    tokyo_day = late_utc.astimezone(tokyo).strftime("%Y-%m-%d")
    utc_day = late_utc.strftime("%Y-%m-%d")
    assert tokyo_day != utc_day  # 23:30 UTC is already the next day in Tokyo (UTC+9)
    ledger.record(make_row(model="gpt-4o", provider="openai", cost_usd=1.25, timestamp=late_utc,
                           request_id="late-utc"))
    # a row "now": today in Tokyo, whatever the UTC date is
    ledger.record(make_row(model="gpt-4o", provider="openai", cost_usd=0.5, request_id="now"))
    ledger.flush()
    [late] = llm.rows("late-utc")
    assert late["day"] == tokyo_day

    today_tokyo = now.astimezone(tokyo).strftime("%Y-%m-%d")
    costs = llm.get("/costs", days=3)
    assert max(costs["daily_costs"]) == today_tokyo
    assert costs["daily_costs"][tokyo_day] == pytest.approx(1.25 + (0.5 if tokyo_day == today_tokyo else 0.0))
    if utc_day in costs["daily_costs"]:
        assert costs["daily_costs"][utc_day] == 0.0
    usage = llm.get("/usage")
    expected_today = 1 + (tokyo_day == today_tokyo)
    assert usage["requests_today"] == expected_today
    assert usage["cost_today_usd"] == pytest.approx(0.5 + (1.25 if tokyo_day == today_tokyo else 0.0))
    # the daily budget resets at midnight in Tokyo
    resets_at = datetime.fromisoformat(costs["daily_budget"]["resets_at"])
    assert resets_at.utcoffset() == timedelta(hours=9) and (resets_at.hour, resets_at.minute) == (0, 0)
    assert timedelta(0) < resets_at - now <= timedelta(days=1)


async def test_a_live_call_is_dated_in_resync_timezone(llm, set_timezone):
    set_timezone("Pacific/Kiritimati")  # UTC+14: the local date differs from the UTC date for 14 h a day
    result = await llm.call("is PAYROLL running?")
    [row] = llm.rows(result.request_id)
    assert row["day"] == row["timestamp"].astimezone(ZoneInfo("Pacific/Kiritimati")).strftime("%Y-%m-%d")


async def test_ledger_writes_are_off_the_call_path_and_survive_shutdown(llm):
    from resync_app import runtime

    before = table_count("llm_calls")
    ledger.stop()  # no flusher: what a call records can only be in the buffer
    result = await llm.call("is PAYROLL running?")
    assert result.text and ledger.rows_seen(result.request_id) == 1
    for i in range(250):
        ledger.record(make_row(model="gpt-4o", provider="openai", cost_usd=0.01, request_id=f"buffered-{i}"))
    assert table_count("llm_calls") == before  # the call answered without writing to the database
    assert ledger.pending() == 251
    runtime.shutdown()  # stops the gateway: the buffer is flushed
    assert table_count("llm_calls") == before + 251
    assert ledger.pending() == 0
    assert len(llm.rows(result.request_id)) == 1


def test_nothing_lost_when_shutting_down_with_the_flusher_running(llm):
    from resync_app import runtime

    for i in range(1000):
        ledger.record(make_row(model="gpt-3.5-turbo", provider="openai", cost_usd=0.001, request_id=f"r{i}"))
    runtime.shutdown()
    assert table_count("llm_calls") == 1000
    sums = ledger_sums()
    assert sums["cost_usd"] == pytest.approx(1.0)
