"""A Redis journal of the ledger rows a worker holds in memory, so that a worker killed before its flusher wrote
them (at most ~0.5 s of calls) loses nothing: another worker writes them for it.

- `add(row)`: on the call path, the row goes into this worker's journal hash (one Redis round trip).
- `done(rows)`: after the rows are committed to the database, they leave the journal.
- `beat()`: the flusher says this worker is alive (a key that expires after `ALIVE_S`).
- `recover(write)`: a journal whose worker is no longer alive is claimed atomically (RENAME: one taker) and its
  rows are written with `write(rows)`; rows already in the database (the worker died between its commit and
  `done`) are skipped by their natural key (request id + timestamp), so nothing is doubled.
Only with RESYNC_REDIS_URL (several workers); without Redis there is one worker and nothing to take over.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime
from typing import Any, Callable

logger = logging.getLogger("resync.llm.ledger")
ALIVE_S = 10
RECOVER_EVERY_S = 3.0
RETRY_AFTER_FAILURE_S = 5.0
_PREFIX = "resync:ledger:journal:"
_ALIVE = "resync:ledger:alive:"


class LedgerJournal:
    def __init__(self, url: str, origin: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.origin = origin
        self._last_recover = 0.0
        self.recovered = 0
        self._failing = False
        self._failed_at = 0.0

    @staticmethod
    def _encode(row: dict[str, Any]) -> str:
        return json.dumps({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()})

    @staticmethod
    def _decode(raw: bytes) -> dict[str, Any]:
        row = json.loads(raw)
        row["timestamp"] = datetime.fromisoformat(row["timestamp"])
        return row

    def add(self, row: dict[str, Any]) -> None:
        row.setdefault("_journal_key", uuid.uuid4().hex)
        if self._failing and time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_S:
            return  # Redis was down a moment ago: do not hold the call path up with another connect timeout
        try:
            self._redis.hset(_PREFIX + self.origin, row["_journal_key"], self._encode(row))
            self._failing = False
        except Exception as exc:  # Redis down: the row still goes to the database through the buffer
            if not self._failing:
                logger.warning("ledger journal unavailable (%s): rows are only in memory until flushed",
                               type(exc).__name__)
            self._failing, self._failed_at = True, time.monotonic()

    def done(self, rows: list[dict[str, Any]]) -> None:
        keys = [r["_journal_key"] for r in rows if r.get("_journal_key")]
        if not keys:
            return
        try:
            for start in range(0, len(keys), 500):
                self._redis.hdel(_PREFIX + self.origin, *keys[start:start + 500])
        except Exception:
            pass  # left in the journal: a later recovery finds them in the database and skips them

    def beat(self) -> None:
        try:
            self._redis.set(_ALIVE + self.origin, "1", ex=ALIVE_S)
        except Exception:
            pass

    def recover(self, write: Callable[[list[dict[str, Any]]], int]) -> int:
        """Write the journals of workers that are gone; return how many rows were written."""
        if time.monotonic() - self._last_recover < RECOVER_EVERY_S:
            return 0
        self._last_recover = time.monotonic()
        written = 0
        try:
            for key in self._redis.scan_iter(match=_PREFIX + "*", count=100):
                name = key.decode()
                owner = name[len(_PREFIX):]
                if owner == self.origin or owner.startswith("claimed:") and owner.split(":", 2)[1] == self.origin:
                    continue
                if not owner.startswith("claimed:") and self._redis.exists(_ALIVE + owner):
                    continue
                if owner.startswith("claimed:") and self._redis.exists(_ALIVE + owner.split(":", 2)[1]):
                    continue  # another live worker is on it
                claimed = f"{_PREFIX}claimed:{self.origin}:{uuid.uuid4().hex[:8]}"
                try:
                    self._redis.rename(name, claimed)  # atomic: only one worker takes it
                except Exception:
                    continue
                rows = [self._decode(raw) for raw in self._redis.hvals(claimed)]
                count = write(rows) if rows else 0
                self._redis.delete(claimed)
                written += count
                logger.warning("ledger: wrote %d row(s) left by a worker that stopped (%s)", count, owner)
        except Exception as exc:
            logger.debug("ledger journal recovery skipped: %s", type(exc).__name__)
        self.recovered += written
        return written


def missing_rows(conn, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows not in the ledger yet (natural key: request id + timestamp)."""
    from sqlalchemy import select

    from resync_app.llm.models import LedgerEntry

    table = LedgerEntry.__table__
    ids = sorted({r["request_id"] for r in rows if r.get("request_id")})
    present: set[tuple[str, datetime]] = set()
    for start in range(0, len(ids), 500):
        present |= {(rid, ts) for rid, ts in conn.execute(
            select(table.c.request_id, table.c.timestamp).where(table.c.request_id.in_(ids[start:start + 500])))}
    return [r for r in rows if (r.get("request_id"), r["timestamp"]) not in present]
