"""Stored chat turns are bounded (issue 15 item 13): each client keeps at most `CLIENT_CAP` turns (its oldest go
first, other clients' stay), and turns older than `RETENTION_DAYS` are removed. The client of a turn is the
signed-in user, else the address the request came from (REST and the page alike)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from resync_app.assistant import turn_retention, turns
from resync_app.assistant.models import ChatTurn
from resync_app.db import session_scope, utcnow


def _count(key: str | None = None) -> int:
    with session_scope() as db:
        query = select(func.count()).select_from(ChatTurn)
        if key is not None:
            query = query.where(ChatTurn.client_key == key)
        return db.execute(query).scalar_one()


def _ids(key: str) -> list[int]:
    with session_scope() as db:
        return list(db.execute(select(ChatTurn.id).where(ChatTurn.client_key == key).order_by(ChatTurn.id))
                    .scalars())


def _ask(n: int, *, client: str | None = None, username: str | None = None) -> list[int]:
    return [turns.store(f"conv-{client or username}", "q" * 4000, f"answer {i}", fast_path=True, client=client,
                        username=username) for i in range(n)]


def test_one_client_keeps_at_most_the_cap_and_loses_its_oldest_first(clean_db):
    other = _ask(3, client="198.51.100.7")
    stored = _ask(turn_retention.CLIENT_CAP + 25, client="203.0.113.5")
    assert _count("ip:203.0.113.5") == turn_retention.CLIENT_CAP
    assert _ids("ip:203.0.113.5") == stored[-turn_retention.CLIENT_CAP:]  # the newest are kept
    assert _ids("ip:198.51.100.7") == other  # another client's turns are untouched
    assert _count() == turn_retention.CLIENT_CAP + 3


def test_a_signed_in_user_counts_apart_from_the_address(clean_db):
    _ask(2, client="203.0.113.5", username="oper")
    _ask(1, client="203.0.113.5")
    assert _count("user:oper") == 2 and _count("ip:203.0.113.5") == 1


def test_turns_past_the_retention_window_go(clean_db):
    [old, recent] = _ask(2, client="203.0.113.9")
    with session_scope() as db:
        db.execute(update(ChatTurn).where(ChatTurn.id == old).values(
            created_at=utcnow() - timedelta(days=turn_retention.RETENTION_DAYS, minutes=1)))
        db.execute(update(ChatTurn).where(ChatTurn.id == recent).values(
            created_at=utcnow() - timedelta(days=turn_retention.RETENTION_DAYS - 1)))
    turn_retention.forget_last_prune()
    [new] = _ask(1, client="203.0.113.10")  # storing a turn prunes (at most hourly per worker)
    assert _ids("ip:203.0.113.9") == [recent] and _ids("ip:203.0.113.10") == [new]


def test_prune_takes_a_time(clean_db):
    [turn] = _ask(1, client="203.0.113.11")
    assert turn_retention.prune(utcnow() + timedelta(days=turn_retention.RETENTION_DAYS - 1)) == 0
    assert turn_retention.prune(utcnow() + timedelta(days=turn_retention.RETENTION_DAYS + 1)) == 1
    assert _count() == 0


def test_the_rest_route_records_who_asked(api, operator_headers):
    anonymous = api.post("/api/v1/chat", json={"message": "what does ABEND mean?"})
    signed_in = api.post("/api/v1/chat", json={"message": "what does ABEND mean?"}, headers=operator_headers)
    assert anonymous.status_code == 200 and signed_in.status_code == 200, (anonymous.text, signed_in.text)
    assert _count("ip:testclient") == 1 and _count("user:oper") == 1
