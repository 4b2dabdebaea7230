"""Plotly figures of the operators' metrics page: pure functions of `reports.metrics.summary()` (per-day series
only, a few KB even over 90 days). Missing figures (a day with no calls: no rate, no percentile) are gaps."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from resync_app.components.charts import PALETTE, _layout, empty_figure
from resync_app.components.figure import Fig

SEVERITY_COLORS = {"info": "#0090ff", "warning": "#f76b15", "critical": "#e54666"}
HEIGHT = 260


def _days(section: dict[str, Any]) -> list[str]:
    return [row["day"] for row in section["per_day"]]


def _series(section: dict[str, Any], key: str) -> list:
    return [row[key] for row in section["per_day"]]


def _line(name: str, section: dict[str, Any], key: str, color: str, fmt: str, **extra) -> go.Scatter:
    return go.Scatter(name=name, x=_days(section), y=_series(section, key), mode="lines+markers",
                      line={"color": color, "width": 2.5}, marker={"size": 5}, connectgaps=False,
                      hovertemplate=f"%{{y:{fmt}}}<extra>{name}</extra>", **extra)


def _bars(name: str, section: dict[str, Any], key: str, color: str, **extra) -> go.Bar:
    return go.Bar(name=name, x=_days(section), y=_series(section, key), marker_color=color,
                  hovertemplate=f"%{{y:,}}<extra>{name}</extra>", **extra)


def _stacked(fig: Fig, y_title: str) -> go.Figure:
    """Stacked bars, the legend in the traces' order."""
    _layout(fig, height=HEIGHT, y_title=y_title, barmode="stack")
    fig.update_layout(legend={"traceorder": "normal"})
    return fig.figure()


def _right_axis(fig: Fig, title: str) -> None:
    fig.update_layout(yaxis2={"title": {"text": title}, "overlaying": "y", "side": "right", "showgrid": False,
                              "rangemode": "tozero"}, margin={"l": 52, "r": 52, "t": 12, "b": 40})


def llm_requests(summary: dict[str, Any]) -> go.Figure:
    """LLM calls per day (bars), failed ones apart."""
    llm = summary["llm"]
    if not llm["totals"]["requests"]:
        return empty_figure("No LLM calls in this window", HEIGHT)
    ok = {**llm, "per_day": [{**r, "ok": r["requests"] - r["errors"]} for r in llm["per_day"]]}
    fig = Fig([_bars("Answered", ok, "ok", PALETTE[0]), _bars("Failed", llm, "errors", PALETTE[3])])
    return _stacked(fig, "calls / day")


def llm_tokens(summary: dict[str, Any]) -> go.Figure:
    """Input and output tokens per day (stacked bars)."""
    llm = summary["llm"]
    if not llm["totals"]["input_tokens"] + llm["totals"]["output_tokens"]:
        return empty_figure("No tokens in this window", HEIGHT)
    fig = Fig([_bars("Input", llm, "input_tokens", PALETTE[0]),
                     _bars("Output", llm, "output_tokens", PALETTE[2])])
    _layout(fig, height=HEIGHT, y_title="tokens / day", barmode="stack")
    fig.update_layout(legend={"traceorder": "normal"})
    fig.update_yaxes(tickformat="~s")
    return fig.figure()


def llm_latency(summary: dict[str, Any]) -> go.Figure:
    """LLM latency p50 and p95 per day (ms)."""
    llm = summary["llm"]
    if llm["totals"]["p50_ms"] is None:
        return empty_figure("No LLM calls in this window", HEIGHT)
    fig = Fig([_line("p50", llm, "p50_ms", PALETTE[0], ",.0f"), _line("p95", llm, "p95_ms", PALETTE[3],
                                                                            ",.0f")])
    return _layout(fig, height=HEIGHT, y_title="ms").figure()


def llm_rates(summary: dict[str, Any]) -> go.Figure:
    """Error rate and cache hit rate of the LLM calls per day."""
    llm = summary["llm"]
    if not llm["totals"]["requests"]:
        return empty_figure("No LLM calls in this window", HEIGHT)
    fig = Fig([_line("Error rate", llm, "error_rate", PALETTE[3], ".1%"),
                     _line("Cache hit rate", llm, "cache_hit_rate", PALETTE[1], ".1%")])
    return _layout(fig, height=HEIGHT, y_title="share of calls", y_format=".0%").figure()


def chat_quality(summary: dict[str, Any]) -> go.Figure:
    """Thumbs-up share of rated answers and the fast-path share of answers, per day."""
    chat = summary["chat"]
    if not chat["totals"]["answers"]:
        return empty_figure("No chat answers in this window", HEIGHT)
    fig = Fig([_line("Thumbs-up ratio", chat, "feedback_ratio", PALETTE[1], ".0%"),
                     _line("Fast-path share", chat, "fast_path_share", PALETTE[4], ".0%")])
    _layout(fig, height=HEIGHT, y_title="share", y_format=".0%")
    fig.update_yaxes(range=[0, 1.05])
    return fig.figure()


def tws_polls(summary: dict[str, Any]) -> go.Figure:
    """TWS poll latency p50/p95 (lines, ms) and failed polls (bars, right axis), per day."""
    polls = summary["tws_polls"]
    if not polls["totals"]["polls"]:
        return empty_figure("No TWS polls in this window", HEIGHT)
    fig = Fig([_bars("Failed polls", polls, "errors", PALETTE[3], opacity=0.35, yaxis="y2"),
                     _line("p50", polls, "p50_ms", PALETTE[0], ",.0f"), _line("p95", polls, "p95_ms", PALETTE[2],
                                                                              ",.0f")])
    _layout(fig, height=HEIGHT, y_title="ms")
    _right_axis(fig, "failed / day")
    return fig.figure()


def events(summary: dict[str, Any]) -> go.Figure:
    """TWS events per day, stacked by severity."""
    section = summary["events"]
    if not section["totals"]["total"]:
        return empty_figure("No TWS events in this window", HEIGHT)
    fig = Fig([_bars(severity, section, severity, SEVERITY_COLORS.get(severity, PALETTE[5]))
                     for severity in section["severities"]])
    return _stacked(fig, "events / day")
