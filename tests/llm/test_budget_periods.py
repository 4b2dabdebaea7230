"""Budget periods with an injected clock (`budget.clock`), so nothing depends on running near midnight or the
end of a month: the daily budget refuses paid calls until local midnight and a new day starts fresh; the
monthly budget refuses until the first of the next month in RESYNC_TIMEZONE; the refusal says until when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resync_app.llm.budget import BudgetExceeded
from resync_app.llm.ledger import ledger, make_row

MID_JUNE = datetime(2030, 6, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """`clock(t)`: from now on the budget's periods follow `t` (spend re-read from the rollups)."""
    from resync_app.llm import budget

    now = {"t": MID_JUNE}
    monkeypatch.setattr(budget, "clock", lambda: now["t"])

    def set_clock(moment: datetime) -> None:
        now["t"] = moment
        budget.guard.refresh()

    return set_clock


def spent(amount: float, at: datetime) -> None:
    """A paid call recorded at `at` (earlier traffic), flushed into the rollups."""
    ledger.record(make_row(model="gpt-4o", provider="openai", prompt_tokens=100, completion_tokens=10,
                           cost_usd=amount, timestamp=at, request_id=f"earlier-{at.isoformat()}-{amount}"))
    ledger.flush()


async def refused(llm) -> str:
    with pytest.raises(BudgetExceeded) as caught:
        await llm.call("why did job J1 abend?", model="gpt-4o", wait=False)
    return str(caught.value)


async def test_a_spent_daily_budget_refuses_until_midnight_and_the_next_day_starts_fresh(llm, clock):
    llm.config(LLM_BUDGET_DAILY_USD=1.0, LLM_BUDGET_MONTHLY_USD=100.0)
    clock(MID_JUNE)
    spent(0.6, MID_JUNE - timedelta(hours=3))
    spent(0.4, MID_JUNE - timedelta(hours=1))
    spent(7.0, MID_JUNE - timedelta(days=1))  # yesterday: not today's budget
    message = await refused(llm)
    assert "The daily LLM budget of $1.00 is spent ($1.0000)" in message
    assert "paused until 2030-06-16 00:00 UTC" in message and "Local models remain available" in message
    assert llm.srv.count("gpt-4o") == 0
    daily = llm.get("/budget")["periods"]["daily"]
    assert (daily["period"], daily["resets_at"], daily["exhausted"]) == ("2030-06-15", "2030-06-16T00:00:00+00:00",
                                                                         True)
    assert daily["spent_usd"] == pytest.approx(1.0)

    clock(datetime(2030, 6, 16, 0, 0, 1, tzinfo=timezone.utc))  # one second into the next day
    result = await llm.call("why did job J2 abend?", model="gpt-4o")
    assert result.model == "gpt-4o" and llm.srv.count("gpt-4o") == 1
    periods = llm.get("/budget")["periods"]
    assert periods["daily"]["period"] == "2030-06-16" and not periods["daily"]["exhausted"]
    assert periods["monthly"]["spent_usd"] >= 8.0  # the month goes on


async def test_a_spent_monthly_budget_refuses_until_the_first_in_the_configured_timezone(llm, clock, set_timezone):
    set_timezone("Asia/Tokyo")
    llm.config(LLM_BUDGET_DAILY_USD=1000.0, LLM_BUDGET_MONTHLY_USD=5.0)
    last_hour = datetime(2030, 6, 30, 14, 30, tzinfo=timezone.utc)  # 23:30 on June 30 in Tokyo
    clock(last_hour)
    spent(3.0, datetime(2030, 6, 2, 3, 0, tzinfo=timezone.utc))
    spent(2.0, last_hour - timedelta(minutes=20))
    spent(9.0, datetime(2030, 5, 31, 16, 0, tzinfo=timezone.utc))  # 01:00 on June 1 in Tokyo: this month too
    message = await refused(llm)
    assert "The monthly LLM budget of $5.00 is spent ($14.0000)" in message
    assert "paused until 2030-07-01 00:00 JST" in message
    costs = llm.get("/costs")
    assert costs["monthly_budget"]["resets_at"] == "2030-07-01T00:00:00+09:00"
    assert costs["budget_used_percent"] == pytest.approx(280.0)

    clock(datetime(2030, 6, 30, 15, 0, 1, tzinfo=timezone.utc))  # 00:00:01 on July 1 in Tokyo
    result = await llm.call("why did job J3 abend?", model="gpt-4o")
    assert result.model == "gpt-4o"
    monthly = llm.get("/budget")["periods"]["monthly"]
    assert monthly["period"] == "2030-07" and not monthly["exhausted"]
    assert monthly["spent_usd"] == pytest.approx(result.cost_usd)  # the new month holds only this call


async def test_a_call_that_would_overshoot_is_refused_before_the_budget_is_spent(llm, clock):
    llm.config(LLM_BUDGET_DAILY_USD=0.01, LLM_BUDGET_MONTHLY_USD=100.0)
    clock(MID_JUNE)
    spent(0.0099, MID_JUNE - timedelta(minutes=5))
    message = await refused(llm)  # 1,024 output tokens of gpt-4o alone cost more than the $0.0001 left
    assert "would exceed the daily LLM budget of $0.01" in message and "$0.0099 spent" in message
    assert llm.srv.count() == 0
