"""LiteLLM Analytics page state: charts and tables from `analytics.report()` for a range and filters.

The browser gets figures (aggregated per day, model or reason), a small top-models table and a few totals;
the report itself stays on the server. The page refreshes itself after every ledger flush (the change feed's
"llm" topic) and at least every 10 s while it is open, and stops when the admin leaves or loses the session.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime, timezone
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from resync_app.components import charts
from resync_app.llm import analytics
from resync_app.state import toast
from resync_app.state.guard import admin_event, admin_watch, follow
from resync_app.state.formatting import compact, money, percent

ROUTE = "/admin/litellm-analytics"
REFRESH_S = 10.0
MIN_REFRESH_S = 3.0  # under heavy traffic the ledger flushes twice a second: redraw at most every 3 s
RANGES = ("7", "30", "90", "custom")
MAX_SPAN_DAYS = 366
ALL = "all"
CSV_COLUMNS = ("model", "provider", "requests", "tokens", "prompt_tokens", "completion_tokens", "cost_usd",
               "avg_latency_ms", "p50_ms", "p95_ms", "error_rate")


@dataclasses.dataclass
class TopModelRow:
    model: str = ""
    provider: str = ""
    requests: str = ""
    tokens: str = ""
    cost: str = ""
    avg_latency: str = ""
    p95: str = ""
    error_rate: str = ""
    share: float = 0.0
    unpriced: bool = False


@dataclasses.dataclass
class ReasonRow:
    reason: str = ""
    requests: str = ""
    share: str = ""
    cost: str = ""


def resolve_range(key: str, start: str, end: str) -> tuple[str, str]:
    """(first day, last day) of a preset (the last N days) or a custom range; ValueError says what is wrong."""
    if key != "custom":
        first, last, _ = analytics.day_range(int(key))
        return first, last
    try:
        first_day, last_day = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise ValueError("Pick a start and an end date.") from None
    if first_day > last_day:
        raise ValueError("The start date must be on or before the end date.")
    if (last_day - first_day).days + 1 > MAX_SPAN_DAYS:
        raise ValueError(f"A range may span at most {MAX_SPAN_DAYS} days.")
    return first_day.isoformat(), last_day.isoformat()


def top_models_csv(rows: list[dict[str, Any]]) -> str:
    """The top-models table as CSV (exact figures, one row per model)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


