"""Page frames: the admin shell (sidebar + header) and the operator frame (top navigation)."""

from __future__ import annotations

import reflex as rx

from resync_app.components.native_form import native_form
from resync_app.state.session import SessionState

ADMIN_NAV = (
    ("CONFIGURATION", (
        ("Teams", "/admin/teams", "users"),
        ("TWS", "/admin/tws", "server"),
        ("System", "/admin/system", "settings"),
        ("LiteLLM", "/admin/litellm", "brain"),
    )),
    ("MONITORING", (
        ("Health", "/admin/health", "heart-pulse"),
        ("Proactive", "/admin/proactive", "radar"),
        ("LiteLLM Analytics", "/admin/litellm-analytics", "chart-line"),
    )),
    ("ACCOUNT", (
        ("Audit log", "/admin/audit", "scroll-text"),
    )),
)

OPERATOR_NAV = (
    ("Chat", "/"),
    ("Monitoring", "/monitoring"),
    ("Real-time", "/realtime-dashboard"),
    ("Metrics", "/metrics/dashboard"),
)


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == href) | (path == href + "/")
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="2"),
        href=href,
        underline="none",
        padding_x="0.75em",
        padding_y="0.4em",
        border_radius="6px",
        width="100%",
        color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
        background=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
        data_nav=label,
    )


def sidebar() -> rx.Component:
    sections = []
    for title, links in ADMIN_NAV:
        sections.append(rx.text(title, size="1", weight="bold", color=rx.color("gray", 10), padding_x="0.75em",
                                padding_top="1em"))
        sections.extend(_nav_link(*link) for link in links)
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("workflow", size=22), rx.heading("Resync", size="5"), align="center"),
                href="/admin", underline="none", color=rx.color("gray", 12), padding="0.75em"),
        *sections,
        rx.spacer(),
        rx.link("Operator dashboards →", href="/", size="2", padding="0.75em"),
        width="15em",
        min_width="15em",
        height="100vh",
        position="sticky",
        top="0",
        spacing="1",
        padding="0.5em",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        id="admin-sidebar",
    )


def sign_out_button() -> rx.Component:
    """A plain form POST: the server ends the session and clears the HttpOnly cookie."""
    return native_form(
        rx.button(rx.icon("log-out", size=14), "Sign out", type="submit", variant="soft", size="2",
                  id="sign-out"),
        action="/api/v1/auth/logout",
        method="post",
    )


def admin_page(title: str, *children: rx.Component, subtitle: str = "") -> rx.Component:
    """The admin shell around a page; content renders only once the server confirmed the session."""
    return rx.hstack(
        sidebar(),
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.heading(title, size="6"), rx.cond(subtitle != "", rx.text(subtitle, color_scheme="gray",
                                                                                       size="2")), spacing="1"),
                rx.spacer(),
                rx.cond(SessionState.admin_name != "",
                        rx.hstack(rx.badge(rx.icon("user", size=12), SessionState.admin_name, size="2",
                                           id="admin-name"),
                                  sign_out_button(), rx.color_mode.button(size="2"), align="center")),
                width="100%",
                align="center",
            ),
            rx.cond(
                SessionState.admin_name != "",
                rx.vstack(*children, width="100%", spacing="4"),
                rx.center(rx.spinner(size="3"), width="100%", padding="4em"),
            ),
            width="100%",
            padding="1.5em",
            spacing="4",
            min_width="0",
        ),
        spacing="0",
        width="100%",
        align="start",
    )


def operator_page(title: str, *children: rx.Component) -> rx.Component:
    """The operator frame: no admin data, reachable without signing in."""
    return rx.vstack(
        rx.hstack(
            rx.hstack(rx.icon("workflow", size=22), rx.heading("Resync", size="5"), align="center"),
            *[rx.link(label, href=href, size="2", weight="medium") for label, href in OPERATOR_NAV],
            rx.spacer(),
            rx.link(rx.button("Admin", variant="outline", size="2"), href="/admin"),
            rx.color_mode.button(size="2"),
            spacing="5",
            align="center",
            width="100%",
            padding="0.75em 1.5em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            id="operator-nav",
        ),
        rx.vstack(rx.heading(title, size="6"), *children, padding="1.5em", width="100%", spacing="4"),
        spacing="0",
        width="100%",
    )


def coming_soon(text: str, items: list[str]) -> rx.Component:
    """What a page will hold, for the pages whose feature is not built yet."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("construction")),
        rx.callout.text(
            rx.vstack(rx.text(text), rx.unordered_list(*[rx.list_item(item) for item in items]), spacing="2")
        ),
        color_scheme="gray",
        width="100%",
    )
