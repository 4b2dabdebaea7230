"""The delivery outbox: cards wait here until a dispatcher posts them.

Exactly one card per source: `source_key` is unique and inserts skip an existing key, so a sink called twice (a
retry, or two workers handed the same event) adds one row. TWS events are keyed by their dedupe key (unique for
ever), incident cards by the incident's id (never reused) and card number. Rows are written in the caller's
transaction when it passes its connection (the poll's: `enqueue(conn=…)`), so a card exists exactly when its event
does.

Claims are compare-and-set on (`id`, `attempts`), so two dispatchers (threads, workers or machines) never claim
the same row twice: the loser's UPDATE matches no row. A claim (`sending`) is a lease of `CLAIM_STALE`: just before
posting each row of its batch the dispatcher renews it and marks it `posting` (`renew`, again compare-and-set), and
skips a row whose lease another dispatcher took over — so a slow webhook never makes a batch outlive its leases.
A `sending` row whose lease is stale (its dispatcher died before posting it) is claimed again. A `posting` row whose
lease is stale (its dispatcher died while Teams was answering) is never posted again — Teams has almost always
received it, and incoming webhooks cannot tell a repeat — it becomes `unconfirmed` (`settle_abandoned`), shown and
counted on the Teams page: a card is posted at most once, and one that may be missing is reported.

While Teams is switched off, rows are held (`pending`, not claimed). Held longer than `HOLD_WHILE_OFF` after they
were queued, they become `expired`: never sent, counted and listed on the Teams page (`expire_held`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from resync_app.db import get_engine, utcnow
from resync_app.teams.models import TeamsDelivery

CLAIM_STALE = timedelta(seconds=120)  # far above the HTTP timeout: only a dead or frozen dispatcher exceeds it
RETENTION = timedelta(days=30)
HOLD_WHILE_OFF = timedelta(hours=1)  # a card queued while Teams is off is sent if Teams is back within this
FINISHED = ("sent", "failed", "skipped", "expired", "unconfirmed")
IN_FLIGHT = ("sending", "posting")
_T = TABLE = TeamsDelivery.__table__


@dataclass(frozen=True)
class NewCard:
    source_key: str
    kind: str  # tws_event | incident | alert | test
    card: dict[str, Any] | None  # None: rendered when first claimed (`claim(render=…)`)
    title: str = ""
    event_type: str = ""
    severity: str = "info"
    instance: str = ""
    not_before: datetime | None = None  # not due before (an incident's follow-up card)


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
    due = max(now, card.not_before) if card.not_before is not None else now
    return {"source_key": card.source_key, "kind": card.kind, "event_type": card.event_type[:64],
            "severity": card.severity[:16], "instance": card.instance[:100], "title": card.title[:300],
            "card_json": "" if card.card is None else json.dumps(card.card), "status": "pending", "attempts": 0,
            "next_attempt_at": due, "claimed_by": "", "created_at": now, **extra}


def enqueue(cards: list[NewCard], now: datetime | None = None, conn: Connection | None = None) -> int:
    """Add cards to send; a source key already present is skipped. Returns how many were added. With `conn`, in
    that connection's transaction (the caller commits); else in a transaction of its own."""
    if not cards:
        return 0
    now = now or utcnow()
    if conn is None:
        with get_engine().begin() as own:
            return _insert(own, cards, now)
    return _insert(conn, cards, now)


def _insert(conn: Connection, cards: list[NewCard], now: datetime) -> int:
    added = 0
    dialect = conn.dialect.name
    for card in cards:
        values = _values(card, now)
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
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


def _due(now: datetime, stale: timedelta = CLAIM_STALE):
    return or_(and_(_T.c.status == "pending", _T.c.next_attempt_at <= now),
               and_(_T.c.status == "sending", _T.c.claimed_at < now - stale))


# A renderer gives a row queued without its card (an incident's) the card, in the claim's transaction:
# (card, title, severity, event_type), or None when there is nothing left to report (the row is then `skipped`).
Renderer = Callable[[Connection, Any], "tuple[dict[str, Any], str, str, str] | None"]


def claim(worker: str, now: datetime, limit: int = 20, *, stale: timedelta = CLAIM_STALE,
          kinds: tuple[str, ...] | None = None, render: Renderer | None = None) -> list[Claimed]:
    """Claim up to `limit` due rows for `worker` (each row by one claimer only); `kinds` limits the kinds claimed
    (None: all). A row queued without its card gets it from `render` now, once (a retry posts the same card)."""
    claimed: list[Claimed] = []
    engine = get_engine()
    kind_filter = [_T.c.kind.in_(kinds)] if kinds is not None else []
    with engine.connect() as conn:
        candidates = conn.execute(select(_T.c.id, _T.c.attempts).where(_due(now, stale), *kind_filter)
                                  .order_by(_T.c.next_attempt_at, _T.c.id).limit(limit)).all()
    for row_id, attempts in candidates:
        with engine.begin() as conn:
            won = conn.execute(update(_T).where(_T.c.id == row_id, _T.c.attempts == attempts, _due(now, stale))
                               .values(status="sending", attempts=attempts + 1, claimed_at=now,
                                       claimed_by=worker[:64])).rowcount
            if won != 1:
                continue  # another dispatcher took it first
            row = conn.execute(select(_T).where(_T.c.id == row_id)).one()
            card_json = row.card_json
            if not card_json:
                rendered = render(conn, row) if render is not None else None
                if rendered is None:
                    conn.execute(update(_T).where(_T.c.id == row_id).values(
                        status="skipped", claimed_at=None, last_error="nothing left to report"))
                    continue
                card, title, severity, event_type = rendered
                card_json = json.dumps(card)
                conn.execute(update(_T).where(_T.c.id == row_id).values(
                    card_json=card_json, title=title[:300], severity=severity[:16], event_type=event_type[:64]))
        claimed.append(Claimed(row_id, attempts + 1, row.kind, row.source_key, json.loads(card_json)))
    return claimed


