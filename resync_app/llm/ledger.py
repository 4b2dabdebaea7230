"""The LLM call ledger: one row per attempt, written off the call path, with daily rollups kept current.

LiteLLM reports every attempt to `LedgerLogger` (a `CustomLogger`); the hook only turns the report into a
small dict and appends it to a buffer. A flusher thread writes the buffer in one transaction: the raw rows,
the per-day × model × provider × route-reason rollups and the latency histograms (upserts), and the
providers' last success/error. `stop()` flushes what is left, so nothing is lost on a normal shutdown.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from resync_app.db import get_engine, serialize
from resync_app.events import feed
from resync_app.llm.models import LatencyDaily, LedgerEntry, ModelPrice, ProviderSettings, UsageDaily
from resync_app.llm.pricing import price_lock
from resync_app.settings import get_settings

logger = logging.getLogger("resync.llm.ledger")

# Upper bounds (ms) of the latency histogram buckets; the last bucket is open-ended.
LATENCY_BOUNDS = (50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 30000,
                  60000)
FLUSH_INTERVAL_S = 0.5
MAX_BUFFER = 100_000  # rows kept while the database is unreachable; beyond, the oldest are dropped (counted)
_TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, SATimeoutError)
_ROLLUP_SUMS = ("requests", "errors", "cache_hits", "prompt_tokens", "completion_tokens", "cost_usd",
                "unpriced_requests", "latency_ms_sum")


def latency_bucket(ms: float) -> int:
    return bisect.bisect_right(LATENCY_BOUNDS, ms)


def local_day(ts: datetime) -> str:
    """The calendar day of `ts` in RESYNC_TIMEZONE."""
    return ts.astimezone(get_settings().timezone).strftime("%Y-%m-%d")


def make_row(*, model: str, provider: str, deployment: str = "", prompt_tokens: int = 0, completion_tokens: int = 0,
             cost_usd: float | None = 0.0, unpriced: bool = False, latency_ms: float = 0.0, outcome: str = "success",
             error_class: str = "", purpose: str = "chat", cache_hit: bool = False, route_reason: str = "",
             request_id: str = "", timestamp: datetime | None = None, error_message: str = "") -> dict[str, Any]:
    """A ledger row as the buffer holds it (text cleaned of NUL bytes, which PostgreSQL refuses, and cut to
    its column's size)."""
    ts = timestamp or datetime.now(timezone.utc)
    return {
        "timestamp": ts, "day": local_day(ts), "request_id": _text(request_id, 64), "model": _text(model, 200),
        "provider": _text(provider, 32), "deployment": _text(deployment, 300), "prompt_tokens": int(prompt_tokens or 0),
        "completion_tokens": int(completion_tokens or 0), "cost_usd": cost_usd, "unpriced": bool(unpriced),
        "latency_ms": float(latency_ms), "outcome": _text(outcome, 16), "error_class": _text(error_class, 100),
        "purpose": _text(purpose, 32), "cache_hit": bool(cache_hit), "route_reason": _text(route_reason, 32),
        "_error_message": _text(error_message, 500),
    }


def _text(value: object, size: int) -> str:
    return str(value or "").replace("\x00", "")[:size]


def _upsert(table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]], sums: Iterable[str]):
    """INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col (SQLite and PostgreSQL)."""
    dialect = get_engine().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(rows)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: table.c[c] + stmt.excluded[c] for c in sums})


