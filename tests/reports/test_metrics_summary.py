"""`reports.metrics.summary`: hand-computed figures over seeded ledger calls, chat turns, polls and events;
calendar days in RESYNC_TIMEZONE (across a DST change); the window's edges; bad windows refused."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from resync_app.reports import metrics
from tests.support import metrics_seed
from tests.support.metrics_seed import SENTINEL_USER, TODAY, at, fixed_clock, seed  # noqa: F401 (fixture)


def test_seeded_figures_per_day_and_totals(clean_db, fixed_clock):
    seed()
    summary = metrics.summary(7)
    assert (summary["days"], summary["start_day"], summary["end_day"]) == (7, "2030-06-09", "2030-06-15")
    metrics_seed.check(summary)


def test_a_longer_window_takes_in_the_older_rows(clean_db, fixed_clock):
    seed()
    summary = metrics.summary(8)
    first = summary["llm"]["per_day"][0]
    assert first["day"] == "2030-06-08" and first["requests"] == 1 and first["p95_ms"] is not None
    assert summary["llm"]["totals"]["requests"] == 7
    assert summary["llm"]["totals"]["cost_usd"] == 9.07
    assert summary["chat"]["totals"]["answers"] == 8 and summary["tws_polls"]["totals"]["polls"] == 9
    assert summary["events"]["totals"]["critical"] == 3


def test_an_empty_database_gives_zero_counts_and_no_rates(clean_db, fixed_clock):
    summary = metrics.summary(1)
    assert summary["llm"]["totals"] == {"requests": 0, "errors": 0, "cache_hits": 0, "input_tokens": 0,
                                        "output_tokens": 0, "error_rate": None, "cache_hit_rate": None,
                                        "p50_ms": None, "p95_ms": None, "cost_usd": 0.0}
    assert summary["chat"]["totals"]["feedback_ratio"] is None
    assert summary["tws_polls"]["totals"]["p95_ms"] is None
    assert summary["events"]["per_day"] == [{"day": "2030-06-15", "info": 0, "warning": 0, "critical": 0,
                                             "total": 0}]


def test_the_window_edges_are_local_midnights(clean_db, fixed_clock):
    from resync_app.db import session_scope
    from resync_app.tws.models import TwsEvent

    first = TODAY - timedelta(days=6)
    start, end = at(first, 0), at(TODAY + timedelta(days=1), 0)
    tick = timedelta(microseconds=1)
    with session_scope() as db:
        for i, moment in enumerate((start - tick, start, end - tick, end)):
            db.add(TwsEvent(at=moment, instance="prod", type="job_late", severity="warning", message="edge",
                            dedupe_key=f"edge-{i}"))
    per_day = metrics.summary(7)["events"]["per_day"]
    assert per_day[0]["warning"] == 1 and per_day[-1]["warning"] == 1
    assert sum(row["total"] for row in per_day) == 2


def test_days_follow_the_configured_timezone_across_a_dst_change(clean_db, monkeypatch):
    """Paris moved to summer time on 2030-03-31: the 31st is 23 h long. Rows just after each local midnight
    belong to that local day, not to the UTC day before."""
    from resync_app import settings
    from resync_app.db import session_scope
    from resync_app.llm import budget
    from resync_app.tws.models import TwsEvent, TwsPollLog

    monkeypatch.setenv("RESYNC_TIMEZONE", "Europe/Paris")
    settings.reload_settings()
    try:
        monkeypatch.setattr(budget, "clock", lambda: datetime(2030, 4, 1, 10, 0, tzinfo=timezone.utc))
        moments = {"2030-03-30": datetime(2030, 3, 29, 23, 30, tzinfo=timezone.utc),  # 00:30 CET
                   "2030-03-31": datetime(2030, 3, 30, 23, 30, tzinfo=timezone.utc),  # 00:30 CET
                   "2030-04-01": datetime(2030, 3, 31, 22, 30, tzinfo=timezone.utc)}  # 00:30 CEST
        with session_scope() as db:
            for i, (day, moment) in enumerate(moments.items()):
                for k in range(i + 1):
                    db.add(TwsEvent(at=moment + timedelta(seconds=k), instance="prod", type="job_late",
                                    severity="info", message=day, dedupe_key=f"dst-{day}-{k}"))
                db.add(TwsPollLog(instance="prod", at=moment, ok=True, duration_ms=10.0 * (i + 1)))
        summary = metrics.summary(3)
        assert [(r["day"], r["info"]) for r in summary["events"]["per_day"]] == [
            ("2030-03-30", 1), ("2030-03-31", 2), ("2030-04-01", 3)]
        assert [r["p50_ms"] for r in summary["tws_polls"]["per_day"]] == [10.0, 20.0, 30.0]
        assert summary["timezone"] == "Europe/Paris"
    finally:
        monkeypatch.delenv("RESYNC_TIMEZONE")
        settings.reload_settings()


def test_nothing_personal_or_secret_in_a_summary(clean_db, fixed_clock):
    seed()
    text = json.dumps(metrics.summary(90))
    assert SENTINEL_USER not in text and "gpt-4o" not in text and "openai" not in text


@pytest.mark.parametrize("bad", [0, 91, -1, "7.5", "x", "1e1", " ", "٣"])
def test_bad_windows_are_refused(bad):
    with pytest.raises(metrics.BadWindow):
        metrics.summary(bad)


def test_days_default_and_bounds():
    assert metrics.parse_days(None) == metrics.DEFAULT_DAYS == 7
    assert metrics.parse_days("90") == 90 and metrics.parse_days(1) == 1 and metrics.parse_days(" 30 ") == 30


def test_recent_summary_is_shared_for_a_few_seconds(clean_db, fixed_clock):
    first = metrics.recent_summary(3, max_age_s=0)
    seed()
    assert metrics.recent_summary(3, max_age_s=60) is first  # within its age: the same result, no query
    fresh = metrics.recent_summary(3, max_age_s=0)
    assert fresh is not first and fresh["events"]["totals"]["critical"] == 2
    assert metrics.summary(3)["events"]["totals"] == fresh["events"]["totals"]
