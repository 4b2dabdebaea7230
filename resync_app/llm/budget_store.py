"""Where budget spend and in-flight reservations live, so that every worker admits against the same figures.

- `RedisSpend` (RESYNC_REDIS_URL set): per period a spend counter, the reservations (with expiry) and the
  settled-but-unflushed costs, in Redis. Admission is one Lua script (check every limit and reserve in one
  atomic step). The counter starts from the rollups (+ unflushed costs) and grows as calls settle; `resync()`
  re-reads it from the database when spend changed there (a price set recomputes old calls).
- `DatabaseSpend` (no Redis): reservations and settled costs are rows of `llm_budget_holds`; each admission
  first updates the `llm_budget_lock` row (a row lock on PostgreSQL, the write lock on SQLite), then sums the
  rollups and the holds and inserts its own hold, in one transaction.

Reservations expire (LITELLM_TIMEOUT + a margin) so that a worker that dies mid-call does not hold budget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from resync_app.db import get_engine, utcnow
from resync_app.llm.budget_models import BudgetHold, BudgetLock
from resync_app.llm.models import UsageDaily

logger = logging.getLogger("resync.llm.budget")
SETTLED_TTL = timedelta(minutes=10)  # a settled call reaches the rollups within a flush (0.5 s) normally
_LOCK_NAME = "budget"


@dataclass(frozen=True)
class Refusal:
    kind: str          # daily | monthly
    reason: str        # zero | spent | over
    limit: float
    spent: float
    in_flight: float


class SpendStore(Protocol):
    def admit(self, request_id: str, estimate: float, keys: dict[str, str], limits: dict[str, float],
              hold_for: timedelta) -> Refusal | None: ...
    def settle(self, request_id: str, cost: float, keys: dict[str, str]) -> None: ...
    def release(self, request_id: str, keys: dict[str, str]) -> None: ...
    def flushed(self, request_ids: set[str], keys_by_id: dict[str, dict[str, str]]) -> None: ...
    def totals(self, keys: dict[str, str]) -> tuple[dict[str, float], dict[str, float]]: ...
    def resync(self, keys: dict[str, str]) -> None: ...


def rollup_spend(conn, keys: dict[str, str]) -> dict[str, float]:
    """What the rollups hold for the day and the month (every worker's flushed calls)."""
    table = UsageDaily.__table__
    day = conn.execute(select(func.coalesce(func.sum(table.c.cost_usd), 0.0))
                       .where(table.c.day == keys["daily"])).scalar_one()
    month = conn.execute(select(func.coalesce(func.sum(table.c.cost_usd), 0.0))
                         .where(table.c.day.like(keys["monthly"] + "-%"))).scalar_one()
    return {"daily": float(day), "monthly": float(month)}


def _check(kind: str, limit: float, spent: float, in_flight: float, estimate: float) -> Refusal | None:
    if limit <= 0:
        return Refusal(kind, "zero", limit, spent, in_flight)
    if spent >= limit:
        return Refusal(kind, "spent", limit, spent, in_flight)
    if spent + in_flight + estimate > limit:
        return Refusal(kind, "over", limit, spent, in_flight)
    return None


# ---- without Redis: rows and a row lock ------------------------------------------------------------------


class DatabaseSpend:
    def _lock(self, conn) -> None:
        """Serialise admissions: update the lock row first (creating it the first time)."""
        table = BudgetLock.__table__
        done = conn.execute(update(table).where(table.c.name == _LOCK_NAME)
                            .values(admissions=table.c.admissions + 1)).rowcount
        if not done:
            conn.execute(insert(table).values(name=_LOCK_NAME, admissions=1))

    def _holds(self, conn, keys: dict[str, str]) -> tuple[dict[str, float], dict[str, float]]:
        table = BudgetHold.__table__
        now = utcnow()
        settled, reserved = {"daily": 0.0, "monthly": 0.0}, {"daily": 0.0, "monthly": 0.0}
        for kind, column in (("daily", table.c.day_key), ("monthly", table.c.month_key)):
            rows = conn.execute(select(table.c.state, func.coalesce(func.sum(table.c.amount), 0.0))
                                .where(column == keys[kind], table.c.expires_at > now)
                                .group_by(table.c.state)).all()
            for state, amount in rows:
                (settled if state == "settled" else reserved)[kind] += float(amount)
        return settled, reserved

    def admit(self, request_id, estimate, keys, limits, hold_for):
        table = BudgetHold.__table__
        for attempt in range(5):
            try:
                with get_engine().begin() as conn:
                    self._lock(conn)
                    conn.execute(delete(table).where(table.c.expires_at <= utcnow()))
                    spent = rollup_spend(conn, keys)
                    settled, reserved = self._holds(conn, keys)
                    for kind in ("daily", "monthly"):
                        refusal = _check(kind, limits[kind], spent[kind] + settled[kind], reserved[kind], estimate)
                        if refusal:
                            return refusal
                    conn.execute(insert(table).values(
                        request_id=request_id, day_key=keys["daily"], month_key=keys["monthly"], amount=estimate,
                        state="reserved", expires_at=utcnow() + hold_for, created_at=utcnow()))
                return None
            except IntegrityError:  # two workers created the lock row at once: the loser retries
                if attempt == 4:
                    raise
        return None

    def settle(self, request_id, cost, keys):
        table = BudgetHold.__table__
        with get_engine().begin() as conn:
            if cost and cost > 0:
                conn.execute(update(table).where(table.c.request_id == request_id)
                             .values(amount=float(cost), state="settled", expires_at=utcnow() + SETTLED_TTL))
            else:
                conn.execute(delete(table).where(table.c.request_id == request_id))

    def release(self, request_id, keys):
        table = BudgetHold.__table__
        with get_engine().begin() as conn:
            conn.execute(delete(table).where(table.c.request_id == request_id))

    def flushed(self, request_ids, keys_by_id):
        if not request_ids:
            return
        table = BudgetHold.__table__
        ids = list(request_ids)
        with get_engine().begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(delete(table).where(table.c.request_id.in_(ids[start:start + 500]),
                                                 table.c.state == "settled"))

    def totals(self, keys):
        with get_engine().connect() as conn:
            spent = rollup_spend(conn, keys)
            settled, reserved = self._holds(conn, keys)
        return {k: spent[k] + settled[k] for k in spent}, reserved

    def resync(self, keys):
        """Nothing cached: every admission reads the database."""


# ---- with Redis: counters, reservations and one Lua script --------------------------------------------------

_ADMIT = """
-- KEYS: spent, reservations (hash id->estimate), expiries (zset id->epoch) for the day, then for the month
-- ARGV: now, expires_at, request_id, estimate, limit_day, limit_month, ttl_day, ttl_month
local now = tonumber(ARGV[1])
local estimate = tonumber(ARGV[4])
local figures = {}
for p = 0, 1 do
  local spent_key, res_key, exp_key = KEYS[p * 3 + 1], KEYS[p * 3 + 2], KEYS[p * 3 + 3]
  local spent = redis.call('GET', spent_key)
  if not spent then return {'init'} end
  local expired = redis.call('ZRANGEBYSCORE', exp_key, '-inf', now)
  for _, id in ipairs(expired) do
    redis.call('HDEL', res_key, id)
    redis.call('ZREM', exp_key, id)
  end
  local in_flight = 0
  for _, v in ipairs(redis.call('HVALS', res_key)) do in_flight = in_flight + tonumber(v) end
  local limit = tonumber(ARGV[5 + p])
  spent = tonumber(spent)
  local kind = p == 0 and 'daily' or 'monthly'
  local reason = nil
  if limit <= 0 then reason = 'zero'
  elseif spent >= limit then reason = 'spent'
  elseif spent + in_flight + estimate > limit then reason = 'over' end
  if reason then
    return {'refuse', kind, reason, tostring(limit), tostring(spent), tostring(in_flight)}
  end
end
for p = 0, 1 do
  redis.call('HSET', KEYS[p * 3 + 2], ARGV[3], ARGV[4])
  redis.call('ZADD', KEYS[p * 3 + 3], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[p * 3 + 2], ARGV[7 + p])
  redis.call('EXPIRE', KEYS[p * 3 + 3], ARGV[7 + p])
end
return {'ok'}
"""

_SETTLE = """
-- KEYS: spent, reservations, expiries, unflushed for the day, then for the month; ARGV: id, cost, ttl_d, ttl_m
local cost = tonumber(ARGV[2])
for p = 0, 1 do
  redis.call('HDEL', KEYS[p * 4 + 2], ARGV[1])
  redis.call('ZREM', KEYS[p * 4 + 3], ARGV[1])
  if cost > 0 then
    if redis.call('EXISTS', KEYS[p * 4 + 1]) == 1 then
      redis.call('INCRBYFLOAT', KEYS[p * 4 + 1], ARGV[2])
    end
    redis.call('HSET', KEYS[p * 4 + 4], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[p * 4 + 4], ARGV[3 + p])
  end
end
return 1
"""

_RESYNC = """
-- KEYS: spent, unflushed; ARGV: rollup spend, ttl, only_if_missing
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local total = tonumber(ARGV[1])
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do total = total + tonumber(v) end
redis.call('SET', KEYS[1], tostring(total), 'EX', ARGV[2])
return 1
"""

_PERIOD_TTL = {"daily": 3 * 86400, "monthly": 40 * 86400}


class RedisSpend:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._admit = self._redis.register_script(_ADMIT)
        self._settle = self._redis.register_script(_SETTLE)
        self._resync = self._redis.register_script(_RESYNC)

    @staticmethod
    def _k(kind: str, key: str, what: str) -> str:
        return f"resync:budget:{what}:{kind}:{key}"

    def admit(self, request_id, estimate, keys, limits, hold_for):
        now = utcnow().timestamp()
        redis_keys = [self._k(kind, keys[kind], what) for kind in ("daily", "monthly")
                      for what in ("spent", "res", "exp")]
        args = [now, now + hold_for.total_seconds(), request_id, repr(float(estimate)), limits["daily"],
                limits["monthly"], _PERIOD_TTL["daily"], _PERIOD_TTL["monthly"]]
        answer = self._admit(keys=redis_keys, args=args)
        if answer and answer[0] == b"init":
            self.resync(keys, only_if_missing=True)
            answer = self._admit(keys=redis_keys, args=args)
        if answer and answer[0] == b"refuse":
            kind, reason, limit, spent, in_flight = (a.decode() for a in answer[1:6])
            return Refusal(kind, reason, float(limit), float(spent), float(in_flight))
        return None

    def settle(self, request_id, cost, keys):
        redis_keys = [self._k(kind, keys[kind], what) for kind in ("daily", "monthly")
                      for what in ("spent", "res", "exp", "unflushed")]
        self._settle(keys=redis_keys, args=[request_id, repr(float(cost or 0.0)), _PERIOD_TTL["daily"],
                                            _PERIOD_TTL["monthly"]])

    def release(self, request_id, keys):
        with self._redis.pipeline() as pipe:
            for kind in ("daily", "monthly"):
                pipe.hdel(self._k(kind, keys[kind], "res"), request_id)
                pipe.zrem(self._k(kind, keys[kind], "exp"), request_id)
            pipe.execute()

    def flushed(self, request_ids, keys_by_id):
        if not request_ids:
            return
        with self._redis.pipeline() as pipe:
            for request_id in request_ids:
                keys = keys_by_id.get(request_id)
                if keys:
                    for kind in ("daily", "monthly"):
                        pipe.hdel(self._k(kind, keys[kind], "unflushed"), request_id)
            pipe.execute()

    def totals(self, keys):
        now = utcnow().timestamp()
        spent, in_flight = {}, {}
        missing = False
        for kind in ("daily", "monthly"):
            value = self._redis.get(self._k(kind, keys[kind], "spent"))
            if value is None:
                missing = True
            spent[kind] = float(value or 0.0)
            live = set(m.decode() for m in self._redis.zrangebyscore(self._k(kind, keys[kind], "exp"), now, "+inf"))
            amounts = self._redis.hgetall(self._k(kind, keys[kind], "res"))
            in_flight[kind] = sum(float(v) for k, v in amounts.items() if k.decode() in live)
        if missing:
            self.resync(keys, only_if_missing=True)
            return self.totals(keys)
        return spent, in_flight

    def resync(self, keys, only_if_missing: bool = False):
        with get_engine().connect() as conn:
            spent = rollup_spend(conn, keys)
        for kind in ("daily", "monthly"):
            self._resync(keys=[self._k(kind, keys[kind], "spent"), self._k(kind, keys[kind], "unflushed")],
                         args=[repr(spent[kind]), _PERIOD_TTL[kind], "1" if only_if_missing else "0"])


def make_store(redis_url: str | None) -> SpendStore:
    return RedisSpend(redis_url) if redis_url else DatabaseSpend()
