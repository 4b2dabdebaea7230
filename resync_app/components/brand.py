"""Resync's mark and name (assets/logo.svg, drawn by scripts/make_icons.py) and the icon links of every page."""

from __future__ import annotations

import reflex as rx

LOGO_SRC = "/logo.svg"
FAVICON_SVG = "/favicon.svg"
FAVICON_ICO = "/favicon.ico"  # also what browsers fetch on their own when a page names no icon
TOUCH_ICON = "/apple-touch-icon.png"


def head_components() -> list[rx.Component]:
    """`<link>`s for `rx.App(head_components=…)`: the SVG icon, the ICO fallback and the home-screen icon."""
    return [
        rx.el.link(rel="icon", href=FAVICON_ICO, sizes="32x32"),
        rx.el.link(rel="icon", href=FAVICON_SVG, type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href=TOUCH_ICON),
    ]


def mark(size: str = "26px") -> rx.Component:
    """The mark alone (decorative: the name next to it says what it is)."""
    return rx.image(src=LOGO_SRC, width=size, height=size, alt="", flex_shrink="0", class_name="resync-mark")


def brand(href: str | None = None, *, size: str = "5", mark_size: str = "26px", **props) -> rx.Component:
    """Mark + name; a link home when `href` is given (`props` style the row, never the link: see layout._nav_link)."""
    content = rx.hstack(mark(mark_size), rx.heading("Resync", size=size, color=rx.color("gray", 12)),
                        align="center", spacing="2", flex_shrink="0", **props)
    if href is None:
        return content
    return rx.link(content, href=href, underline="none", aria_label="Resync home", flex_shrink="0")
