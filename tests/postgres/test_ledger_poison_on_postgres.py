"""One bad ledger row must not stop the accounting (issue 10, item 3), on PostgreSQL, which refuses NUL bytes
in text and over-long strings where SQLite takes anything."""

from __future__ import annotations

import logging

import pytest

from resync_app.llm.ledger import ledger, make_row
from tests.llm.conftest import Behavior, ledger_sums, llm, llm_server  # noqa: F401  (fixtures)
from tests.support import dbutil
from tests.support.dbutil import table_count


def good_rows(n: int, prefix: str = "good") -> list[dict]:
    return [make_row(model="gpt-4o", provider="openai", deployment="openai/gpt-4o", prompt_tokens=100,
                     completion_tokens=10, cost_usd=0.001, request_id=f"{prefix}-{i}") for i in range(n)]


def test_nul_bytes_from_a_provider_are_stored_without_them(llm):
    ledger.record(make_row(model="gpt-4o\x00", provider="openai", deployment="openai/gpt-4o\x00x", outcome="error",
                           error_class="Bad\x00Request", error_message="upstream said \x00\x00 nothing",
                           request_id="nul-\x00-1"))
    assert ledger.flush() == 1
    [row] = llm.rows()
    assert (row["model"], row["deployment"], row["error_class"], row["request_id"]) == (
        "gpt-4o", "openai/gpt-4ox", "BadRequest", "nul--1")
    provider = next(p for p in llm.get("/providers") if p["id"] == "openai")
    assert provider["last_error"] == "BadRequest: upstream said  nothing"


@pytest.mark.parametrize("poison", ["nul", "too-long"])
def test_a_row_the_database_rejects_is_set_aside_and_nothing_else_is_lost(llm, caplog, poison):
    before, rejected = ledger_sums()["requests"], ledger.rejected  # the counters live as long as the process
    bad = make_row(model="gpt-4o", provider="openai", cost_usd=5.0, request_id="poisoned")
    if poison == "nul":
        bad["model"] = "gpt-4o\x00"  # as if it had bypassed make_row's cleaning
    else:
        bad["deployment"] = "x" * 400  # the column holds 300
    rows = good_rows(5, "before") + [bad] + good_rows(5, "after")
    for row in rows:
        ledger.record(row)
    with caplog.at_level(logging.ERROR, logger="resync.llm.ledger"):
        written = ledger.flush()
    assert written == 10
    assert ledger.pending() == 0  # nothing kept for an endless retry
    sums = ledger_sums()
    assert sums["requests"] == before + 10 and sums["cost_usd"] == pytest.approx(10 * 0.001)
    assert "poisoned" not in {r["request_id"] for r in llm.rows()}
    status = llm.get("/status")["ledger"]
    assert status["rejected"] == rejected + 1 and status["pending"] == 0
    assert any("set aside" in r.getMessage() and "poisoned" in r.getMessage() for r in caplog.records)
    # the rollups kept going, and later rows flow as usual
    assert llm.get("/usage")["total_requests"] == before + 10
    for row in good_rows(3, "later"):
        ledger.record(row)
    assert ledger.flush() == 3 and ledger_sums()["requests"] == before + 13


def test_a_database_outage_keeps_the_rows_for_the_next_flush(llm, database_url):
    """A transient failure (the server unreachable) is not a poisoned row: nothing is set aside or lost."""
    from sqlalchemy.engine import make_url

    rejected = ledger.rejected
    for row in good_rows(4, "outage"):
        ledger.record(row)
    unreachable = make_url(database_url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    dbutil.use_database(unreachable)
    try:
        assert ledger.flush() == 0
        assert ledger.pending() == 4 and ledger.rejected == rejected
    finally:
        dbutil.use_database(database_url)
    assert ledger.flush() == 4 and table_count("llm_calls") == 4


def test_the_buffer_is_bounded(llm, monkeypatch):
    from resync_app.llm import ledger as ledger_module

    ledger.stop()
    dropped = ledger.dropped
    monkeypatch.setattr(ledger_module, "MAX_BUFFER", 50)
    for row in good_rows(80, "flood"):
        ledger.record(row)
    assert ledger.pending() == 50 and ledger.dropped == dropped + 30
    assert llm.get("/status")["ledger"]["dropped"] == dropped + 30
    assert ledger.flush() == 50


async def test_a_live_call_with_a_nul_in_the_provider_error_is_recorded(llm):
    rejected = ledger.rejected
    llm.srv.set_behavior("gpt-4o-mini", Behavior(status=500, error_message="bad \x00 byte upstream"))
    answer = llm.api.post("/api/v1/litellm/test", headers=llm.headers, json={"model": "gpt-4o-mini"})
    assert answer.status_code == 200 and answer.json()["success"] is False
    [row] = llm.rows()
    assert row["outcome"] == "error" and ledger.rejected == rejected and ledger.pending() == 0
