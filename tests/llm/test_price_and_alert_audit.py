"""Audit and ledger gaps (issue 10, item 11): acknowledging a budget alert is audited; a custom price, the calls
it prices and its audit row are one transaction; rows still buffered when a price is set are priced; the
recomputation adds to the rollups instead of overwriting them (the PostgreSQL race is in tests/postgres)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from resync_app.db import get_engine
from resync_app.llm.ledger import ledger, make_row
from tests.llm.conftest import ledger_sums

HAIKU = "claude-3-haiku-20240307"  # unpriced until an admin sets a price


def unpriced_row(request_id: str, prompt: int = 2000, completion: int = 400) -> dict:
    return make_row(model=HAIKU, provider="anthropic", deployment=f"anthropic/{HAIKU}", prompt_tokens=prompt,
                    completion_tokens=completion, cost_usd=None, unpriced=True, route_reason="requested",
                    request_id=request_id)


def audit(llm, action: str) -> list[dict]:
    entries = llm.api.get("/api/v1/admin/audit", headers=llm.headers, params={"limit": 1000}).json()
    return [e for e in entries if e["action"] == action]


def set_price(llm, model: str = HAIKU, price_in: float = 0.25, price_out: float = 1.25):
    return llm.api.put(f"/api/v1/litellm/prices/{model}", headers=llm.headers,
                       json={"input_cost_per_1k": price_in, "output_cost_per_1k": price_out})


async def test_acknowledging_a_budget_alert_is_audited(llm):
    await llm.call("why did J1 abend?", model="gpt-4o")
    llm.config(LLM_BUDGET_DAILY_USD=1e-9)
    [alert, *_] = llm.get("/budget")["alerts"]
    answer = llm.api.post(f"/api/v1/litellm/budget/alerts/{alert['id']}/acknowledge", headers=llm.headers)
    assert answer.status_code == 200, answer.text
    [entry] = audit(llm, "llm.budget.acknowledge")
    assert entry["target"] == str(alert["id"]) and entry["client"] == "testclient"
    assert entry["detail"]["period"] == alert["period"] and entry["detail"]["threshold"] == alert["threshold"]
    # acknowledging it again changes nothing and audits nothing
    assert llm.api.post(f"/api/v1/litellm/budget/alerts/{alert['id']}/acknowledge",
                        headers=llm.headers).status_code == 200
    assert len(audit(llm, "llm.budget.acknowledge")) == 1


def test_rows_still_buffered_when_a_price_is_set_are_priced(llm):
    llm.enable("anthropic")
    ledger.stop()  # no flusher: the rows stay in the buffer until the price is set
    ledger.record(unpriced_row("flushed-before"))
    ledger.flush()
    ledger.record(unpriced_row("buffered-1"))
    ledger.record(unpriced_row("buffered-2", prompt=1000, completion=0))
    assert ledger.pending() == 2
    answer = set_price(llm)
    assert answer.status_code == 200, answer.text
    ledger.flush()
    expected = {"flushed-before": 2000 * 0.25e-3 + 400 * 1.25e-3, "buffered-1": 2000 * 0.25e-3 + 400 * 1.25e-3,
                "buffered-2": 1000 * 0.25e-3}
    rows = {r["request_id"]: r for r in llm.rows()}
    assert {k: (r["unpriced"], r["cost_usd"]) for k, r in rows.items()} == {
        k: (False, pytest.approx(v)) for k, v in expected.items()}
    usage = llm.get("/usage")
    assert usage["unpriced_requests"] == 0 and usage["total_cost_usd"] == pytest.approx(sum(expected.values()))
    with get_engine().connect() as conn:
        rollup = conn.execute(text("SELECT SUM(cost_usd), SUM(unpriced_requests) FROM llm_usage_daily "
                                   "WHERE model = :m"), {"m": HAIKU}).one()
    assert rollup[0] == pytest.approx(sum(expected.values())) and rollup[1] == 0


@pytest.fixture
def audit_refuses_prices():
    """A database that refuses the price's audit row (a trigger): the price must not stay without it."""
    engine = get_engine()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse_price_audit() RETURNS trigger AS $$ BEGIN "
                              "RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER refuse_price_audit BEFORE INSERT ON audit_log FOR EACH ROW "
                              "WHEN (NEW.action = 'llm.price.set') EXECUTE FUNCTION refuse_price_audit()"))
        else:
            conn.execute(text("CREATE TRIGGER refuse_price_audit BEFORE INSERT ON audit_log "
                              "WHEN NEW.action = 'llm.price.set' BEGIN SELECT RAISE(ABORT, 'audit refused'); END"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_price_audit" + (" ON audit_log" if engine.dialect.name ==
                                                                "postgresql" else "")))
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION refuse_price_audit()"))


def test_a_price_without_its_audit_row_is_not_stored(llm, audit_refuses_prices):
    llm.enable("anthropic")
    ledger.record(unpriced_row("earlier"))
    ledger.flush()
    answer = set_price(llm)
    assert answer.status_code == 500  # the database refused (the fault this test injects)
    assert llm.get("/prices") == {}
    [row] = llm.rows()
    assert row["unpriced"] and row["cost_usd"] is None  # the recomputation went back with it
    assert ledger_sums()["cost_usd"] == 0
    [model] = [m for m in llm.get("/models") if m["name"] == HAIKU]
    assert model["input_cost_per_1k"] is None
