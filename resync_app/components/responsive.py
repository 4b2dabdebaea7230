"""Phone-width building blocks: what shows on which side of 768 px, and the navigation sheet behind a menu button.

Below 768 px (Reflex's and Radix's `sm` breakpoint) the side navigation and the top links fold into a sheet that
opens over the page along its left edge: a Radix dialog restyled (focus kept inside, Esc or a tap outside closes
it), so no extra frontend package is needed. Links inside the sheet close it as they navigate (`sheet_close`).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.breakpoints import Breakpoints

PHONE_MAX_PX = 767  # widths up to this one get the phone layout


# `!important`: Radix's own class (e.g. `.rt-Flex { display: flex }`) has the same specificity as the emotion
# class these values end up in, and which stylesheet comes last in <head> differs between a server-rendered page
# and a client-side navigation.
def phone_only(display: str = "flex") -> Breakpoints:
    """`display=` value: shown below 768 px, hidden from 768 px on."""
    return rx.breakpoints(initial=f"{display} !important", sm="none !important")


def desktop_only(display: str = "flex") -> Breakpoints:
    """`display=` value: hidden below 768 px, shown from 768 px on."""
    return rx.breakpoints(initial="none !important", sm=f"{display} !important")


def page_padding() -> Breakpoints:
    """Content padding: tighter on phones."""
    return rx.breakpoints(initial="1em", sm="1.5em")


def menu_button(button_id: str, label: str = "Open menu") -> rx.Component:
    return rx.icon_button(rx.icon("menu", size=20), variant="ghost", size="3", aria_label=label, id=button_id,
                          color_scheme="gray")


def sheet_close(child: rx.Component) -> rx.Component:
    """Wrap a link (or button) of the sheet so that using it also closes the sheet."""
    return rx.dialog.close(child)


def nav_sheet(button_id: str, sheet_id: str, header: rx.Component, *children: rx.Component,
              title: str = "Navigation") -> rx.Component:
    """A menu button that opens `children` in a sheet from the left edge (phones only: hide the button on wider
    screens with `phone_only()` on its container)."""
    return rx.dialog.root(
        rx.dialog.trigger(menu_button(button_id)),
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    header,
                    rx.spacer(),
                    rx.dialog.close(rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray",
                                                   size="2", aria_label="Close menu", id=f"{sheet_id}-close")),
                    align="center", width="100%",
                ),
                rx.dialog.title(title, style=_VISUALLY_HIDDEN),
                rx.dialog.description("Pages of Resync", style=_VISUALLY_HIDDEN),
                *children,
                spacing="1", width="100%", height="100%", align="stretch",
            ),
            id=sheet_id,
            size="1",
            style=_SHEET,
        ),
    )


# The dialog's content as a full-height panel on the left. Radix centres dialogs with classes of the same
# specificity as these rules (and its stylesheet may load after them), hence `!important`.
_SHEET = {
    key: f"{value} !important" for key, value in {
        "position": "fixed",
        "top": "0",
        "left": "0",
        "bottom": "0",
        "width": "min(20em, 85vw)",
        "max_width": "85vw",
        "height": "100dvh",
        "max_height": "100dvh",
        "margin": "0",
        "border_radius": "0 var(--radius-4) var(--radius-4) 0",
        "overflow_y": "auto",
    }.items()
}

_VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}
