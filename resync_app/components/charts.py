"""Plotly figure builders for the LiteLLM pages: pure functions from the analytics dicts to small figures.

Every builder takes what `resync_app.llm.analytics` returns (`report()`, `burn_down()`) or what the budget guard
reports, and draws aggregated series only (per day, per model, per reason): a 90-day figure stays a few KB.
The figures carry an empty template; the page's Plotly component adds the light/dark one, so nothing large
travels in the state. They are put together as plotly JSON (`figure.Fig`): a `go.Figure` builds its layout out of
validated property objects, ~50 ms a chart, which a filter click would wait for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go

from resync_app.components.figure import Fig

# Indigo-led palette (the app's accent), distinguishable in light and dark mode.
PALETTE = ("#5b5bd6", "#12a594", "#f76b15", "#e54666", "#8e4ec6", "#0090ff", "#ffc53d", "#30a46c", "#ad7f58",
           "#d6409f", "#3e63dd", "#7ce2fe")
FONT = {"family": "Inter, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12}


EMPTY_TEMPLATE: dict[str, Any] = go.layout.Template().to_plotly_json()


def _layout(fig: Fig, *, height: int = 300, legend: bool = True, y_title: str = "", y_format: str = "",
            x_dates: bool = True, barmode: str | None = None) -> Fig:
    fig.update_layout(
        template=EMPTY_TEMPLATE,
        height=height,
        margin={"l": 56, "r": 16, "t": 12, "b": 40},
        font=FONT,
        colorway=list(PALETTE),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        showlegend=legend,
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}},
        hovermode="x unified" if x_dates else "closest",
        autosize=True,
    )
    if barmode:
        fig.update_layout(barmode=barmode, bargap=0.25)
    fig.update_yaxes(title_text=y_title, tickformat=y_format, gridcolor="rgba(128,128,128,0.18)", zeroline=False,
                     rangemode="tozero")
    fig.update_xaxes(gridcolor="rgba(128,128,128,0.0)")
    if x_dates:
        fig.update_xaxes(type="date", tickformat="%b %d")
    return fig


def blank() -> go.Figure:
    """The smallest figure: a state variable's default before the page has loaded."""
    return Fig().update_layout(template=EMPTY_TEMPLATE).figure()


def empty_figure(message: str = "No LLM calls in this range", height: int = 300) -> go.Figure:
    """A blank chart that says why it is blank."""
    fig = Fig()
    _layout(fig, height=height, legend=False, x_dates=False)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, showarrow=False, font={"size": 13, "color": "#8b8d98"}, x=0.5, y=0.5,
                       xref="paper", yref="paper")
    return fig.figure()


def _has_calls(report: dict[str, Any]) -> bool:
    return bool(report.get("totals", {}).get("requests"))


