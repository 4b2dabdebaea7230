"""Setting a price while another worker flushes calls of the same model and day (issue 10, item 11), on
PostgreSQL: the recomputation adds the newly priced cost to the rollup; it must not overwrite the rollup with
a snapshot taken before the other flush committed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from resync_app.db import get_engine
from resync_app.llm.ledger import ledger, make_row, write_rows
from tests.llm.conftest import ledger_sums, llm, llm_server  # noqa: F401  (fixtures)
from tests.llm.test_price_and_alert_audit import (  # noqa: F401  (the same tests on PostgreSQL)
    HAIKU,
    audit_refuses_prices,
    test_a_price_without_its_audit_row_is_not_stored,
    test_rows_still_buffered_when_a_price_is_set_are_priced,
    unpriced_row,
)


def waiting_for_a_lock() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                                 "WHERE NOT l.granted AND a.datname = current_database()")).scalar_one()


def test_a_flush_committing_during_the_recomputation_is_not_lost(llm):
    llm.enable("anthropic")
    ledger.record(unpriced_row("earlier"))
    ledger.flush()
    # another worker's flush: a call of the same model and day, priced by it, not committed yet
    other = get_engine().connect()
    transaction = other.begin()
    write_rows(other, [make_row(model=HAIKU, provider="anthropic", prompt_tokens=10, completion_tokens=10,
                                cost_usd=0.5, route_reason="requested", request_id="other-worker")])
    answers = []
    setter = threading.Thread(target=lambda: answers.append(llm.api.put(
        f"/api/v1/litellm/prices/{HAIKU}", headers=llm.headers,
        json={"input_cost_per_1k": 0.25, "output_cost_per_1k": 1.25})))
    setter.start()
    try:
        deadline = time.monotonic() + 30
        while not waiting_for_a_lock():  # the recomputation waits for the other flush's rollup row
            assert setter.is_alive() and time.monotonic() < deadline, "the price was set without waiting"
            time.sleep(0.05)  # polling PostgreSQL for a lock wait (a condition), not a timing assertion
    finally:
        transaction.commit()
        other.close()
        setter.join(timeout=60)
    assert answers and answers[0].status_code == 200, answers
    earlier = 2000 * 0.25e-3 + 400 * 1.25e-3
    assert ledger_sums()["cost_usd"] == pytest.approx(earlier + 0.5)
    with get_engine().connect() as conn:
        rollup, unpriced = conn.execute(text("SELECT SUM(cost_usd), SUM(unpriced_requests) FROM llm_usage_daily "
                                             "WHERE model = :m"), {"m": HAIKU}).one()
    assert (rollup, unpriced) == (pytest.approx(earlier + 0.5), 0)
    assert llm.get("/usage")["total_cost_usd"] == pytest.approx(earlier + 0.5)
