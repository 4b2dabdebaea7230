"""/admin/litellm: gateway status, the six providers, the model browser, smart routing and the budgets.

Each card lives in its own module (`litellm_providers`, `litellm_models`, `litellm_routing`, `litellm_budgets`)
with its own substate of `LiteLLMConfigState`.
"""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, chart, fact, section, stat_card  # noqa: F401  (re-exported)
from resync_app.components.layout import admin_page
from resync_app.pages.admin.litellm_budgets import budgets_section
from resync_app.pages.admin.litellm_models import models_section
from resync_app.pages.admin.litellm_providers import providers_section
from resync_app.pages.admin.litellm_routing import routing_section
from resync_app.state.litellm_budgets import BudgetsState
from resync_app.state.litellm_config import LiteLLMConfigState

S = LiteLLMConfigState


# ---- status overview ------------------------------------------------------------------------------------


def _status() -> rx.Component:
    router_badge = rx.cond(
        S.router_available,
        rx.badge(rx.icon("circle-check", size=12), "Healthy", color_scheme="green", size="2"),
        rx.badge(rx.icon("circle-x", size=12), "Unavailable", color_scheme="red", size="2"),
    )
    return rx.vstack(
        rx.grid(
            stat_card("Router", rx.box(router_badge, id="router-health"), "router",
                      rx.text(rx.cond(S.router_available, rx.fragment("built ", S.router_uptime, " ago · "), ""),
                              "app up ", S.uptime, size="1", color=MUTED),
                      color="green"),
            stat_card("Active models", S.active_models, "boxes",
                      rx.text("from ", S.active_providers, " provider(s)", size="1", color=MUTED, white_space="nowrap"),
                      value_id="active-models"),
            stat_card("Spend today", BudgetsState.spend_today, "calendar-clock", value_id="spend-today",
                      color="teal"),
            stat_card("Spend this month", BudgetsState.spend_month, "calendar-range", value_id="spend-month",
                      color="teal"),
            stat_card("Error rate", S.error_rate, "triangle-alert",
                      rx.text("of ", S.total_requests, " calls", size="1", color=MUTED), color="red"),
            stat_card("Cache hit rate", S.cache_hit_rate, "database-zap",
                      rx.text("of all calls", size="1", color=MUTED), color="amber"),
            columns=rx.breakpoints(initial="2", sm="3", lg="6"), spacing="3", width="100%",
        ),
        rx.cond(S.build_error != "", rx.callout(
            rx.text(rx.text.strong("Router: "), S.build_error), icon="circle-alert", color_scheme="red",
            width="100%", size="1")),
        rx.foreach(S.init_failures, lambda f: rx.callout(f, icon="plug-zap", color_scheme="amber", size="1",
                                                         width="100%")),
        rx.cond(S.cost_tracking_note != "", rx.callout(S.cost_tracking_note, icon="info", size="1", width="100%")),
        rx.cond(S.ledger_note != "", rx.callout(S.ledger_note, icon="triangle-alert", color_scheme="amber", size="1",
                                                width="100%", id="ledger-note")),
        width="100%", spacing="2",
    )


def litellm_config() -> rx.Component:
    return admin_page(
        "LiteLLM Configuration",
        rx.hstack(
            rx.text("Updated ", S.refreshed_at, size="1", color=MUTED),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", size="2", on_click=S.refresh),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button(rx.icon("rotate-ccw", size=14), "Rebuild router", variant="soft",
                                                  color_scheme="gray", size="2")),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Rebuild the router?"),
                    rx.alert_dialog.description("The router is rebuilt from the current providers and settings. "
                                                "Calls in flight finish on the old one."),
                    rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                              rx.alert_dialog.action(rx.button("Rebuild", on_click=S.reset_router)),
                              justify="end", spacing="3", margin_top="1em"),
                ),
            ),
            width="100%", align="center", margin_top="-0.5em",
        ),
        _status(),
        providers_section(),
        models_section(),
        routing_section(),
        budgets_section(),
        subtitle="The LLM gateway: providers and keys, the models it routes to, smart routing and budgets.",
    )
