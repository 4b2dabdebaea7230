"""What every poll's transaction does besides the snapshot itself: the incarnation it belongs to, and the new
events' incidents and notifications, committed with the events (a transactional outbox).

- `resolve` (at the start of a poll): the incarnation the poll is for. A snapshot left by another incarnation (the
  instance was re-created or pointed at another TWS) is dropped, so that this poll is a baseline. A poll started
  for an incarnation that is no longer the instance's raises `InstanceChanged`.
- `seal` (inside the transaction that stores the poll, after its events are inserted): checks that the instance
  still has the poll's incarnation (a share lock on PostgreSQL, SQLite's write lock: a concurrent re-configuration
  waits for this commit or this poll sees it), groups the problem events into incidents (`incidents.assign`) and
  hands the new events to `notify.write_tws_events` — Teams queues its cards there, in this same transaction. A
  failure rolls the whole poll back: the next poll finds the same changes again, so no event is ever stored
  without its card, and no card without its event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from resync_app import notify
from resync_app.tws import incidents
from resync_app.tws.models import TwsInstance, TwsPlanJob, TwsSummary, TwsWorkstation


class InstanceChanged(Exception):
    """The instance was deleted, re-created or re-pointed while this poll ran: nothing of it may be stored."""


def _current(db, instance: str, lock: bool = False) -> str | None:
    """The instance's incarnation now (None: no such instance)."""
    query = select(TwsInstance.incarnation).where(TwsInstance.name == instance)
    if lock and db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return db.execute(query).scalar_one_or_none()


def resolve(db, instance: str, wanted: str | None) -> str:
    """The incarnation this poll is for (`wanted`, or the instance's current one when None); drops a snapshot that
    belongs to another incarnation. Raises InstanceChanged if `wanted` is not the instance's any more."""
    current = _current(db, instance)
    if wanted is None:
        wanted = current or ""
    elif wanted and current != wanted:
        raise InstanceChanged(instance)
    summary = db.get(TwsSummary, instance)
    if summary is not None and summary.incarnation != wanted:
        for model in (TwsPlanJob, TwsWorkstation, TwsSummary):
            db.execute(delete(model).where(model.instance == instance))
        db.expunge(summary)
        incidents.close_all(db.connection(), instance)
    return wanted


def seal(db, instance: str, incarnation: str, notices: list[notify.TwsEventNotice], now: datetime
         ) -> list[notify.TwsEventNotice]:
    """Check the incarnation, then record the new events' incidents and notifications in this transaction;
    returns the notices with their incidents."""
    current = _current(db, instance, lock=True)
    if incarnation and current != incarnation:
        raise InstanceChanged(instance)
    if not notices:
        return notices
    conn = db.connection()
    notices = incidents.assign(conn, instance, notices, now)
    notify.write_tws_events(conn, notices)
    return notices
