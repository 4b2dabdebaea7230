"""/admin/litellm-analytics: cost, volume, latency and errors of the LLM calls, with filters and CSV export."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page
from resync_app.components.blocks import MUTED, chart, chart_card, stat_card
from resync_app.state.litellm_analytics import LiteLLMAnalyticsState, ReasonRow, TopModelRow

S = LiteLLMAnalyticsState


def _filters() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text("Range", size="1", weight="medium", color=MUTED),
                rx.segmented_control.root(
                    rx.segmented_control.item("7 days", value="7"),
                    rx.segmented_control.item("30 days", value="30"),
                    rx.segmented_control.item("90 days", value="90"),
                    rx.segmented_control.item("Custom", value="custom"),
                    value=S.range_key, on_change=S.set_range, id="range",
                    size=rx.breakpoints(initial="1", xs="2"),  # fits a 390 px phone
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text("From", size="1", weight="medium", color=MUTED),
                rx.input(type="date", value=S.start, on_change=S.set_start, id="range-start", width="10em"),
                spacing="1",
            ),
            rx.vstack(
                rx.text("To", size="1", weight="medium", color=MUTED),
                rx.input(type="date", value=S.end, on_change=S.set_end, id="range-end", width="10em"),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Provider", size="1", weight="medium", color=MUTED),
                rx.select(S.provider_options, value=S.provider, on_change=S.set_provider, id="filter-provider",
                          width="11em"),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Model", size="1", weight="medium", color=MUTED),
                rx.select(S.model_options, value=S.model, on_change=S.set_model, id="filter-model", width="17em"),
                spacing="1",
            ),
            rx.cond((S.provider != "all") | (S.model != "all"),
                    rx.button(rx.icon("x", size=14), "Clear filters", variant="ghost", size="2",
                              on_click=S.clear_filters, align_self="end")),
            wrap="wrap", spacing="4", width="100%", align="end",
        ),
        rx.separator(size="4", margin_y="0.75em"),
        rx.hstack(
            rx.icon("calendar-days", size=14, color=MUTED),
            rx.text(S.range_label, size="2", weight="medium", id="range-label"),
            rx.spacer(),
            rx.box(width="8px", height="8px", border_radius="50%", background=rx.color("green", 9)),
            rx.text("Live · updated ", S.updated_at, size="1", color=MUTED, id="updated-at"),
            align="center", spacing="2", width="100%",
        ),
        rx.cond(S.range_error != "", rx.callout(S.range_error, icon="calendar-x", color_scheme="red", size="1",
                                                margin_top="0.75em", id="range-error")),
        width="100%",
    )


def _totals() -> rx.Component:
    return rx.grid(
        stat_card("Cost", S.total_cost, "dollar-sign", rx.text(S.budget_month, size="1", color=MUTED),
                  value_id="total-cost", color="teal"),
        stat_card("Requests", S.total_requests, "activity", rx.text("attempts, fallbacks included", size="1",
                                                                    color=MUTED), value_id="total-requests"),
        stat_card("Tokens", S.total_tokens, "text", rx.text("prompt + completion", size="1", color=MUTED),
                  value_id="total-tokens"),
        stat_card("Error rate", S.error_rate, "triangle-alert", rx.text("failed attempts", size="1", color=MUTED),
                  value_id="total-error-rate", color="red"),
        stat_card("Cache hits", S.cache_hits, "database-zap", rx.text("answered at no cost", size="1", color=MUTED),
                  color="amber"),
        stat_card("Fallback cost", S.fallback_cost, "git-fork",
                  rx.text(S.fallback_share, " of calls fell back", size="1", color=MUTED), color="orange"),
        columns=rx.breakpoints(initial="2", md="3", lg="6"), spacing="3", width="100%",
    )


def _top_row(row: TopModelRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.hstack(rx.code(row.model, size="2"),
                                           rx.cond(row.unpriced, rx.tooltip(rx.badge("unpriced calls", size="1",
                                                                                     color_scheme="amber"),
                                                                            content="Set a price on LiteLLM "
                                                                                    "Configuration")),
                                           spacing="2", align="center")),
        rx.table.cell(rx.text(row.provider, size="2")),
        rx.table.cell(rx.text(row.requests, size="2"), text_align="right"),
        rx.table.cell(rx.text(row.tokens, size="2"), text_align="right"),
        rx.table.cell(rx.hstack(rx.text(row.cost, size="2", weight="medium"),
                                rx.box(rx.box(width=row.share.to_string() + "%", height="100%",
                                              background=rx.color("indigo", 9), border_radius="3px"),
                                       width="56px", height="6px", background=rx.color("gray", 4),
                                       border_radius="3px"),
                                align="center", justify="end", spacing="2"), text_align="right"),
        rx.table.cell(rx.text(row.avg_latency, size="2"), text_align="right"),
        rx.table.cell(rx.text(row.p95, size="2"), text_align="right"),
        rx.table.cell(rx.text(row.error_rate, size="2"), text_align="right"),
        data_model=row.model,
    )


def _top_models() -> rx.Component:
    headers = [("Model", "left"), ("Provider", "left"), ("Requests", "right"), ("Tokens", "right"),
               ("Cost", "right"), ("Avg latency", "right"), ("p95", "right"), ("Error rate", "right")]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading("Top models", size="3"),
                          rx.text("Requests, tokens, cost, latency and errors per model in the range.", size="1",
                                  color=MUTED), spacing="1"),
                rx.spacer(),
                rx.button(rx.icon("download", size=14), "Export CSV", variant="soft", on_click=S.export_csv,
                          id="export-csv"),
                width="100%", align="start",
            ),
            rx.cond(
                S.top_models.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, text_align=a, white_space="nowrap")
                                                       for h, a in headers])),
                        rx.table.body(rx.foreach(S.top_models, _top_row)),
                        size="1", width="100%", id="top-models",
                    ),
                    width="100%", overflow_x="auto",
                ),
                rx.text("No LLM calls in this range.", size="2", color=MUTED),
            ),
            rx.cond(S.unpriced_requests > 0,
                    rx.text(S.unpriced_label, " call(s) of unpriced models are counted without a cost: set their price on ",
                            rx.link("LiteLLM Configuration", href="/admin/litellm"), ".",
                            size="1", color=rx.color("amber", 11))),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _reason_row(row: ReasonRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge(row.reason, variant="soft")),
        rx.table.cell(rx.text(row.requests, size="2"), text_align="right"),
        rx.table.cell(rx.text(row.share, size="2"), text_align="right"),
        rx.table.cell(rx.text(row.cost, size="2"), text_align="right"),
        data_reason=row.reason,
    )


def _reasons() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.vstack(rx.heading("Route reasons", size="3"),
                      rx.text("Why each call went to its model, and what fallbacks cost.", size="1", color=MUTED),
                      spacing="1"),
            rx.grid(
                chart(S.reasons_fig, "route-reasons", height="260px"),
                rx.vstack(
                    rx.table.root(
                        rx.table.header(rx.table.row(
                            rx.table.column_header_cell("Reason"),
                            rx.table.column_header_cell("Calls", text_align="right"),
                            rx.table.column_header_cell("Share", text_align="right"),
                            rx.table.column_header_cell("Cost", text_align="right"))),
                        rx.table.body(rx.foreach(S.reasons, _reason_row)),
                        size="1", width="100%", id="route-reason-table",
                    ),
                    rx.hstack(
                        rx.badge(rx.icon("database-zap", size=12), S.cache_hits, " cache hits", color_scheme="amber",
                                 variant="soft"),
                        rx.badge(rx.icon("git-fork", size=12), "fallbacks cost ", S.fallback_cost,
                                 color_scheme="orange", variant="soft", id="fallback-cost"),
                        wrap="wrap", spacing="2",
                    ),
                    spacing="3", width="100%",
                ),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%", align="center",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def litellm_analytics() -> rx.Component:
    stack_toggle = rx.segmented_control.root(
        rx.segmented_control.item("By model", value="model"),
        rx.segmented_control.item("By provider", value="provider"),
        value=S.stack_by, on_change=S.set_stack_by, size="1", id="stack-by",
    )
    return admin_page(
        "LiteLLM Analytics",
        _filters(),
        _totals(),
        rx.grid(
            rx.box(chart_card("Daily cost", "USD per day, stacked.", S.cost_fig, "cost-trend",
                               actions=stack_toggle, height="320px"), grid_column=rx.breakpoints(initial="auto",
                                                                                                lg="span 2")),
            chart_card("Cost by model", "Total over the range.", S.breakdown_fig, "model-breakdown",
                        height="320px"),
            columns=rx.breakpoints(initial="1", lg="3"), spacing="3", width="100%",
        ),
        _top_models(),
        rx.grid(
            chart_card("Requests and tokens", "Attempts per day (bars) and tokens per day (line).", S.volume_fig,
                        "requests-tokens"),
            chart_card("Latency by model", "p50 and p95 from the latency histograms.", S.latency_fig,
                        "latency"),
            chart_card("Error rate", "Failed attempts per day.", S.errors_fig, "error-rate"),
            chart_card("Budget burn-down", "This month's spend against the linear allowance.", S.burn_fig,
                        "burn-down"),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="3", width="100%",
        ),
        _reasons(),
        subtitle="Every LLM call of the app, from the ledger's daily rollups. Refreshes live while open.",
    )
