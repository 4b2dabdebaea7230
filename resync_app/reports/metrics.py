"""The operators' read-only metrics (`/metrics/dashboard` and `GET /api/v1/metrics/summary`): one `summary(days)`.

Every figure is aggregated in SQL (GROUP BY, window functions) and works on SQLite and PostgreSQL; Python only
shapes the few rows per day that come back. Days are calendar days in RESYNC_TIMEZONE, the last `days` ending
today, the same days the LLM ledger's rollups and budgets use.

- LLM calls come from the ledger's daily rollups (every call the app makes: chat, tests, health probes). Latency
  p50/p95 are estimated from the rollups' latency histograms by interpolation inside a bucket — the same rule and
  figures as the admin's LiteLLM Analytics page.
- TWS poll latency p50/p95 are exact nearest-rank percentiles over the successful polls (window functions);
  failed polls are counted as errors, their time-outs are kept out of the latency.
- Chat figures come from the stored turns: the feedback ratio is thumbs up ÷ rated answers, the fast-path share is
  answers given with no model ÷ answers. Learning from operators (`learning`, `reports/learning_metrics.py`):
  votes, corrections written, entries approved, and the share of answers given from approved knowledge.

`summary` reads the database on every call; `recent_summary` shares one result for a few seconds (the page's
periodic refresh: many tabs, one computation). Money appears only as the window's total; there are no keys, models' costs, names or per-user figures.
"""

from __future__ import annotations

import threading
import time as clock
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from resync_app.assistant.models import ChatTurn
from resync_app.db import get_engine
from resync_app.llm.analytics import day_range, percentile_from_histogram
from resync_app.llm.models import LatencyDaily, UsageDaily
from resync_app.notify import SEVERITIES
from resync_app.reports import learning_metrics
from resync_app.settings import get_settings
from resync_app.tws.models import TwsEvent, TwsPollLog

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 90, 7
PERCENTILES = (50, 95)

U, L = UsageDaily.__table__, LatencyDaily.__table__
C, P, E = ChatTurn.__table__, TwsPollLog.__table__, TwsEvent.__table__


class BadWindow(ValueError):
    """`days` is not a whole number from 1 to 90."""


def parse_days(value: Any) -> int:
    """`days` as given (query string, select value): a whole number from 1 to 90, else `BadWindow`."""
    text = str(DEFAULT_DAYS if value is None or value == "" else value).strip()
    if not (text.isascii() and text.isdigit()) or not MIN_DAYS <= int(text) <= MAX_DAYS:
        raise BadWindow(f"days must be a whole number from {MIN_DAYS} to {MAX_DAYS}")
    return int(text)


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _midnights(days: list[str]) -> list[datetime]:
    """The instants (UTC) where the window's days begin, plus the end of the last one."""
    tz = get_settings().timezone
    first = date.fromisoformat(days[0])
    ends = [first.fromordinal(first.toordinal() + i) for i in range(len(days) + 1)]
    return [datetime.combine(d, time.min, tzinfo=tz).astimezone(timezone.utc) for d in ends]


def _day_of(column, days: list[str], bounds: list[datetime]):
    """SQL: the window's day (ISO) of a timestamp column already inside the window — a balanced tree of CASEs (about
    log2(days) comparisons a row); exact across DST changes, as the bounds are local midnights."""

    def within(lo: int, hi: int):  # the column lies in [bounds[lo], bounds[hi])
        if hi - lo == 1:
            return literal(days[lo])
        mid = (lo + hi) // 2
        return case((column < bounds[mid], within(lo, mid)), else_=within(mid, hi))

    return within(0, len(days))


def _in_window(column, bounds: list[datetime]):
    return and_(column >= bounds[0], column < bounds[-1])


