"""With Redis, ledger rows a worker holds in memory are journaled: if the worker is killed before its flush,
another worker writes them — once (rows it had already committed are not doubled)."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from resync_app.db import get_engine
from resync_app.llm.ledger import make_row, write_rows
from resync_app.llm.ledger_journal import _ALIVE, LedgerJournal


def ledger_ids() -> list[str]:
    with get_engine().connect() as conn:
        return sorted(r for (r,) in conn.execute(text("SELECT request_id FROM llm_calls")))


def test_a_dead_workers_rows_are_written_once_by_another(clean_db, redis_url):
    import redis

    from resync_app.llm.ledger import Ledger

    dead = LedgerJournal(redis_url, "worker-dead")
    dead.beat()
    rows = [make_row(model="gpt-4o", provider="openai", cost_usd=0.01, request_id=f"call-{i}") for i in range(4)]
    for row in rows:
        dead.add(row)
    with get_engine().begin() as conn:  # it had committed the first one when it was killed (before `done`)
        write_rows(conn, rows[:1])
    survivor_ledger = Ledger()
    survivor = LedgerJournal(redis_url, "worker-alive")
    survivor_ledger._journal = survivor
    assert survivor.recover(survivor_ledger._write_recovered) == 0  # the dead one's heartbeat has not expired
    redis.Redis.from_url(redis_url).delete(_ALIVE + "worker-dead")  # as when ALIVE_S pass without a beat
    survivor._last_recover = 0.0
    assert survivor.recover(survivor_ledger._write_recovered) == 3
    assert ledger_ids() == ["call-0", "call-1", "call-2", "call-3"]
    survivor._last_recover = 0.0
    assert survivor.recover(survivor_ledger._write_recovered) == 0  # claimed and emptied: never twice
    assert not redis.Redis.from_url(redis_url).keys("resync:ledger:journal:*")


def test_flushed_rows_leave_the_journal(clean_db, redis_url):
    import redis

    from resync_app.llm.ledger import Ledger

    ledger = Ledger()
    ledger._journal = LedgerJournal(redis_url, "worker-" + uuid.uuid4().hex[:6])
    ledger.record(make_row(model="gpt-4o", provider="openai", request_id="r1"))
    client = redis.Redis.from_url(redis_url)
    assert client.hlen("resync:ledger:journal:" + ledger._journal.origin) == 1
    assert ledger.flush() == 1
    assert client.hlen("resync:ledger:journal:" + ledger._journal.origin) == 0
