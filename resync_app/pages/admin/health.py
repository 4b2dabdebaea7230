"""/admin/health: a card per component (status, latency, detail, last failure, 24 h chart), Check now and the
billed deep check."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page
from resync_app.components.blocks import MUTED, chart, fact
from resync_app.state.health import COMPONENTS, LABELS, HealthState

S = HealthState
ICONS = {"database": "database", "tws": "server", "llm": "brain", "teams": "users", "redis": "layers",
         "rag": "library"}


def _status_badge(name: str) -> rx.Component:
    return rx.cond(S.ok[name],
                   rx.badge(rx.icon("circle-check", size=12), "OK", color_scheme="green", size="2", data_status="ok"),
                   rx.badge(rx.icon("circle-x", size=12), "Failing", color_scheme="red", size="2",
                            data_status="failing"))


def _component(name: str) -> rx.Component:
    return rx.cond(S.shown.contains(name), rx.card(rx.vstack(
        rx.hstack(
            rx.box(rx.icon(ICONS.get(name, "activity"), size=15), color=rx.color("indigo", 11),
                   background=rx.color("indigo", 3), padding="0.35em", border_radius="6px", line_height="0"),
            rx.heading(LABELS[name], size="3"),
            rx.spacer(),
            rx.text(S.latency[name], size="2", weight="medium", data_field="latency"),
            _status_badge(name),
            align="center", width="100%", spacing="2",
        ),
        rx.text(S.detail[name], size="2", data_field="detail", word_break="break-word"),
        fact("Checked", S.checked[name]),
        fact("Last failure", rx.text(S.last_failure[name], as_="span", data_field="last-failure")),
        fact("Availability", S.availability[name]),
        chart(getattr(S, f"fig_{name}"), f"health-chart-{name}", height="170px"),
        spacing="2", width="100%",
    ), width="100%", min_width="0", data_component=name))


def _deep_check() -> rx.Component:
    result = rx.cond(
        S.deep_running, rx.hstack(rx.spinner(size="1"), rx.text("Calling the model…", size="2")),
        rx.cond(S.deep_ran, rx.cond(
            S.deep_ok,
            rx.callout(S.deep_summary, icon="circle-check", color_scheme="green", size="1", id="deep-result"),
            rx.callout(S.deep_error, icon="circle-x", color_scheme="red", size="1", id="deep-result"))))
    return rx.card(rx.vstack(
        rx.hstack(
            rx.vstack(rx.text("Deep check (billed)", size="3", weight="bold"),
                      rx.text("The regular LLM check only lists models (free). This sends one real, short "
                              "completion through the gateway; it is billed and recorded in the ledger with purpose "
                              "\"health\".", size="1", color=MUTED), spacing="1"),
            rx.spacer(),
            rx.input(placeholder="model (empty: routing decides)", value=S.deep_model, on_change=S.set_deep_model,
                     width="16em", size="2", id="deep-model"),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button(rx.icon("dollar-sign", size=14), "Deep check (billed)",
                                                  disabled=S.deep_running, variant="soft", color_scheme="amber",
                                                  data_action="deep-check")),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Run a billed deep check?"),
                    rx.alert_dialog.description("One completion of a few tokens goes to the provider and is "
                                                "charged to the LLM budget.", size="2"),
                    rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                              rx.alert_dialog.action(rx.button("Run it", on_click=S.deep_check,
                                                               data_action="confirm-deep-check")),
                              justify="end", spacing="3", margin_top="1em"),
                ),
            ),
            align="center", width="100%", spacing="3",
        ),
        rx.hstack(rx.text("Last deep check: ", S.last_deep, size="1", color=MUTED), result, align="center",
                  spacing="3", width="100%"),
        spacing="2", width="100%",
    ), width="100%")


def health() -> rx.Component:
    return admin_page(
        "Health Monitoring",
        rx.hstack(
            rx.cond(S.overall_ok,
                    rx.badge(rx.icon("heart-pulse", size=14), "All components healthy", color_scheme="green",
                             size="3", id="overall-status"),
                    rx.badge(rx.icon("triangle-alert", size=14), "Degraded", color_scheme="red", size="3",
                             id="overall-status")),
            rx.text("Last run ", S.checked_at, size="2", color=MUTED, id="checked-at"),
            rx.spacer(),
            rx.button(rx.cond(S.running, rx.spinner(size="1"), rx.icon("refresh-cw", size=14)), "Check now",
                      on_click=S.check_now, disabled=S.running, data_action="check-now"),
            align="center", width="100%", spacing="3",
        ),
        rx.grid(*[_component(name) for name in COMPONENTS], columns=rx.breakpoints(initial="1", lg="2"),
                spacing="4", width="100%"),
        _deep_check(),
        subtitle="Real checks of every component, every minute and on demand, with a 24-hour history.",
    )
