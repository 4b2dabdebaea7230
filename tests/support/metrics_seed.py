"""Seeded ledger calls, chat turns, TWS polls and events with the figures `reports.metrics.summary` must give
(computed by hand in the comments), shared by the SQLite, PostgreSQL and API tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from resync_app.db import get_engine, session_scope
from resync_app.settings import get_settings

# Every metrics test runs at this instant (budget.clock), so "today" never moves under a test.
NOW = datetime(2030, 6, 15, 15, 0, tzinfo=timezone.utc)
TODAY = date(2030, 6, 15)
SENTINEL_USER = "carol-the-operator"  # a chat turn's username: must never appear in a summary
INSTANCE = "seed-tws"


@pytest.fixture
def fixed_clock(monkeypatch):
    """Run the test at NOW: "today" is what the budget clock says (import this fixture into a test module)."""
    from resync_app.llm import budget

    monkeypatch.setattr(budget, "clock", lambda: NOW)
    return NOW


def at(day: date, minutes: int) -> datetime:
    """`minutes` after local midnight of `day` (RESYNC_TIMEZONE), as UTC."""
    local = datetime.combine(day, time.min, tzinfo=get_settings().timezone) + timedelta(minutes=minutes)
    return local.astimezone(timezone.utc)


def _ledger(day: date, minute: int, latency: float, tin: int, tout: int, cost: float, *, error: bool = False,
            cache: bool = False) -> dict:
    from resync_app.llm.ledger import make_row

    return make_row(model="gpt-4o", provider="openai", prompt_tokens=tin, completion_tokens=tout, cost_usd=cost,
                    latency_ms=latency, outcome="error" if error else "success", cache_hit=cache, purpose="demo",
                    timestamp=at(day, minute), request_id=f"seed-{day}-{minute}")


def seed(today: date = TODAY) -> None:
    """The rows behind EXPECTED (days=7 ending `today`), plus rows just outside the window."""
    from resync_app.assistant.models import ChatTurn
    from resync_app.llm.ledger import write_rows
    from resync_app.tws.models import TwsEvent, TwsPollLog

    d = lambda n: today - timedelta(days=n)  # noqa: E731
    rows = [
        _ledger(d(0), 60, 120, 100, 20, 0.01), _ledger(d(0), 61, 150, 200, 40, 0.02, error=True),
        _ledger(d(0), 62, 180, 300, 60, 0.03, cache=True), _ledger(d(0), 63, 250, 400, 80, 0.0),
        _ledger(d(2), 600, 40, 10, 5, 0.005), _ledger(d(2), 601, 60, 10, 5, 0.005),
        _ledger(d(7), 1439, 5000, 999, 999, 9.0),  # the day before the 7-day window
    ]
    with get_engine().begin() as conn:
        write_rows(conn, rows)
    with session_scope() as db:
        turns = [(d(0), True, 1), (d(0), True, 1), (d(0), True, -1), (d(0), False, None), (d(0), False, None),
                 (d(1), False, -1), (d(1), False, None), (d(7), True, 1)]
        for i, (day, fast, feedback) in enumerate(turns):
            db.add(ChatTurn(conversation_id=f"seed-c{i}", created_at=at(day, 100 + i), question="q", answer="a",
                            fast_path=fast, feedback=feedback, username=SENTINEL_USER,
                            model=None if fast else "gpt-4o", tokens=0 if fast else 50))
        polls = [(d(0), True, 100), (d(0), True, 200), (d(0), True, 300), (d(0), True, 400), (d(0), True, 1000),
                 (d(0), False, 30000), (d(1), True, 50), (d(1), True, 70), (d(7), True, 9)]
        for i, (day, ok, ms) in enumerate(polls):
            db.add(TwsPollLog(instance=INSTANCE, at=at(day, 200 + i), ok=ok, duration_ms=ms,
                              error_kind="" if ok else "timeout"))
        events = [(d(0), "critical"), (d(0), "critical"), (d(0), "warning"), (d(3), "info"), (d(3), "info"),
                  (d(3), "info"), (d(3), "info"), (d(7), "critical")]
        for i, (day, severity) in enumerate(events):
            db.add(TwsEvent(at=at(day, 300 + i), instance=INSTANCE, type="job_abended", severity=severity,
                            message=f"e{i}", dedupe_key=f"seed-{i}"))


def window(today: date = TODAY, days: int = 7) -> list[str]:
    return [(today - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]


# Hand-computed (days=7 ending TODAY). LLM latency from the histogram buckets [100, 200) and [200, 300):
# today 120/150/180 ms in [100,200), 250 in [200,300): p50 = 100 + 100·2/3, p95 = 200 + 100·0.8;
# two days ago 40 in [0,50), 60 in [50,100): p50 = 50·1/1, p95 = 50 + 50·0.9;
# overall {[0,50):1, [50,100):1, [100,200):3, [200,300):1}: p50 = 100 + 100·1/3, p95 = 200 + 100·0.7.
# Poll latency, nearest rank over successful polls: today 100,200,300,400,1000 → ranks 3 and 5;
# yesterday 50,70 → ranks 1 and 2; overall 50,70,100,200,300,400,1000 → ranks 4 and 7.
EXPECTED_TODAY = {
    "llm": {"requests": 4, "errors": 1, "error_rate": 0.25, "cache_hits": 1, "cache_hit_rate": 0.25,
            "input_tokens": 1000, "output_tokens": 200, "p50_ms": 166.7, "p95_ms": 280.0},
    "chat": {"answers": 5, "fast_path": 3, "fast_path_share": 0.6, "feedback_up": 2, "feedback_down": 1,
             "feedback_ratio": 0.6667},
    "tws_polls": {"polls": 6, "errors": 1, "error_rate": 0.1667, "p50_ms": 300.0, "p95_ms": 1000.0},
    "events": {"critical": 2, "warning": 1, "info": 0, "total": 3},
}
EXPECTED_OTHER_DAYS = {
    2: {"llm": {"requests": 2, "errors": 0, "error_rate": 0.0, "p50_ms": 50.0, "p95_ms": 95.0,
                "input_tokens": 20, "output_tokens": 10}},
    1: {"chat": {"answers": 2, "fast_path": 0, "fast_path_share": 0.0, "feedback_up": 0, "feedback_down": 1,
                 "feedback_ratio": 0.0},
        "tws_polls": {"polls": 2, "errors": 0, "p50_ms": 50.0, "p95_ms": 70.0}},
    3: {"events": {"info": 4, "critical": 0, "total": 4}},
}
EXPECTED_TOTALS = {
    "llm": {"requests": 6, "errors": 1, "error_rate": 0.1667, "cache_hits": 1, "cache_hit_rate": 0.1667,
            "input_tokens": 1020, "output_tokens": 210, "p50_ms": 133.3, "p95_ms": 270.0, "cost_usd": 0.07},
    "chat": {"answers": 7, "fast_path": 3, "fast_path_share": 0.4286, "feedback_up": 2, "feedback_down": 2,
             "feedback_ratio": 0.5},
    "tws_polls": {"polls": 8, "errors": 1, "error_rate": 0.125, "p50_ms": 200.0, "p95_ms": 1000.0},
    "events": {"critical": 2, "warning": 1, "info": 4, "total": 7},
}
# A day with nothing: counts 0, rates and percentiles None (no data is not 0 %).
EMPTY_DAY = {
    "llm": {"requests": 0, "error_rate": None, "cache_hit_rate": None, "p50_ms": None, "p95_ms": None},
    "chat": {"answers": 0, "fast_path_share": None, "feedback_ratio": None},
    "tws_polls": {"polls": 0, "error_rate": None, "p50_ms": None, "p95_ms": None},
    "events": {"total": 0},
}


def check(summary: dict, today: date = TODAY) -> None:
    """Assert every hand-computed figure of a 7-day summary ending `today`."""
    days = window(today)
    for section in ("llm", "chat", "tws_polls", "events"):
        assert [row["day"] for row in summary[section]["per_day"]] == days, section
        per_day = {row["day"]: row for row in summary[section]["per_day"]}
        expected_by_day = {days[-1]: EXPECTED_TODAY.get(section, {})}
        for back, sections in EXPECTED_OTHER_DAYS.items():
            if section in sections:
                expected_by_day[days[-1 - back]] = sections[section]
        for day in days:
            expected = expected_by_day.get(day) or EMPTY_DAY[section]
            got = {key: per_day[day][key] for key in expected}
            assert got == expected, (section, day)
        got_totals = {key: summary[section]["totals"][key] for key in EXPECTED_TOTALS[section]}
        assert got_totals == EXPECTED_TOTALS[section], section


def unseed() -> None:
    """Remove what `seed` wrote (ledger rows of purpose "demo", their rollups rebuilt from the rest)."""
    from resync_app.assistant.models import ChatTurn
    from resync_app.tws.models import TwsEvent, TwsPollLog
    from tests.support.dbutil import forget_demo_calls

    with get_engine().begin() as conn:
        forget_demo_calls(conn)
        conn.execute(ChatTurn.__table__.delete().where(ChatTurn.__table__.c.conversation_id.like("seed-%")))
        conn.execute(TwsPollLog.__table__.delete().where(TwsPollLog.__table__.c.instance == INSTANCE))
        conn.execute(TwsEvent.__table__.delete().where(TwsEvent.__table__.c.instance == INSTANCE))


def add_event(key: str, severity: str = "critical") -> None:
    """One more event now (a change the page must pick up without a reload)."""
    from resync_app.tws.models import TwsEvent

    with session_scope() as db:
        db.add(TwsEvent(instance=INSTANCE, type="job_abended", severity=severity, message="late arrival",
                        dedupe_key=f"seed-late-{key}"))


def run(command: str, *args: str) -> int:
    """`seed` | `unseed` | `add-event <key>` (the browser tests run these against the live server's database, in a
    forked child: tests/support/forked.py)."""
    if command == "seed":
        seed(datetime.now(get_settings().timezone).date())
    elif command == "unseed":
        unseed()
    elif command == "add-event":
        add_event(args[0])
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(run(*sys.argv[1:]))
