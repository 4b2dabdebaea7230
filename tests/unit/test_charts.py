"""The LiteLLM chart builders: the expected traces, and totals equal to analytics.costs for the same range."""

from __future__ import annotations

import json

import plotly.io as pio
import pytest

from resync_app.components import charts


@pytest.fixture(scope="module")
def seeded(database_url):
    """A database with 3,000 synthetic calls over the last 20 days (seeded once for the module)."""
    from tests.support import dbutil

    dbutil.use_database(database_url)
    dbutil.clean_tables()
    dbutil.reset_services()
    from resync_app.llm import demo, pricing

    pricing.load_custom_prices()
    demo.seed(3000, 20, seed_value=7, progress=lambda *_: None)
    yield database_url
    dbutil.clean_tables()
    dbutil.reset_services()


def _report(days: int, **filters):
    from resync_app.llm import analytics

    start, end, _ = analytics.day_range(days)
    return analytics.report(start, end, **filters)


def test_cost_trend_by_model_adds_up_to_the_costs_endpoint(seeded):
    from resync_app.llm import analytics

    for days in (7, 30):
        report = _report(days)
        fig = charts.cost_trend(report, by="model")
        costs = analytics.costs(days)
        assert {t.name for t in fig.data} == set(report["cost_by_model"])
        assert all(t.type == "bar" for t in fig.data)
        assert all(list(t.x) == report["days"] for t in fig.data)
        assert fig.layout.barmode == "stack"
        assert charts.total(fig) == pytest.approx(costs["total_cost_usd"], abs=1e-6)
        # per day too
        for i, day in enumerate(report["days"]):
            assert sum(t.y[i] for t in fig.data) == pytest.approx(costs["daily_costs"][day], abs=1e-6)
        # per model
        for trace in fig.data:
            assert sum(trace.y) == pytest.approx(costs["model_costs"].get(trace.name, 0.0), abs=1e-6)


def test_cost_trend_by_provider_has_one_trace_per_provider_and_the_same_total(seeded):
    from resync_app.llm import analytics

    report = _report(30)
    fig = charts.cost_trend(report, by="provider")
    assert {t.name for t in fig.data} == {"openai", "anthropic", "ollama", "together_ai", "nvidia_nim"}
    assert charts.total(fig) == pytest.approx(analytics.costs(30)["total_cost_usd"], abs=1e-6)


def test_a_filter_narrows_the_traces_and_the_total(seeded):
    everything = _report(30)
    openai = _report(30, providers=["openai"])
    fig = charts.cost_trend(openai, by="model")
    assert {t.name for t in fig.data} == {"gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"}
    assert charts.total(fig) == pytest.approx(openai["totals"]["cost_usd"], abs=1e-6)
    assert charts.total(fig) <= charts.total(charts.cost_trend(everything))
    mini = _report(30, models=["gpt-4o-mini"])
    fig = charts.cost_trend(mini, by="provider")
    assert [t.name for t in fig.data] == ["openai"]
    assert 0 < charts.total(fig) < charts.total(charts.cost_trend(everything))
    assert charts.total(fig) == pytest.approx(mini["totals"]["cost_usd"], abs=1e-6)


def test_model_breakdown_latency_reasons_and_daily_series(seeded):
    report = _report(30)
    breakdown = charts.model_breakdown(report)
    (bars,) = breakdown.data
    assert bars.orientation == "h"
    assert set(bars.y) == {r["model"] for r in report["top_models"] if r["cost_usd"] > 0}  # unpriced: no bar
    # the same model has the same colour in the breakdown and in the stacked daily cost
    trend_colors = {t.name: t.marker.color for t in charts.cost_trend(report).data}
    assert all(trend_colors[m] == c for m, c in zip(bars.y, bars.marker.color))
    assert sum(bars.x) == pytest.approx(report["totals"]["cost_usd"], abs=1e-6)

    lat = charts.latency(report)
    assert [t.name for t in lat.data] == ["p50", "p95"]
    assert all(p95 >= p50 for p50, p95 in zip(lat.data[0].y, lat.data[1].y))

    rt = charts.requests_tokens(report)
    assert [t.name for t in rt.data] == ["Requests", "Tokens"]
    assert sum(rt.data[0].y) == report["totals"]["requests"] == 3000  # every seeded call is in range
    assert sum(rt.data[1].y) == report["totals"]["prompt_tokens"] + report["totals"]["completion_tokens"]

    err = charts.error_rate(report)
    assert [t.name for t in err.data] == ["Errors", "Error rate"]
    assert sum(err.data[0].y) == report["totals"]["errors"]
    assert all(0 <= v <= 1 for v in err.data[1].y)

    reasons = charts.route_reasons(report)
    (pie,) = reasons.data
    assert sum(pie.values) == report["totals"]["requests"]
    assert "fallback" in pie.labels


def test_burn_down_and_gauges(seeded):
    from resync_app.llm import analytics
    from resync_app.llm.budget import guard

    data = analytics.burn_down()
    fig = charts.burn_down(data)
    allowance, actual = fig.data
    assert allowance.y[-1] == pytest.approx(data["limit_usd"])
    assert [v for v in actual.y if v is not None] == [v for v in data["actual"] if v is not None]

    guard.refresh()
    status = guard.status()
    gauge = charts.budget_gauge(status["monthly"], "Monthly")
    (indicator,) = gauge.data
    assert indicator.value == pytest.approx(round(status["monthly"]["used_percent"], 1))
    assert indicator.gauge.threshold.value == pytest.approx(status["monthly"]["alert_threshold"] * 100)


def test_figures_stay_small_and_empty_ranges_say_so(seeded):
    report = _report(90)
    for fig in (charts.cost_trend(report), charts.requests_tokens(report), charts.error_rate(report),
                charts.latency(report), charts.model_breakdown(report), charts.route_reasons(report)):
        assert len(pio.to_json(fig)) < 40_000
        # no embedded Plotly template: the page's component adds the light/dark one
        assert len(json.dumps(json.loads(pio.to_json(fig))["layout"].get("template", {}))) < 200
    empty = charts.cost_trend(_report(7, models=["no-such-model"]))
    assert not empty.data
    assert "No LLM calls" in empty.layout.annotations[0].text
