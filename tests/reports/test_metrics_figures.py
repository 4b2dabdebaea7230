"""The metrics page's figures and tiles are drawn from the summary itself: the charts' series are its per-day
figures, an empty window draws a chart that says so, and the tiles format its totals."""

from __future__ import annotations

from resync_app.components import metrics_charts
from resync_app.reports import metrics
from resync_app.state.metrics_dashboard import tiles
from tests.support.metrics_seed import fixed_clock, seed  # noqa: F401 (fixture)

BUILDERS = (metrics_charts.llm_requests, metrics_charts.llm_tokens, metrics_charts.llm_latency,
            metrics_charts.llm_rates, metrics_charts.chat_quality, metrics_charts.tws_polls, metrics_charts.events)


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_the_charts_plot_the_summary_per_day(clean_db, fixed_clock):
    seed()
    summary = metrics.summary(7)
    days = [row["day"] for row in summary["llm"]["per_day"]]
    requests = metrics_charts.llm_requests(summary)
    answered, failed = _trace(requests, "Answered"), _trace(requests, "Failed")
    assert list(answered.x) == days
    assert [a + f for a, f in zip(answered.y, failed.y)] == [r["requests"] for r in summary["llm"]["per_day"]]
    latency = metrics_charts.llm_latency(summary)
    assert list(_trace(latency, "p95").y) == [r["p95_ms"] for r in summary["llm"]["per_day"]]
    events = metrics_charts.events(summary)
    assert [t.name for t in events.data] == ["info", "warning", "critical"]
    assert list(_trace(events, "critical").y) == [r["critical"] for r in summary["events"]["per_day"]]
    polls = metrics_charts.tws_polls(summary)
    assert list(_trace(polls, "Failed polls").y) == [r["errors"] for r in summary["tws_polls"]["per_day"]]
    chat = metrics_charts.chat_quality(summary)
    assert list(_trace(chat, "Fast-path share").y) == [r["fast_path_share"] for r in summary["chat"]["per_day"]]


def test_an_empty_window_says_so_in_every_chart(clean_db, fixed_clock):
    summary = metrics.summary(7)
    for build in BUILDERS:
        fig = build(summary)
        assert not fig.data and "No " in fig.layout.annotations[0].text, build.__name__


def test_tiles_format_the_totals(clean_db, fixed_clock):
    seed()
    shown = tiles(metrics.summary(7))
    assert shown["requests"] == "6" and shown["requests_hint"] == "1 failed"
    assert shown["tokens"] == "1,230" and shown["cost"] == "$0.07"
    assert shown["latency"] == "270 ms" and shown["error_rate"] == "16.7%"
    assert shown["feedback"] == "50%" and shown["fast_path"] == "43%" and shown["fast_path_hint"] == "3 of 7 answers"
    assert shown["poll_latency"] == "1,000 ms" and shown["events"] == "7"
    assert shown["events_hint"] == "2 critical · 1 warning"


def test_tiles_of_an_empty_window_say_no_data(clean_db, fixed_clock):
    shown = tiles(metrics.summary(1))
    assert shown["requests"] == "0" and shown["error_rate"] == "—" and shown["latency"] == "—"
    assert shown["feedback"] == "—" and shown["poll_latency"] == "—"
