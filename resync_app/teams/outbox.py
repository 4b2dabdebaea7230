"""The delivery outbox: cards wait here until a dispatcher posts them.

Exactly one card per source: `source_key` is unique and inserts skip an existing key, so a sink called twice (a
retry, or two workers handed the same event) adds one row. Claims are compare-and-set on (`id`, `attempts`), so
two dispatchers (threads, workers or machines) never claim the same row twice: the loser's UPDATE matches no row.
A claim older than `CLAIM_STALE` (its dispatcher died mid-send) may be claimed again: delivery is at least once
in that window only (the card may then arrive twice if the first post did reach Teams).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from resync_app.db import get_engine, utcnow
from resync_app.teams.models import TeamsDelivery

CLAIM_STALE = timedelta(seconds=120)  # far above the HTTP timeout: only a dead or frozen dispatcher exceeds it
RETENTION = timedelta(days=30)
_T = TeamsDelivery.__table__


@dataclass(frozen=True)
class NewCard:
    source_key: str
    kind: str  # tws_event | alert | test
    card: dict[str, Any]
    title: str = ""
    event_type: str = ""
    severity: str = "info"
    instance: str = ""


@dataclass(frozen=True)
class Claimed:
    id: int
    attempt: int  # this attempt's number (1 = first)
    kind: str
    source_key: str
    card: dict[str, Any]


def source_key(prefix: str, key: str) -> str:
    full = f"{prefix}:{key}"
    return full if len(full) <= 300 else f"{prefix}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _values(card: NewCard, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"source_key": card.source_key, "kind": card.kind, "event_type": card.event_type[:64],
            "severity": card.severity[:16], "instance": card.instance[:100], "title": card.title[:300],
            "card_json": json.dumps(card.card), "status": "pending", "attempts": 0, "next_attempt_at": now,
            "claimed_by": "", "created_at": now, **extra}


def enqueue(cards: list[NewCard], now: datetime | None = None) -> int:
    """Add cards to send; a source key already present is skipped. Returns how many were added."""
    if not cards:
        return 0
    now = now or utcnow()
    engine = get_engine()
    added = 0
    with engine.begin() as conn:
        for card in cards:
            values = _values(card, now)
            if engine.dialect.name in ("sqlite", "postgresql"):
                if engine.dialect.name == "sqlite":
                    from sqlalchemy.dialects.sqlite import insert as dialect_insert
                else:
                    from sqlalchemy.dialects.postgresql import insert as dialect_insert
                stmt = dialect_insert(_T).values(**values).on_conflict_do_nothing(index_elements=["source_key"])
                added += conn.execute(stmt).rowcount or 0
            else:  # other databases: a savepoint per row
                try:
                    with conn.begin_nested():
                        conn.execute(insert(_T).values(**values))
                    added += 1
                except IntegrityError:
                    pass
    return added


def record_sent_now(card: NewCard, status: str, status_code: int | None, error: str | None,
                    now: datetime | None = None) -> None:
    """Store a card posted outside the queue (the test card) with its outcome, for the deliveries list."""
    now = now or utcnow()
    with get_engine().begin() as conn:
        conn.execute(insert(_T).values(**_values(card, now, status=status, attempts=1, status_code=status_code,
                                                 last_error=error, sent_at=now if status == "sent" else None)))


def _due(now: datetime):
    return or_(and_(_T.c.status == "pending", _T.c.next_attempt_at <= now),
               and_(_T.c.status == "sending", _T.c.claimed_at < now - CLAIM_STALE))


def claim(worker: str, now: datetime, limit: int = 20) -> list[Claimed]:
    """Claim up to `limit` due rows for `worker` (each row by one claimer only)."""
    claimed: list[Claimed] = []
    engine = get_engine()
    with engine.connect() as conn:
        candidates = conn.execute(select(_T.c.id, _T.c.attempts).where(_due(now))
                                  .order_by(_T.c.next_attempt_at, _T.c.id).limit(limit)).all()
    for row_id, attempts in candidates:
        with engine.begin() as conn:
            won = conn.execute(update(_T).where(_T.c.id == row_id, _T.c.attempts == attempts, _due(now)).values(
                status="sending", attempts=attempts + 1, claimed_at=now, claimed_by=worker[:64])).rowcount
            if won != 1:
                continue  # another dispatcher took it first
            kind, key, card_json = conn.execute(select(_T.c.kind, _T.c.source_key, _T.c.card_json)
                                                .where(_T.c.id == row_id)).one()
        claimed.append(Claimed(row_id, attempts + 1, kind, key, json.loads(card_json)))
    return claimed


def finish(claim_: Claimed, worker: str, status: str, now: datetime, status_code: int | None = None,
           error: str | None = None, next_attempt_at: datetime | None = None) -> bool:
    """Record the outcome of a claimed attempt (only while the claim is still ours). `status` is sent, failed,
    skipped or pending (a retry at `next_attempt_at`)."""
    values: dict[str, Any] = {"status": status, "status_code": status_code,
                              "last_error": (error or None) and error[:500], "claimed_at": None}
    if status == "sent":
        values["sent_at"] = now
    if status == "pending":
        values["next_attempt_at"] = next_attempt_at or now
    with get_engine().begin() as conn:
        done = conn.execute(update(_T).where(_T.c.id == claim_.id, _T.c.status == "sending",
                                             _T.c.claimed_by == worker[:64], _T.c.attempts == claim_.attempt)
                            .values(**values)).rowcount
    return done == 1


def prune(now: datetime | None = None) -> int:
    """Delete finished rows older than RETENTION."""
    cutoff = (now or utcnow()) - RETENTION
    with get_engine().begin() as conn:
        return conn.execute(_T.delete().where(_T.c.created_at < cutoff,
                                              _T.c.status.in_(("sent", "failed", "skipped")))).rowcount or 0


# ---- reading (the page and the API) ------------------------------------------------------------------


def _row_view(row) -> dict[str, Any]:
    return {"id": row.id, "created_at": row.created_at.isoformat(), "kind": row.kind, "event_type": row.event_type,
            "severity": row.severity, "instance": row.instance, "title": row.title, "status": row.status,
            "attempts": row.attempts, "status_code": row.status_code, "error": row.last_error,
            "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None}


def deliveries(limit: int = 20, offset: int = 0, status: str | None = None) -> dict[str, Any]:
    """Newest first: `{count, results:[…]}` (no card bodies)."""
    limit, offset = max(1, min(int(limit), 200)), max(0, int(offset))
    where = [_T.c.status == status] if status else []
    cols = [c for c in _T.c if c.name != "card_json"]
    with get_engine().connect() as conn:
        count = conn.execute(select(func.count()).select_from(_T).where(*where)).scalar_one()
        rows = conn.execute(select(*cols).where(*where).order_by(_T.c.id.desc()).limit(limit).offset(offset)).all()
    return {"count": count, "results": [_row_view(r) for r in rows]}


def stats(now: datetime | None = None) -> dict[str, Any]:
    """Counts by status over the last 24 h, what waits, and the newest finished delivery."""
    now = now or utcnow()
    since = now - timedelta(hours=24)
    with get_engine().connect() as conn:
        by_status = dict(conn.execute(select(_T.c.status, func.count()).where(_T.c.created_at >= since)
                                      .group_by(_T.c.status)).all())
        waiting = conn.execute(select(func.count(), func.min(_T.c.created_at))
                               .where(_T.c.status.in_(("pending", "sending")))).one()
        last = conn.execute(select(_T.c.status, _T.c.status_code, _T.c.last_error, _T.c.sent_at, _T.c.created_at,
                                   _T.c.title, _T.c.kind)
                            .where(_T.c.status.in_(("sent", "failed"))).order_by(_T.c.id.desc()).limit(1)).first()
    last_view = None
    if last is not None:
        last_view = {"status": last.status, "status_code": last.status_code, "error": last.last_error,
                     "at": (last.sent_at or last.created_at).isoformat(), "title": last.title, "kind": last.kind}
    return {"sent_24h": by_status.get("sent", 0), "failed_24h": by_status.get("failed", 0),
            "skipped_24h": by_status.get("skipped", 0), "waiting": waiting[0],
            "oldest_waiting_since": waiting[1].isoformat() if waiting[1] else None, "last_delivery": last_view}