def _colors(names: list[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def series_order(report: dict[str, Any], by: str = "model") -> list[str]:
    """Models (or providers) by cost, highest first, ties by requests then name: the same order, hence the same
    colours, in every chart of a report."""
    if by == "provider":
        cost: dict[str, float] = {}
        requests: dict[str, int] = {}
        for row in report["top_models"]:
            cost[row["provider"]] = cost.get(row["provider"], 0.0) + row["cost_usd"]
            requests[row["provider"]] = requests.get(row["provider"], 0) + row["requests"]
        names = sorted(report["cost_by_provider"], key=lambda p: (-cost.get(p, 0.0), -requests.get(p, 0), p))
        return names
    ranked = [row["model"] for row in report["top_models"]]
    return ranked + sorted(m for m in report["cost_by_model"] if m not in ranked)


def cost_trend(report: dict[str, Any], by: str = "model") -> go.Figure:
    """Daily cost (USD) stacked by model or by provider: one bar trace per series, x = the report's days."""
    series = report["cost_by_provider"] if by == "provider" else report["cost_by_model"]
    if not _has_calls(report):
        return empty_figure()
    order = series_order(report, by)
    colors = _colors(order)
    fig = Fig([
        go.Bar(name=name, x=report["days"], y=series[name], marker_color=colors[name],
               hovertemplate="%{y:$,.2f}<extra>" + name + "</extra>")
        for name in order if name in series
    ])
    _layout(fig, y_title="USD / day", y_format="$,.2f", barmode="stack")
    fig.update_layout(legend={"traceorder": "normal"})
    return fig.figure()


def model_breakdown(report: dict[str, Any], limit: int = 12) -> go.Figure:
    """Cost per model over the range (horizontal bars, the most expensive on top; models without cost left out)."""
    colors = _colors(series_order(report, "model"))
    rows = [r for r in report["top_models"] if r["cost_usd"] > 0][:limit]
    if not rows:
        return empty_figure("No cost in this range")
    rows = list(reversed(rows))
    fig = Fig(go.Bar(
        x=[r["cost_usd"] for r in rows], y=[r["model"] for r in rows], orientation="h",
        marker_color=[colors[r["model"]] for r in rows],
        text=[f"${r['cost_usd']:,.2f}" for r in rows], textposition="outside", cliponaxis=False,
        customdata=[[r["requests"], r["provider"]] for r in rows],
        hovertemplate="%{y}<br>%{x:$,.2f} · %{customdata[0]:,} requests · %{customdata[1]}<extra></extra>",
    ))
    _layout(fig, legend=False, x_dates=False)
    fig.update_layout(margin={"l": 8, "r": 16, "t": 12, "b": 36}, bargap=0.35)
    fig.update_xaxes(tickformat="$,.0f", gridcolor="rgba(128,128,128,0.18)",
                     range=[0, max(r["cost_usd"] for r in rows) * 1.25])
    fig.update_yaxes(rangemode="normal", automargin=True)
    return fig.figure()


def requests_tokens(report: dict[str, Any]) -> go.Figure:
    """Requests per day (bars) and tokens per day (line, right axis)."""
    if not _has_calls(report):
        return empty_figure()
    days = [d["day"] for d in report["per_day"]]
    fig = Fig([
        go.Bar(name="Requests", x=days, y=[d["requests"] for d in report["per_day"]], marker_color=PALETTE[0],
               opacity=0.85, hovertemplate="%{y:,} requests<extra></extra>"),
        go.Scatter(name="Tokens", x=days, y=[d["prompt_tokens"] + d["completion_tokens"] for d in report["per_day"]],
                   mode="lines", line={"color": PALETTE[2], "width": 2.5}, yaxis="y2",
                   hovertemplate="%{y:,.0f} tokens<extra></extra>"),
    ])
    _layout(fig, y_title="requests / day")
    fig.update_layout(yaxis2={"title": {"text": "tokens / day"}, "overlaying": "y", "side": "right",
                              "showgrid": False, "rangemode": "tozero", "tickformat": "~s"},
                      margin={"l": 56, "r": 60, "t": 12, "b": 40})
    return fig.figure()


def latency(report: dict[str, Any], limit: int = 10) -> go.Figure:
    """Latency p50 and p95 per model (grouped bars, ms), from the latency histograms."""
    rows = [r for r in report["top_models"] if r.get("p50_ms") is not None][:limit]
    if not rows:
        return empty_figure()
    models = [r["model"] for r in rows]
    fig = Fig([
        go.Bar(name="p50", x=models, y=[r["p50_ms"] for r in rows], marker_color=PALETTE[0],
               hovertemplate="p50 %{y:,.0f} ms<extra>%{x}</extra>"),
        go.Bar(name="p95", x=models, y=[r["p95_ms"] for r in rows], marker_color=PALETTE[3],
               hovertemplate="p95 %{y:,.0f} ms<extra>%{x}</extra>"),
    ])
    _layout(fig, y_title="ms", x_dates=False, barmode="group")
    fig.update_layout(legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
                      margin={"l": 56, "r": 16, "t": 28, "b": 40})
    fig.update_xaxes(tickangle=-25, automargin=True, tickfont={"size": 10})
    return fig.figure()


def error_rate(report: dict[str, Any]) -> go.Figure:
    """Share of failed attempts per day (line) with the failed attempts (bars, right axis)."""
    if not _has_calls(report):
        return empty_figure()
    days = [d["day"] for d in report["per_day"]]
    fig = Fig([
        go.Bar(name="Errors", x=days, y=[d["errors"] for d in report["per_day"]], marker_color=PALETTE[3],
               opacity=0.35, yaxis="y2", hovertemplate="%{y:,} errors<extra></extra>"),
        go.Scatter(name="Error rate", x=days, y=[d["error_rate"] for d in report["per_day"]], mode="lines+markers",
                   line={"color": PALETTE[3], "width": 2.5}, marker={"size": 4},
                   hovertemplate="%{y:.2%}<extra>error rate</extra>"),
    ])
    _layout(fig, y_title="error rate", y_format=".1%")
    fig.update_layout(yaxis2={"title": {"text": "errors / day"}, "overlaying": "y", "side": "right",
                              "showgrid": False, "rangemode": "tozero"},
                      margin={"l": 56, "r": 60, "t": 12, "b": 40})
    return fig.figure()


def route_reasons(report: dict[str, Any]) -> go.Figure:
    """Share of calls by route reason (donut); the hover gives requests and cost."""
    rows = report["route_reasons"]
    if not rows or not _has_calls(report):
        return empty_figure()
    fig = Fig(go.Pie(
        labels=[r["reason"] for r in rows], values=[r["requests"] for r in rows], hole=0.55, sort=False,
        marker={"colors": [PALETTE[i % len(PALETTE)] for i in range(len(rows))]},
        customdata=[r["cost_usd"] for r in rows], textinfo="percent", textposition="inside",
        hovertemplate="%{label}: %{value:,} calls (%{percent})<br>%{customdata:$,.2f}<extra></extra>",
    ))
    _layout(fig, height=280, x_dates=False)
    fig.update_layout(legend={"orientation": "v", "y": 0.5, "x": 1.02, "font": {"size": 11}},
                      margin={"l": 8, "r": 8, "t": 8, "b": 8})
    return fig.figure()


def burn_down(data: dict[str, Any]) -> go.Figure:
    """This month's cumulative spend against the linear allowance of the monthly budget."""
    fig = Fig([
        go.Scatter(name="Allowance (linear)", x=data["days"], y=data["allowance"], mode="lines",
                   line={"color": "#8b8d98", "width": 2, "dash": "dash"},
                   hovertemplate="%{y:$,.2f}<extra>allowance</extra>"),
        go.Scatter(name="Actual (cumulative)", x=data["days"], y=data["actual"], mode="lines+markers",
                   line={"color": PALETTE[0], "width": 3}, marker={"size": 5}, fill="tozeroy",
                   fillcolor="rgba(91,91,214,0.12)", hovertemplate="%{y:$,.2f}<extra>spent</extra>"),
    ])
    _layout(fig, y_title="USD (month to date)", y_format="$,.0f")
    if data.get("limit_usd"):
        fig.add_hline(y=data["limit_usd"], line={"color": PALETTE[3], "width": 1.5, "dash": "dot"},
                      annotation_text=f"limit ${data['limit_usd']:,.0f}",
                      annotation_font={"size": 11, "color": PALETTE[3]})
    return fig.figure()


def budget_gauge(period: dict[str, Any], title: str = "") -> go.Figure:
    """A gauge of spent / limit (percent) with the alert threshold as a line."""
    limit = float(period.get("limit_usd") or 0.0)
    used = float(period.get("used_percent") or 0.0)
    threshold = float(period.get("alert_threshold") or 0.8) * 100
    color = PALETTE[3] if used >= 100 else (PALETTE[2] if used >= threshold else PALETTE[1])
    fig = Fig(go.Indicator(
        mode="gauge+number", value=round(used, 1),
        number={"suffix": "%", "font": {"size": 30}, "valueformat": ",.1f"},
        title={"text": title, "font": {"size": 13}} if title else None,
        gauge={
            "axis": {"range": [0, max(100.0, min(used, 150.0))], "ticksuffix": "%", "tickfont": {"size": 10}},
            "bar": {"color": color, "thickness": 0.7},
            "bgcolor": "rgba(128,128,128,0.12)",
            "borderwidth": 0,
            "threshold": {"line": {"color": PALETTE[3], "width": 3}, "thickness": 0.9, "value": threshold},
        },
        domain={"x": [0, 1], "y": [0, 1]},
    ))
    fig.update_layout(template=EMPTY_TEMPLATE, height=170, margin={"l": 34, "r": 34, "t": 16, "b": 0},
                      font=FONT, paper_bgcolor="rgba(0,0,0,0)")
    if limit <= 0:
        fig.add_annotation(text="no cloud spend allowed", showarrow=False, x=0.5, y=0.0, xref="paper", yref="paper",
                           font={"size": 11, "color": "#8b8d98"})
    return fig.figure()


def total(fig: go.Figure) -> float:
    """The sum of every y value of a figure's bar traces (what a stacked cost chart adds up to)."""
    return round(sum(float(v or 0.0) for trace in fig.data if trace.type == "bar" for v in (trace.y or ())), 8)


# ---- TWS ----------------------------------------------------------------------------------------------------

JOB_SERIES = (("running", "Running", "#0090ff"), ("completed", "Completed", "#30a46c"),
              ("failed", "Failed", "#e54666"), ("pending", "Pending", "#8b8d98"), ("late", "Late", "#f76b15"),
              ("stuck", "Stuck", "#ffc53d"))


MIN_TIME_SPAN_MIN = 30  # a day with one poll still shows half an hour around it
MAX_TIME_TICKS = 7
TIME_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def time_axis(times: list[str]) -> dict[str, Any]:
    """A date x-axis for times of one day ("%H:%M" labels): the span of the points (at least MIN_TIME_SPAN_MIN
    minutes, centred on them), and ticks on whole minutes, as many minutes apart as keeps them to MAX_TIME_TICKS.
    Left to itself Plotly puts ticks seconds apart on a short span, and "%H:%M" then prints each minute several
    times."""
    first, last = min(_when(t) for t in times), max(_when(t) for t in times)
    span = last - first
    pad = max((timedelta(minutes=MIN_TIME_SPAN_MIN) - span) / 2, span * 0.03)
    low, high = first - pad, last + pad
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)  # within that day: "00:00" only once
    shift = max(day - low, timedelta(0)) - max(high - (day + timedelta(days=1, seconds=-1)), timedelta(0))
    low, high = max(low + shift, day), min(high + shift, day + timedelta(days=1, seconds=-1))
    minutes = (high - low).total_seconds() / 60
    step = next((s for s in TIME_STEPS_MIN if minutes / s <= MAX_TIME_TICKS), TIME_STEPS_MIN[-1])
    stamp = "%Y-%m-%d %H:%M:%S"
    return {"type": "date", "range": [low.strftime(stamp), high.strftime(stamp)], "tick0": "2000-01-01 00:00:00",
            "dtick": step * 60_000, "tickformat": "%H:%M"}


def jobs_per_status(polls: list[dict[str, Any]], height: int = 280) -> go.Figure:
    """Jobs per status over the day, one point per poll bucket (`queries.poll_history` rows, oldest first)."""
    if not polls:
        return empty_figure("No poll yet today", height=height)
    fig = Fig()
    times = [p["at"] for p in polls]
    for key, label, color in JOB_SERIES:
        fig.add_trace(go.Scatter(x=times, y=[p.get(key, 0) for p in polls], name=label, mode="lines+markers",
                                 line={"color": color, "width": 2}, marker={"size": 4}))
    _layout(fig, height=height, y_title="jobs")
    fig.update_xaxes(**time_axis(times))
    return fig.figure()