def rollup_rows(rows: Iterable[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Aggregate ledger rows into usage-rollup rows and latency-histogram rows."""
    usage: dict[tuple, dict[str, Any]] = {}
    latency: dict[tuple, int] = defaultdict(int)
    for row in rows:
        key = (row["day"], row["model"], row["provider"], row["route_reason"])
        agg = usage.get(key)
        if agg is None:
            agg = usage[key] = {"day": key[0], "model": key[1], "provider": key[2], "route_reason": key[3],
                                **{c: 0 for c in _ROLLUP_SUMS}}
            agg["cost_usd"] = agg["latency_ms_sum"] = 0.0
        agg["requests"] += 1
        agg["errors"] += row["outcome"] != "success"
        agg["cache_hits"] += row["cache_hit"]
        agg["prompt_tokens"] += row["prompt_tokens"]
        agg["completion_tokens"] += row["completion_tokens"]
        agg["cost_usd"] += row["cost_usd"] or 0.0
        agg["unpriced_requests"] += row["unpriced"]
        agg["latency_ms_sum"] += row["latency_ms"]
        latency[(row["day"], row["model"], latency_bucket(row["latency_ms"]))] += 1
    return list(usage.values()), [{"day": d, "model": m, "bucket": b, "count": c} for (d, m, b), c in latency.items()]


def _price_unpriced(conn, rows: list[dict[str, Any]]) -> None:
    """Rows flagged unpriced whose model has a custom price by now are priced before they are written: a price
    set while they sat in a buffer (of any worker) must not leave them unpriced. Serialised per model with
    `set_price`: either the price is committed first and read here, or these rows are committed first and
    the price's recomputation finds them."""
    models = sorted({row["model"] for row in rows if row.get("unpriced")})
    if not models:
        return
    for model in models:
        serialize(conn, price_lock(model))
    table = ModelPrice.__table__
    prices = {m: (i / 1000, o / 1000) for m, i, o in conn.execute(
        select(table.c.model, table.c.input_cost_per_1k, table.c.output_cost_per_1k)
        .where(table.c.model.in_(models)))}
    for row in rows:
        if row.get("unpriced") and row["model"] in prices:
            per_in, per_out = prices[row["model"]]
            row["cost_usd"] = row["prompt_tokens"] * per_in + row["completion_tokens"] * per_out
            row["unpriced"] = False


def write_rows(conn, rows: list[dict[str, Any]]) -> None:
    """Insert ledger rows and fold them into the rollups, in the caller's transaction."""
    if not rows:
        return
    _price_unpriced(conn, rows)
    clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    conn.execute(LedgerEntry.__table__.insert(), clean)
    usage, latency = rollup_rows(clean)
    for start in range(0, len(usage), 500):
        conn.execute(_upsert(UsageDaily.__table__, ("day", "model", "provider", "route_reason"),
                             usage[start:start + 500], _ROLLUP_SUMS))
    for start in range(0, len(latency), 500):
        conn.execute(_upsert(LatencyDaily.__table__, ("day", "model", "bucket"), latency[start:start + 500],
                             ("count",)))


def _provider_outcomes(conn, rows: list[dict[str, Any]]) -> None:
    """Remember each provider's newest success and error (for the provider cards)."""
    table = ProviderSettings.__table__
    newest: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        if row["purpose"] == "demo" or row["cache_hit"]:
            continue
        kind = "ok" if row["outcome"] == "success" else "error"
        current = newest[row["provider"]].get(kind)
        if current is None or row["timestamp"] > current["timestamp"]:
            newest[row["provider"]][kind] = row
    for provider, kinds in newest.items():
        if conn.execute(select(table.c.id).where(table.c.id == provider)).first() is None:
            conn.execute(table.insert().values(id=provider, updated_at=datetime.now(timezone.utc), updated_by=""))
        values: dict[str, Any] = {}
        if "ok" in kinds:
            values["last_success_at"] = kinds["ok"]["timestamp"]
        if "error" in kinds:
            err = kinds["error"]
            values["last_error_at"] = err["timestamp"]
            values["last_error"] = (f"{err['error_class']}: {err['_error_message']}" if err["_error_message"]
                                    else err["error_class"])[:500]
        conn.execute(update(table).where(table.c.id == provider).values(**values))


class Ledger:
    """Buffer + flusher thread. `record()` is the only thing the call path does."""

    def __init__(self) -> None:
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._after_flush: list[Callable[[list[dict[str, Any]]], None]] = []
        self.recorded = 0
        self.flushed = 0
        self.rejected = 0  # rows the database refused for good: set aside (logged), not retried
        self.dropped = 0  # rows dropped because the buffer was full (database unreachable for long)
        self.set_aside: deque[dict[str, Any]] = deque(maxlen=100)
        self._seen: dict[str, int] = {}
        self._journal = None  # ledger_journal.LedgerJournal with Redis
        self._seen_changed = threading.Condition(self._lock)

    def record(self, row: dict[str, Any]) -> None:
        """Queue one row (cheap: called from LiteLLM's logging hooks)."""
        if self._journal is not None:  # several workers: survive this one being killed before the flush
            self._journal.add(row)
        with self._lock:
            self._buffer.append(row)
            self.recorded += 1
            if len(self._buffer) > MAX_BUFFER:
                excess = len(self._buffer) - MAX_BUFFER
                del self._buffer[:excess]
                self.dropped += excess
                if self.dropped == excess or self.dropped % 10_000 < excess:
                    logger.error("ledger buffer full (%d rows): %d oldest row(s) dropped so far", MAX_BUFFER,
                                 self.dropped)
            if row["request_id"]:
                self._seen[row["request_id"]] = self._seen.get(row["request_id"], 0) + 1
                if len(self._seen) > 10000:
                    self._seen.pop(next(iter(self._seen)))
                self._seen_changed.notify_all()
            wake = len(self._buffer) >= 200
        if wake:
            self._wake.set()

    def rows_seen(self, request_id: str) -> int:
        """How many attempts LiteLLM reported for a gateway request (0: none, the gateway records one)."""
        return self._seen.get(request_id, 0)

    def wait_seen(self, request_id: str, rows: int = 1, timeout: float = 30.0) -> int:
        """Block until LiteLLM has reported `rows` attempts of a request (its logging hooks run after the call
        returns) or `timeout` seconds pass; returns how many it reported."""
        with self._seen_changed:
            self._seen_changed.wait_for(lambda: self._seen.get(request_id, 0) >= rows, timeout)
            return self._seen.get(request_id, 0)

    def after_flush(self, callback: Callable[[list[dict[str, Any]]], None]) -> None:
        if callback not in self._after_flush:
            self._after_flush.append(callback)

    def pending(self) -> int:
        return len(self._buffer)

    def stats(self) -> dict[str, int]:
        return {"recorded": self.recorded, "flushed": self.flushed, "pending": self.pending(),
                "rejected": self.rejected, "dropped": self.dropped}

    @staticmethod
    def _write(rows: list[dict[str, Any]]) -> None:
        with get_engine().begin() as conn:
            write_rows(conn, rows)
            _provider_outcomes(conn, rows)

    def _keep(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            self._buffer[:0] = rows

    def _write_one_by_one(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """After a failed batch: write each row on its own, set aside the ones the database refuses for good
        (logged, counted) and keep the rest for later if the database becomes unreachable. Returns the rows
        written."""
        written = []
        for index, row in enumerate(rows):
            try:
                self._write([row])
            except _TRANSIENT:
                logger.warning("ledger flush: database unreachable; %d row(s) kept for the next attempt",
                               len(rows) - index)
                self._keep(rows[index:])
                break
            except Exception as exc:  # this row can never be written: do not let it block the others
                self.rejected += 1
                self.set_aside.append(row)
                if self._journal is not None:  # never retried: not for a worker recovering this journal either
                    self._journal.done([row])
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
                logger.error("ledger row set aside (the database refuses it: %s %s): request %s, model %r, "
                             "%s; %d row(s) set aside so far", type(exc).__name__, reason, row.get("request_id"),
                             str(row.get("model"))[:80], row.get("outcome"), self.rejected)
            else:
                written.append(row)
        return written

    def flush(self) -> int:
        """Write everything buffered now; return how many rows were written."""
        with self._flush_lock:
            with self._lock:
                rows, self._buffer = self._buffer, []
            if not rows:
                return 0
            try:
                self._write(rows)
            except _TRANSIENT:
                logger.warning("ledger flush failed (database unreachable); %d rows kept for the next attempt",
                               len(rows))
                self._keep(rows)
                return 0
            except Exception:
                logger.warning("ledger flush of %d rows failed; writing them one by one", len(rows))
                rows = self._write_one_by_one(rows)
                if not rows:
                    return 0
            self.flushed += len(rows)
            if self._journal is not None:
                self._journal.done(rows)
        self._after_flushed(rows)
        return len(rows)

    def _after_flushed(self, rows: list[dict[str, Any]]) -> None:
        for callback in list(self._after_flush):
            try:
                callback(rows)
            except Exception:
                logger.exception("after-flush callback failed")
        feed.publish("llm", {"rows": len(rows)})  # live pages (LiteLLM Analytics) refresh on this

    def _write_recovered(self, rows: list[dict[str, Any]]) -> int:
        """Rows a stopped worker left in its journal: write those not in the ledger yet."""
        from resync_app.llm.ledger_journal import missing_rows

        with get_engine().begin() as conn:
            rows = missing_rows(conn, rows)
            write_rows(conn, rows)
        if rows:
            self.flushed += len(rows)
            self._after_flushed(rows)
        return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_INTERVAL_S)
            self._wake.clear()
            self.flush()
            if self._journal is not None:
                self._journal.beat()
                self._journal.recover(self._write_recovered)

    def start(self) -> None:
        from resync_app.settings import get_settings

        url = get_settings().redis_url
        if url and self._journal is None:
            from resync_app.llm.ledger_journal import LedgerJournal

            self._journal = LedgerJournal(url, feed.origin)
            self._journal.beat()
        elif not url:
            self._journal = None
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="resync-ledger", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and write what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()


def recompute_unpriced(conn, model: str, input_per_token: float, output_per_token: float) -> int:
    """Price the flagged calls of `model` now that a price is known, in the caller's transaction (the one that
    stores the price and audits it), and add what they cost to their rollups. An increment, never a snapshot:
    rows another worker flushes meanwhile keep their share of the rollups. The caller holds the model's
    `price_lock`, so no unpriced row of this model is written concurrently."""
    ledger_t, usage_t = LedgerEntry.__table__, UsageDaily.__table__
    flagged = and_(ledger_t.c.model == model, ledger_t.c.unpriced.is_(True))
    cost = ledger_t.c.prompt_tokens * input_per_token + ledger_t.c.completion_tokens * output_per_token
    groups = conn.execute(
        select(ledger_t.c.day, ledger_t.c.provider, ledger_t.c.route_reason, func.count(), func.sum(cost))
        .where(flagged).group_by(ledger_t.c.day, ledger_t.c.provider, ledger_t.c.route_reason)).all()
    if not groups:
        return 0
    changed = conn.execute(update(ledger_t).where(flagged).values(cost_usd=cost, unpriced=False)).rowcount
    for day, provider, reason, count, added in groups:
        conn.execute(update(usage_t).where(and_(usage_t.c.day == day, usage_t.c.model == model,
                                                usage_t.c.provider == provider, usage_t.c.route_reason == reason))
                     .values(cost_usd=usage_t.c.cost_usd + (added or 0.0),
                             unpriced_requests=usage_t.c.unpriced_requests - count))
    return changed or 0


ledger = Ledger()
