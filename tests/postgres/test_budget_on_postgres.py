"""Without Redis, several workers share the budget through the database: a row lock serialises admissions."""

from __future__ import annotations

import pytest

from tests.support.budget_race import race


def test_concurrent_admissions_from_several_workers_never_overshoot(clean_db):
    from resync_app.config.store import get_store
    from resync_app.llm.budget import BudgetGuard
    from resync_app.llm.budget_store import DatabaseSpend

    get_store().update({"LLM_BUDGET_DAILY_USD": 1.0}, actor="tests")
    workers = [BudgetGuard() for _ in range(3)]
    assert all(isinstance(w.store, DatabaseSpend) for w in workers)
    admitted, refused = race(workers, 8, 0.1)
    assert (admitted, refused) == (10, 14)
    assert workers[1].status()["daily"]["in_flight_usd"] == pytest.approx(1.0)


def test_settled_costs_count_until_flushed(clean_db):
    from resync_app.config.store import get_store
    from resync_app.llm.budget import BudgetGuard

    get_store().update({"LLM_BUDGET_DAILY_USD": 1.0}, actor="tests")
    worker_a, worker_b = BudgetGuard(), BudgetGuard()
    worker_a.admit("call-1", 0.5)
    worker_a.settle("call-1", 0.7)
    assert worker_b.spent()["daily"] == pytest.approx(0.7)
    assert worker_b.status()["daily"]["in_flight_usd"] == pytest.approx(0.0)