def _nearest_rank(conn, value, where: list, day=None) -> dict[str | None, dict[int, float]]:
    """Exact nearest-rank percentiles of `value` over the rows matching `where`, per `day` (a SQL expression) or
    overall (key None): window functions rank the rows; only the ranks that are a percentile come back."""
    values = select((day if day is not None else literal(None)).label("day"), value.label("v")).where(*where) \
        .subquery()
    partition = values.c.day if day is not None else None
    rn = func.row_number().over(partition_by=partition, order_by=values.c.v)
    n = func.count().over(partition_by=partition)
    ranked = select(values.c.day, values.c.v, rn.label("rn"), n.label("n")).subquery()
    # rank = ceil(p/100 · n), in integers: rn·100 ≥ p·n > (rn − 1)·100
    hits = [and_(ranked.c.rn * 100 >= p * ranked.c.n, (ranked.c.rn - 1) * 100 < p * ranked.c.n) for p in PERCENTILES]
    found: dict[str | None, dict[int, float]] = {}
    for key, v, rank, count in conn.execute(select(ranked.c.day, ranked.c.v, ranked.c.rn, ranked.c.n)
                                            .where(or_(*hits))):
        for p in PERCENTILES:
            if rank * 100 >= p * count > (rank - 1) * 100:
                found.setdefault(key, {})[p] = round(float(v), 1)
    return found


def _llm(conn, days: list[str]) -> dict[str, Any]:
    where = [U.c.day >= days[0], U.c.day <= days[-1]]
    rows = {r[0]: r[1:] for r in conn.execute(select(
        U.c.day, func.sum(U.c.requests), func.sum(U.c.errors), func.sum(U.c.cache_hits),
        func.sum(U.c.prompt_tokens), func.sum(U.c.completion_tokens), func.sum(U.c.cost_usd))
        .where(*where).group_by(U.c.day))}
    lat_where = [L.c.day >= days[0], L.c.day <= days[-1]]
    hist: dict[str, dict[int, int]] = {}
    for day, bucket, count in conn.execute(select(L.c.day, L.c.bucket, func.sum(L.c.count))
                                           .where(*lat_where).group_by(L.c.day, L.c.bucket)):
        hist.setdefault(day, {})[int(bucket)] = int(count)
    overall = {int(b): int(n) for b, n in conn.execute(select(L.c.bucket, func.sum(L.c.count))
                                                       .where(*lat_where).group_by(L.c.bucket))}
    per_day, totals = [], {"requests": 0, "errors": 0, "cache_hits": 0, "input_tokens": 0, "output_tokens": 0}
    cost = 0.0
    for day in days:
        values = rows.get(day) or (0, 0, 0, 0, 0, 0.0)
        req, err, hits, tin, tout = (int(v or 0) for v in values[:5])
        day_cost = float(values[5] or 0.0)
        item = {"requests": req, "errors": err, "cache_hits": hits, "input_tokens": tin, "output_tokens": tout}
        for key, value in item.items():
            totals[key] += value
        cost += day_cost
        per_day.append({"day": day, **item, "error_rate": _ratio(err, req), "cache_hit_rate": _ratio(hits, req),
                        "p50_ms": percentile_from_histogram(hist.get(day, {}), 0.5),
                        "p95_ms": percentile_from_histogram(hist.get(day, {}), 0.95)})
    return {"per_day": per_day, "totals": {
        **totals, "error_rate": _ratio(totals["errors"], totals["requests"]),
        "cache_hit_rate": _ratio(totals["cache_hits"], totals["requests"]),
        "p50_ms": percentile_from_histogram(overall, 0.5), "p95_ms": percentile_from_histogram(overall, 0.95),
        "cost_usd": round(cost, 6)}}


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _chat(conn, days: list[str], bounds: list[datetime]) -> dict[str, Any]:
    turns = select(_day_of(C.c.created_at, days, bounds).label("day"), C.c.fast_path, C.c.feedback) \
        .where(_in_window(C.c.created_at, bounds)).subquery()
    rows = {r[0]: [int(v) for v in r[1:]] for r in conn.execute(select(
        turns.c.day, func.count(), _count_if(turns.c.fast_path == True),  # noqa: E712 (SQL, not Python)
        _count_if(turns.c.feedback > 0), _count_if(turns.c.feedback < 0)).group_by(turns.c.day))}
    per_day, sums = [], [0, 0, 0, 0]
    for day in days:
        answers, fast, up, down = rows.get(day, [0, 0, 0, 0])
        sums = [a + b for a, b in zip(sums, (answers, fast, up, down))]
        per_day.append(_chat_figures(answers, fast, up, down, day=day))
    return {"per_day": per_day, "totals": _chat_figures(*sums)}


