"""/metrics/dashboard: read-only metrics for operators — LLM usage and latency, chat feedback and fast-path share,
TWS poll latency and errors, events per day, learning from operators (votes, corrections and approvals, answers
from approved knowledge) — the figures of `GET /api/v1/metrics/summary`."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, chart_card, stat_card
from resync_app.components.layout import operator_page
from resync_app.state.metrics_dashboard import MetricsDashboardState

S = MetricsDashboardState
WINDOW_LABELS = (("Today", "1"), ("7 days", "7"), ("30 days", "30"), ("90 days", "90"))


def _controls() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=value) for label, value in WINDOW_LABELS],
            value=S.days, on_change=S.set_days, id="metrics-window", size=rx.breakpoints(initial="1", xs="2"),
        ),
        rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", size="2", on_click=S.refresh,
                  id="metrics-refresh"),
        rx.hstack(
            rx.icon("calendar-days", size=14, color=MUTED),
            rx.text(S.window_label, size="1", color=MUTED, id="metrics-window-label"),
            rx.text("· updated ", S.updated_at, size="1", color=MUTED, id="metrics-updated"),
            align="center", spacing="1", wrap="wrap",
        ),
        wrap="wrap", gap="3", align="center", width="100%",
    )


def _tile(label: str, key: str, icon: str, hint: str = "", color: str = "indigo") -> rx.Component:
    extra = [rx.text(S.figures[hint], size="1", color=MUTED, truncate=True)] if hint else []
    return stat_card(label, S.figures[key], icon, *extra, value_id=f"tile-{key.replace('_', '-')}", color=color)


def _tiles() -> rx.Component:
    return rx.grid(
        _tile("LLM calls", "requests", "activity", "requests_hint"),
        _tile("Tokens", "tokens", "text", "tokens_hint"),
        _tile("LLM cost (total)", "cost", "dollar-sign", color="teal"),
        _tile("LLM latency p95", "latency", "timer", "latency_hint"),
        _tile("Error rate", "error_rate", "triangle-alert", color="red"),
        _tile("Cache hit rate", "cache_hit_rate", "database-zap", color="amber"),
        _tile("Answers liked", "feedback", "thumbs-up", "feedback_hint", color="green"),
        _tile("Fast path", "fast_path", "zap", "fast_path_hint", color="violet"),
        _tile("TWS poll p95", "poll_latency", "radar", "poll_hint", color="cyan"),
        _tile("TWS events", "events", "bell", "events_hint", color="orange"),
        _tile("Votes on answers", "votes", "thumbs-down", "votes_hint", color="gray"),
        _tile("Corrections", "corrections", "pencil", "corrections_hint", color="blue"),
        _tile("From approved answers", "from_approved", "graduation-cap", "from_approved_hint", color="green"),
        columns=rx.breakpoints(initial="2", md="3", lg="5"), spacing="3", width="100%",
    )


def _charts() -> rx.Component:
    return rx.grid(
        chart_card("LLM calls per day", "Every call the app made: answered and failed.", S.requests_fig,
                   "chart-requests", height="260px"),
        chart_card("Tokens per day", "Input and output tokens.", S.usage_fig, "chart-tokens", height="260px"),
        chart_card("LLM latency", "p50 and p95 per day, from the latency histograms.", S.latency_fig,
                   "chart-latency", height="260px"),
        chart_card("Error and cache hit rates", "Share of LLM calls that failed / came from the cache.",
                   S.rates_fig, "chart-rates", height="260px"),
        chart_card("Chat answers", "Thumbs up among rated answers; answers given with no model (fast path).",
                   S.chat_fig, "chart-chat", height="260px"),
        chart_card("TWS polls", "Poll latency p50 / p95 of successful polls; failed polls per day.", S.polls_fig,
                   "chart-polls", height="260px"),
        chart_card("TWS events per day", "By severity.", S.events_fig, "chart-events", height="260px"),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="4", width="100%",
    )


def metrics_dashboard() -> rx.Component:
    return operator_page(
        "Metrics",
        _controls(),
        rx.cond(S.unavailable != "", rx.callout(S.unavailable, icon="database", color_scheme="red", size="1",
                                                id="metrics-unavailable", width="100%")),
        _tiles(),
        _charts(),
    )