def renew(claim_: Claimed, worker: str, now: datetime) -> bool:
    """Renew the lease of a claimed row and mark it `posting`, just before posting it: False if another dispatcher
    took it over (its lease went stale), and then this dispatcher must not post it."""
    with get_engine().begin() as conn:
        return conn.execute(update(_T).where(_T.c.id == claim_.id, _T.c.status == "sending",
                                             _T.c.claimed_by == worker[:64], _T.c.attempts == claim_.attempt)
                            .values(claimed_at=now, status="posting")).rowcount == 1


def settle_abandoned(now: datetime, stale: timedelta = CLAIM_STALE) -> int:
    """Rows whose dispatcher died while posting them (`posting`, lease stale) become `unconfirmed`: not posted
    again (Teams has almost always received them), reported. Returns how many."""
    with get_engine().begin() as conn:
        return conn.execute(update(_T).where(_T.c.status == "posting", _T.c.claimed_at < now - stale).values(
            status="unconfirmed", claimed_at=None,
            last_error="its worker stopped while Teams was answering: Teams has probably shown it; not posted "
                       "again, so that it cannot be shown twice")).rowcount or 0


def expire_held(now: datetime, kinds: tuple[str, ...] | None = None, hold: timedelta = HOLD_WHILE_OFF) -> int:
    """Rows held (Teams off) for longer than `hold` since they were queued become `expired` (of `kinds`, None =
    all): never sent, counted on the Teams page. Returns how many."""
    where = [_T.c.status == "pending", _T.c.created_at < now - hold]
    if kinds is not None:
        where.append(_T.c.kind.in_(kinds))
    with get_engine().begin() as conn:
        return conn.execute(update(_T).where(*where).values(
            status="expired", last_error=f"not sent: Teams was off for more than {_hours(hold)} after it was queued"
        )).rowcount or 0


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


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
        done = conn.execute(update(_T).where(_T.c.id == claim_.id, _T.c.status.in_(IN_FLIGHT),
                                             _T.c.claimed_by == worker[:64], _T.c.attempts == claim_.attempt)
                            .values(**values)).rowcount
    return done == 1


def prune(now: datetime | None = None) -> int:
    """Delete finished rows older than RETENTION."""
    cutoff = (now or utcnow()) - RETENTION
    with get_engine().begin() as conn:
        return conn.execute(_T.delete().where(_T.c.created_at < cutoff, _T.c.status.in_(FINISHED))).rowcount or 0


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
    """Counts by status over the last 24 h, what waits (held while Teams is off included), `not_sent`: the cards
    that expired while Teams was off (all kept rows), and the newest finished delivery."""
    now = now or utcnow()
    since = now - timedelta(hours=24)
    with get_engine().connect() as conn:
        by_status = dict(conn.execute(select(_T.c.status, func.count()).where(_T.c.created_at >= since)
                                      .group_by(_T.c.status)).all())
        waiting = conn.execute(select(func.count(), func.min(_T.c.created_at))
                               .where(_T.c.status.in_(("pending", *IN_FLIGHT)))).one()
        expired = conn.execute(select(func.count()).where(_T.c.status == "expired")).scalar_one()
        last = conn.execute(select(_T.c.status, _T.c.status_code, _T.c.last_error, _T.c.sent_at, _T.c.created_at,
                                   _T.c.title, _T.c.kind)
                            .where(_T.c.status.in_(("sent", "failed"))).order_by(_T.c.id.desc()).limit(1)).first()
    last_view = None
    if last is not None:
        last_view = {"status": last.status, "status_code": last.status_code, "error": last.last_error,
                     "at": (last.sent_at or last.created_at).isoformat(), "title": last.title, "kind": last.kind}
    return {"sent_24h": by_status.get("sent", 0), "failed_24h": by_status.get("failed", 0),
            "skipped_24h": by_status.get("skipped", 0), "expired_24h": by_status.get("expired", 0),
            "unconfirmed_24h": by_status.get("unconfirmed", 0),
            "not_sent": expired, "waiting": waiting[0],
            "oldest_waiting_since": waiting[1].isoformat() if waiting[1] else None, "last_delivery": last_view}