def _chat_figures(answers: int, fast: int, up: int, down: int, **extra) -> dict[str, Any]:
    return {**extra, "answers": answers, "fast_path": fast, "fast_path_share": _ratio(fast, answers),
            "feedback_up": up, "feedback_down": down, "feedback_ratio": _ratio(up, up + down)}


def _polls(conn, days: list[str], bounds: list[datetime]) -> dict[str, Any]:
    day = _day_of(P.c.at, days, bounds).label("day")
    polls = select(day, P.c.ok).where(_in_window(P.c.at, bounds)).subquery()
    rows = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(select(
        polls.c.day, func.count(), _count_if(polls.c.ok == False))  # noqa: E712
        .group_by(polls.c.day))}
    ok = [_in_window(P.c.at, bounds), P.c.ok == True]  # noqa: E712 (SQL, not Python)
    pct = {**_nearest_rank(conn, P.c.duration_ms, ok, day=day), **_nearest_rank(conn, P.c.duration_ms, ok)}
    per_day, total_polls, total_errors = [], 0, 0
    for d in days:
        count, errors = rows.get(d, (0, 0))
        total_polls, total_errors = total_polls + count, total_errors + errors
        per_day.append({"day": d, "polls": count, "errors": errors, "error_rate": _ratio(errors, count),
                        "p50_ms": pct.get(d, {}).get(50), "p95_ms": pct.get(d, {}).get(95)})
    return {"per_day": per_day, "totals": {"polls": total_polls, "errors": total_errors,
                                           "error_rate": _ratio(total_errors, total_polls),
                                           "p50_ms": pct.get(None, {}).get(50), "p95_ms": pct.get(None, {}).get(95)}}


def _events(conn, days: list[str], bounds: list[datetime]) -> dict[str, Any]:
    events = select(_day_of(E.c.at, days, bounds).label("day"), E.c.severity).where(_in_window(E.c.at, bounds)) \
        .subquery()
    counts: dict[str, dict[str, int]] = {}
    for day, severity, n in conn.execute(select(events.c.day, events.c.severity, func.count())
                                         .group_by(events.c.day, events.c.severity)):
        counts.setdefault(day, {})[severity] = int(n)
    per_day = []
    totals = dict.fromkeys(SEVERITIES, 0)
    for day in days:
        row = {s: counts.get(day, {}).get(s, 0) for s in SEVERITIES}
        for s in SEVERITIES:
            totals[s] += row[s]
        per_day.append({"day": day, **row, "total": sum(row.values())})
    return {"severities": list(SEVERITIES), "per_day": per_day, "totals": {**totals, "total": sum(totals.values())}}


def summary(days: Any = DEFAULT_DAYS) -> dict[str, Any]:
    """Every figure of the metrics page for the last `days` days (1–90; `BadWindow` otherwise)."""
    count = parse_days(days)
    start, end, day_list = day_range(count)
    bounds = _midnights(day_list)
    with get_engine().connect() as conn:
        return {
            "days": count, "start_day": start, "end_day": end, "timezone": get_settings().timezone_name,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "llm": _llm(conn, day_list),
            "chat": _chat(conn, day_list, bounds),
            "tws_polls": _polls(conn, day_list, bounds),
            "events": _events(conn, day_list, bounds),
            "learning": learning_metrics.figures(conn, day_list, bounds, lambda c: _day_of(c, day_list, bounds),
                                                 lambda c: _in_window(c, bounds)),
        }


_recent: dict[int, tuple[float, dict[str, Any]]] = {}
_recent_lock = threading.Lock()


def recent_summary(days: Any = DEFAULT_DAYS, max_age_s: float = 5.0) -> dict[str, Any]:
    """`summary(days)` computed at most `max_age_s` ago in this process (shared, read-only: do not change it).
    The pages' periodic refreshes use it, so that many open tabs cost one summary per window and period."""
    count = parse_days(days)
    with _recent_lock:
        hit = _recent.get(count)
    if hit is not None and clock.monotonic() - hit[0] < max_age_s:
        return hit[1]
    data = summary(count)
    with _recent_lock:
        _recent[count] = (clock.monotonic(), data)
    return data