class LiteLLMAnalyticsState(rx.State):
    """What the LiteLLM Analytics page shows for one admin's tab."""

    range_key: str = "30"
    start: str = ""
    end: str = ""
    range_label: str = ""
    range_error: str = ""
    provider: str = ALL
    model: str = ALL
    stack_by: str = "model"
    provider_options: list[str] = [ALL]
    model_options: list[str] = [ALL]

    cost_fig: go.Figure = charts.blank()
    breakdown_fig: go.Figure = charts.blank()
    volume_fig: go.Figure = charts.blank()
    latency_fig: go.Figure = charts.blank()
    errors_fig: go.Figure = charts.blank()
    burn_fig: go.Figure = charts.blank()
    reasons_fig: go.Figure = charts.blank()

    total_cost: str = "$0.00"
    total_requests: str = "0"
    total_tokens: str = "0"
    error_rate: str = "—"
    cache_hits: str = "0"
    fallback_cost: str = "$0.00"
    fallback_share: str = "—"
    unpriced_requests: int = 0
    unpriced_label: str = ""
    budget_month: str = ""
    top_models: list[TopModelRow] = []
    reasons: list[ReasonRow] = []
    updated_at: str = ""
    loading: bool = False

    _report: dict[str, Any] = {}
    _top_rows: list[dict[str, Any]] = []
    _watch_id: int = 0

    # ---- computing -------------------------------------------------------------------------------

    def _compute(self) -> None:
        """Run the report for the current range and filters and turn it into figures and rows."""
        try:
            first, last = resolve_range(self.range_key, self.start, self.end)
        except ValueError as exc:
            self.range_error = str(exc)
            return
        self.range_error = ""
        if self.range_key != "custom":
            self.start, self.end = first, last
        providers = [self.provider] if self.provider != ALL else None
        models = [self.model] if self.model != ALL else None
        report = analytics.report(first, last, providers, models)
        self._report = report
        self._draw()
        burn = analytics.burn_down()
        self.burn_fig = charts.burn_down(burn)
        spent = next((v for v in reversed(burn["actual"]) if v is not None), 0.0)
        self.budget_month = f"month: {money(spent)} of {money(burn['limit_usd'])}"
        self.provider_options = [ALL] + list(report["available_providers"])
        self.model_options = [ALL] + list(report["available_models"])
        if self.provider not in self.provider_options:
            self.provider_options.append(self.provider)
        if self.model not in self.model_options:
            self.model_options.append(self.model)
        days = len(report["days"])
        self.range_label = f"{first} – {last} ({days} day{'s' if days != 1 else ''})"
        totals = report["totals"]
        self.total_cost = money(totals["cost_usd"])
        self.total_requests = f"{totals['requests']:,}"
        self.total_tokens = compact(totals["prompt_tokens"] + totals["completion_tokens"])
        self.error_rate = percent(totals["errors"] / totals["requests"], 2) if totals["requests"] else "—"
        self.cache_hits = f"{report['cache_hits']:,}"
        self.fallback_cost = money(report["fallback_cost_usd"])
        fallback = next((r for r in report["route_reasons"] if r["reason"] == "fallback"), None)
        self.fallback_share = percent(fallback["share"], 1) if fallback else "0.0%"
        self._top_rows = list(report["top_models"])
        self.unpriced_requests = sum(int(r.get("unpriced_requests") or 0) for r in self._top_rows)
        self.unpriced_label = f"{self.unpriced_requests:,}"
        total_cost = totals["cost_usd"] or 0.0
        self.top_models = [
            TopModelRow(
                model=r["model"], provider=r["provider"], requests=f"{r['requests']:,}", tokens=f"{r['tokens']:,}",
                cost=money(r["cost_usd"]), avg_latency=f"{r['avg_latency_ms']:,.0f} ms",
                p95=f"{r['p95_ms']:,.0f} ms" if r.get("p95_ms") is not None else "—",
                error_rate=percent(r["error_rate"], 2),
                share=round(r["cost_usd"] / total_cost * 100, 1) if total_cost else 0.0,
                unpriced=bool(r.get("unpriced_requests")),
            )
            for r in self._top_rows
        ]
        self.reasons = [ReasonRow(reason=r["reason"], requests=f"{r['requests']:,}", share=percent(r["share"], 1),
                                  cost=money(r["cost_usd"])) for r in report["route_reasons"]]
        self.updated_at = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")

    def _draw(self) -> None:
        report = self._report
        self.cost_fig = charts.cost_trend(report, by=self.stack_by)
        self.breakdown_fig = charts.model_breakdown(report)
        self.volume_fig = charts.requests_tokens(report)
        self.latency_fig = charts.latency(report)
        self.errors_fig = charts.error_rate(report)
        self.reasons_fig = charts.route_reasons(report)

    # ---- events ----------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: compute the page for the current range and start the live refresh."""
        self._compute()
        self._watch_id += 1
        return LiteLLMAnalyticsState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch(self, watch_id: int):
        """Recompute after each ledger flush (at most every 10 s otherwise); stop when superseded, when the admin
        left this page or when the session ended."""
        await follow(self, watch_id, ROUTE, "llm", lambda: self._compute(), timeout_s=REFRESH_S,
                     min_interval_s=MIN_REFRESH_S)

    @rx.event
    @admin_event
    def set_range(self, key: str | list[str]):
        key = key[0] if isinstance(key, list) and key else key
        if key not in RANGES:
            return
        self.range_key = key
        if key != "custom":
            self._compute()
        elif self.start and self.end:
            self._compute()

    @rx.event
    @admin_event
    def set_start(self, value: str):
        self.start = str(value)[:10]
        self.range_key = "custom"
        self._compute()

    @rx.event
    @admin_event
    def set_end(self, value: str):
        self.end = str(value)[:10]
        self.range_key = "custom"
        self._compute()

    @rx.event
    @admin_event
    def set_provider(self, value: str):
        self.provider = str(value)[:100] or ALL
        self._compute()

    @rx.event
    @admin_event
    def set_model(self, value: str):
        self.model = str(value)[:200] or ALL
        self._compute()

    @rx.event
    @admin_event
    def clear_filters(self):
        self.provider = self.model = ALL
        self._compute()

    @rx.event
    @admin_event
    def set_stack_by(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        if value in ("model", "provider"):
            self.stack_by = value
            if self._report:
                self.cost_fig = charts.cost_trend(self._report, by=self.stack_by)

    @rx.event
    @admin_event
    def export_csv(self):
        """Download the shown table (the same report's rows) as CSV."""
        if not self._report:
            return toast.error("Nothing to export yet.")
        name = f"llm-top-models_{self._report['start']}_{self._report['end']}"
        if self.provider != ALL:
            name += f"_{self.provider}"
        if self.model != ALL:
            name += "_" + self.model.replace("/", "-")
        return rx.download(data=top_models_csv(self._top_rows), filename=name + ".csv", mime_type="text/csv")
