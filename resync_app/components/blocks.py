"""Building blocks of the admin pages: titled sections, figure cards, label/value lines and Plotly charts."""

from __future__ import annotations

import reflex as rx
from resync_app.components.client_call import call_js

MUTED = rx.color("gray", 11)


def section(title: str, description: str, *children: rx.Component, actions: rx.Component | None = None,
            section_id: str = "") -> rx.Component:
    """A titled block of the page."""
    return rx.vstack(
        rx.hstack(
            rx.vstack(rx.heading(title, size="4"), rx.text(description, size="2", color=MUTED), spacing="1"),
            rx.spacer(),
            actions or rx.fragment(),
            width="100%", align="end",
        ),
        *children,
        width="100%", spacing="3", id=section_id or None,
    )


def stat_card(label: str, value, icon: str, *extra: rx.Component, value_id: str = "",
              color: str = "indigo") -> rx.Component:
    """One figure with its label (the status overview and the analytics totals)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.box(rx.icon(icon, size=13), color=rx.color(color, 11), background=rx.color(color, 3),
                       padding="0.3em", border_radius="6px", line_height="0"),
                rx.text(label, size="1", weight="medium", color=MUTED, white_space="nowrap", overflow="hidden",
                        text_overflow="ellipsis"),
                spacing="2", align="center", min_width="0", width="100%",
            ),
            rx.text(value, size="6", weight="bold", id=value_id or None, white_space="nowrap",
                    trim="both", margin_top="0.25em"),
            *extra,
            spacing="1", min_width="0", width="100%",
        ),
        size="2", width="100%", min_width="0",
    )


def fact(label: str, *value: rx.Component | str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color=MUTED, min_width="7.5em"),
        rx.text(*value, size="1", weight="medium", trim="both"),
        spacing="2", align="start", width="100%",
    )


def chart(figure, chart_id: str, height: str = "300px") -> rx.Component:
    """A Plotly figure from the state, responsive, without the mode bar's clutter."""
    return rx.plotly(data=figure, id=chart_id, width="100%", height=height,
                     config={"displaylogo": False, "responsive": True,
                             "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]})


def http_form(*fields: rx.Component, script: str, callback, marker: str, key, message, message_id: str,
              submit: rx.Component) -> rx.Component:
    """The form of a dialog that the browser itself posts over HTTP (`script`, with the session cookie, so a
    password never travels through the websocket); `callback` gets the outcome. `marker` is the data attribute the
    script finds the form by; `message` (a state var) shows as an error above Cancel / `submit`."""
    return rx.form(
        rx.vstack(
            *fields,
            rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", size="1",
                                              width="100%", id=message_id)),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                submit,
                justify="end", spacing="3", width="100%", margin_top="1em",
            ),
            spacing="1", width="100%",
        ),
        on_submit=call_js(script, callback=callback),
        custom_attrs={marker: ""},
        key=key,
        width="100%",
    )


def chart_card(title: str, description: str, figure, chart_id: str, *extra: rx.Component,
               height: str = "300px", actions: rx.Component | None = None) -> rx.Component:
    """A titled card around one Plotly chart (the analytics and metrics pages)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading(title, size="3"), rx.text(description, size="1", color=MUTED), spacing="1"),
                rx.spacer(),
                actions or rx.fragment(),
                width="100%", align="start",
            ),
            chart(figure, chart_id, height=height),
            *extra,
            spacing="2", width="100%",
        ),
        width="100%", min_width="0",
    )
