"""The budget monitor of /admin/litellm: gauges, figures and the alert history."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, chart, fact, section
from resync_app.state.litellm_budgets import AlertRow, BudgetRow, BudgetsState

S = BudgetsState


def _budget_card(row: BudgetRow, figure) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.label, size="3"),
                rx.spacer(),
                rx.cond(~row.enforced, rx.badge("not enforced · cost tracking off", color_scheme="gray"),
                        rx.cond(row.exhausted, rx.badge("exhausted · paid models paused", color_scheme="red"),
                                rx.cond(row.over_threshold,
                                        rx.badge("over alert threshold", color_scheme="orange"),
                                        rx.badge("within budget", color_scheme="green")))),
                width="100%", align="center",
            ),
            rx.grid(
                chart(figure, "gauge-" + row.kind, height="170px"),
                rx.vstack(
                    rx.hstack(rx.text(row.spent, size="6", weight="bold", id="budget-spent-" + row.kind),
                              rx.text("of ", row.limit, size="2", color=MUTED), align="baseline", spacing="2"),
                    fact("Remaining", row.remaining),
                    fact("Alert at", row.threshold),
                    fact("Burn rate", row.burn_rate),
                    fact("Exhaustion", row.exhaustion),
                    fact("Resets", row.resets_at),
                    spacing="2", width="100%", justify="center",
                ),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%", align="center",
            ),
            spacing="2", width="100%",
        ),
        width="100%", data_budget=row.kind,
    )


def _alert_row(alert: AlertRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(alert.created_at, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(alert.period, size="2", white_space="nowrap")),
        rx.table.cell(rx.badge(alert.threshold, color_scheme=rx.cond(alert.critical, "red", "orange"))),
        rx.table.cell(rx.text(alert.message, size="2")),
        rx.table.cell(rx.cond(
            alert.acknowledged,
            rx.text("✓ ", alert.acknowledged_by, size="1", color=MUTED, white_space="nowrap"),
            rx.button("Acknowledge", size="1", variant="soft", on_click=S.acknowledge(alert.id),
                      data_action="acknowledge"),
        ), text_align="right"),
    )


def budgets_section() -> rx.Component:
    return section(
        "Budget monitor",
        "Daily and monthly limits (System Configuration → LLM Cost & Budget). At 100 % paid models pause; local "
        "models keep answering.",
        rx.cond(S.budgets_note != "", rx.callout(S.budgets_note, icon="triangle-alert", color_scheme="amber",
                                                 size="1", width="100%", id="budgets-note")),
        rx.grid(
            rx.cond(S.budgets.length() > 0, _budget_card(S.budgets[0], S.daily_gauge)),
            rx.cond(S.budgets.length() > 1, _budget_card(S.budgets[1], S.monthly_gauge)),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="3", width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("bell-ring", size=16), rx.heading("Alert history", size="3"),
                          rx.cond(S.open_alerts > 0, rx.badge(S.open_alerts, " open", color_scheme="red")),
                          align="center"),
                rx.cond(
                    S.alerts.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("When", "Period", "Level", "Message", "")])),
                        rx.table.body(rx.foreach(S.alerts, _alert_row)),
                        size="1", width="100%", id="budget-alerts",
                    ),
                    rx.text("No budget alert yet. One is raised (and sent to Teams) when spend crosses the alert "
                            "threshold and at 100 %.", size="2", color=MUTED),
                ),
                width="100%", spacing="3",
            ),
            width="100%",
        ),
        section_id="budgets",
    )
