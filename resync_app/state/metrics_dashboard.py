"""/metrics/dashboard state: the figures of `reports.metrics.summary(days)` — the very call behind
`GET /api/v1/metrics/summary` — as Plotly charts and a few headline tiles.

Read-only: no handler writes anything. Any client may call any handler: each is an `operator_read_event` (anyone,
unless RESYNC_OPERATOR_LOGIN=required and the client is anonymous) that only reads and counts against the
per-client limit of `GET /api/v1/metrics/summary` (`event_limits.limited`). The summary itself stays on
the server; the browser gets small per-day figures and formatted tiles. The page refreshes itself every REFRESH_S
seconds (one background loop per tab, ended when the tab leaves the page, closes or starts a newer loop) and on
its Refresh button.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

import plotly.graph_objects as go
import reflex as rx
from sqlalchemy.exc import SQLAlchemyError

from resync_app.components import charts, metrics_charts
from resync_app.reports import metrics
from resync_app.state.formatting import compact, money, percent
from resync_app.state.event_limits import limited
from resync_app.state.guard import operator_read_event, still_viewing

logger = logging.getLogger("resync.metrics")
ROUTE = "/metrics/dashboard"
REFRESH_S = 30.0
WINDOWS = ("1", "7", "30", "90")
UNAVAILABLE = "The metrics cannot be read right now (database unreachable); the page retries on its own."
SUMMARY = "/api/v1/metrics/summary"  # the REST route these handlers mirror: they count against its limits


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def tiles(summary: dict[str, Any]) -> dict[str, str]:
    """The headline figures of a summary, formatted for the tiles (totals over the window)."""
    llm, chat = summary["llm"]["totals"], summary["chat"]["totals"]
    polls, events = summary["tws_polls"]["totals"], summary["events"]["totals"]
    return {
        "requests": f"{llm['requests']:,}",
        "requests_hint": f"{llm['errors']:,} failed",
        "tokens": compact(llm["input_tokens"] + llm["output_tokens"]),
        "tokens_hint": f"{compact(llm['input_tokens'])} in · {compact(llm['output_tokens'])} out",
        "cost": money(llm["cost_usd"]),
        "latency": _ms(llm["p95_ms"]),
        "latency_hint": f"p50 {_ms(llm['p50_ms'])}",
        "error_rate": percent(llm["error_rate"]),
        "cache_hit_rate": percent(llm["cache_hit_rate"]),
        "feedback": percent(chat["feedback_ratio"], 0),
        "feedback_hint": f"{chat['feedback_up']:,} up · {chat['feedback_down']:,} down",
        "fast_path": percent(chat["fast_path_share"], 0),
        "fast_path_hint": f"{chat['fast_path']:,} of {chat['answers']:,} answers",
        "poll_latency": _ms(polls["p95_ms"]),
        "poll_hint": f"p50 {_ms(polls['p50_ms'])} · {polls['errors']:,} failed of {polls['polls']:,}",
        "events": f"{events['total']:,}",
        "events_hint": f"{events.get('critical', 0):,} critical · {events.get('warning', 0):,} warning",
        **learning_tiles(summary),
    }


def learning_tiles(summary: dict[str, Any]) -> dict[str, str]:
    """Learning from operators: votes, corrections, approvals, and the share answered from approved knowledge."""
    learning = summary.get("learning", {}).get("totals")
    if not learning:
        return {}
    return {
        "votes": f"{learning['votes']:,}",
        "votes_hint": f"{learning['votes_up']:,} up · {learning['votes_down']:,} down",
        "corrections": f"{learning['corrections']:,}",
        "corrections_hint": f"{learning['approvals']:,} approved in the window",
        "from_approved": percent(learning["from_approved_share"], 0),
        "from_approved_hint": f"{learning['from_approved']:,} of {learning['answers']:,} answers, at $0",
    }


class MetricsDashboardState(rx.State):
    """What one tab of /metrics/dashboard shows."""

    days: str = "7"
    window_label: str = ""
    updated_at: str = ""
    unavailable: str = ""
    figures: dict[str, str] = {}

    requests_fig: go.Figure = charts.blank()
    usage_fig: go.Figure = charts.blank()
    latency_fig: go.Figure = charts.blank()
    rates_fig: go.Figure = charts.blank()
    chat_fig: go.Figure = charts.blank()
    polls_fig: go.Figure = charts.blank()
    events_fig: go.Figure = charts.blank()

    _watch_id: int = 0
    _running_watch: int = 0

    def _show(self, summary: dict[str, Any]) -> None:
        self.figures = tiles(summary)
        self.requests_fig = metrics_charts.llm_requests(summary)
        self.usage_fig = metrics_charts.llm_tokens(summary)
        self.latency_fig = metrics_charts.llm_latency(summary)
        self.rates_fig = metrics_charts.llm_rates(summary)
        self.chat_fig = metrics_charts.chat_quality(summary)
        self.polls_fig = metrics_charts.tws_polls(summary)
        self.events_fig = metrics_charts.events(summary)
        self.window_label = f"{summary['start_day']} – {summary['end_day']} ({summary['timezone']})"
        self.updated_at = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")
        self.unavailable = ""

    def _compute(self) -> None:
        try:
            self._show(metrics.summary(self.days))
        except SQLAlchemyError:
            logger.warning("metrics summary failed", exc_info=True)
            self.unavailable = UNAVAILABLE

    @rx.event
    @operator_read_event
    @limited(SUMMARY)
    def load(self):
        """`on_load`: figures for the chosen window, then the periodic refresh."""
        self._compute()
        self._watch_id += 1
        return MetricsDashboardState.watch(self._watch_id)

    @rx.event
    @operator_read_event
    @limited(SUMMARY)
    def set_days(self, value: str | list[str]):
        """The window selector (only the offered windows are accepted)."""
        value = value[0] if isinstance(value, list) and value else value
        if value in WINDOWS:
            self.days = value
            self._compute()

    @rx.event
    @operator_read_event
    @limited(SUMMARY)
    def refresh(self):
        self._compute()

    @rx.event(background=True)
    @operator_read_event
    @limited(SUMMARY)
    async def watch(self, watch_id: int):
        """Recompute every REFRESH_S seconds (outside the state lock; a result shared with the other tabs for a few
        seconds) while this tab still shows the page; one loop per tab: only the loop `load` asked for starts (a
        replayed event, or one with an id `load` did not give, ends at once)."""
        async with self:
            if self._running_watch == watch_id or watch_id != self._watch_id:
                logger.info("metrics refresh loop %s not started: not this tab's current loop", watch_id)
                return
            self._running_watch = watch_id
        while True:
            await asyncio.sleep(REFRESH_S)
            async with self:
                if not await still_viewing(self, watch_id, ROUTE):
                    return
                days = self.days
            try:
                summary = await asyncio.to_thread(metrics.recent_summary, days)
            except SQLAlchemyError:
                summary = None
                logger.warning("metrics summary failed", exc_info=True)
            async with self:
                if self._watch_id != watch_id:
                    return
                if summary is None:
                    self.unavailable = UNAVAILABLE
                elif self.days == days:
                    self._show(summary)
