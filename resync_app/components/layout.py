"""Page frames: the admin shell (sidebar + header) and the operator frame (top navigation); both fold their
navigation into a menu sheet below 768 px (see components/responsive.py)."""

from __future__ import annotations

import reflex as rx

from resync_app.components.brand import brand
from resync_app.components.native_form import native_form
from resync_app.components.responsive import desktop_only, nav_sheet, page_padding, phone_only, sheet_close
from resync_app.components.toaster import toast_listener
from resync_app.state.operator_frame import OperatorFrameState
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
        ("Learning", "/admin/learning", "graduation-cap"),
    )),
    ("ACCOUNT", (
        ("Users", "/admin/users", "user-cog"),
        ("Audit log", "/admin/audit", "scroll-text"),
    )),
)

OPERATOR_NAV = (
    ("Chat", "/", "message-square"),
    ("Monitoring", "/monitoring", "list-checks"),
    ("Real-time", "/realtime-dashboard", "activity"),
    ("Metrics", "/metrics/dashboard", "chart-line"),
    ("Shift report", "/shift-report", "clipboard-list"),
)


def _is_active(href: str):
    path = rx.State.router.url.path
    return (path == href) | (path == href + "/")


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    """A full-width navigation row. The look sits on the inner row, not on the link: Radix resets links with
    `all: unset` at the same specificity, and that rule wins when its stylesheet loads last (client-rendered
    parts such as the menu sheet)."""
    active = _is_active(href)
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="2",
                  padding_x="0.75em", padding_y="0.4em", border_radius="6px", width="100%",
                  color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
                  background=rx.cond(active, rx.color("accent", 3), "transparent"),
                  _hover={"background": rx.color("gray", 3)}),
        href=href,
        underline="none",
        width="100%",
        aria_current=rx.cond(active, "page", None),
        data_nav=label,
    )


def _admin_nav(in_sheet: bool = False) -> list[rx.Component]:
    """The admin navigation's sections and links (the sidebar and the phone menu show the same)."""
    items: list[rx.Component] = []
    for title, links in ADMIN_NAV:
        items.append(rx.text(title, size="1", weight="bold", color=rx.color("gray", 10), padding_x="0.75em",
                             padding_top="1em"))
        for link in links:
            items.append(sheet_close(_nav_link(*link)) if in_sheet else _nav_link(*link))
    return items


def _to_operator_side(in_sheet: bool = False) -> rx.Component:
    link = rx.link("Operator dashboards →", href="/", size="2", padding="0.75em")
    return sheet_close(link) if in_sheet else link


def sidebar() -> rx.Component:
    """The admin sidebar (768 px and wider; phones get the same links in the menu sheet)."""
    return rx.vstack(
        brand("/admin", padding="0.75em"),
        *_admin_nav(),
        rx.spacer(),
        _to_operator_side(),
        align="stretch",
        width="15em",
        min_width="15em",
        height="100vh",
        position="sticky",
        top="0",
        spacing="1",
        padding="0.5em",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        overflow_y="auto",
        display=desktop_only("flex"),
        id="admin-sidebar",
    )


def _admin_topbar() -> rx.Component:
    """Phones: the logo and a menu button opening the admin navigation in a sheet."""
    return rx.hstack(
        nav_sheet("admin-menu-button", "admin-menu", brand("/admin", size="4", mark_size="24px"),
                  *_admin_nav(in_sheet=True), rx.spacer(), _to_operator_side(in_sheet=True),
                  title="Admin navigation"),
        brand("/admin", size="4", mark_size="24px"),
        align="center",
        spacing="2",
        width="100%",
        padding="0.5em 0.75em",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 2),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        display=phone_only("flex"),
        id="admin-topbar",
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
    """The admin shell around a page; content renders only once the server confirmed the session.

    From 768 px on: sidebar + content. Below: a top bar with a menu button (the same navigation in a sheet), and
    the header's account controls wrap under the title.
    """
    header = rx.flex(
        rx.vstack(rx.heading(title, size="6"),
                  rx.cond(subtitle != "", rx.text(subtitle, color_scheme="gray", size="2")),
                  spacing="1", flex="1 1 16em", min_width="0"),
        rx.cond(SessionState.admin_name != "",
                rx.hstack(rx.badge(rx.icon("user", size=12), SessionState.admin_name, size="2", id="admin-name"),
                          sign_out_button(), rx.color_mode.button(size="2"), align="center", flex_shrink="0")),
        width="100%",
        align="center",
        justify="between",
        wrap="wrap",
        gap="3",
    )
    return rx.box(
        _admin_topbar(),
        rx.hstack(
            sidebar(),
            rx.vstack(
                header,
                rx.cond(
                    SessionState.admin_name != "",
                    rx.vstack(*children, width="100%", spacing="4", min_width="0"),
                    rx.center(rx.spinner(size="3"), width="100%", padding="4em"),
                ),
                width="100%",
                padding=page_padding(),
                spacing="4",
                min_width="0",
            ),
            spacing="0",
            width="100%",
            align="start",
        ),
        toast_listener(),
        width="100%",
    )


# ---- the operator frame -------------------------------------------------------------------------------


def _same(component: rx.Component) -> rx.Component:
    return component


def _corner_sign_out(corner_id: str) -> rx.Component:
    """A small "Sign out" link-button next to the name (a plain form POST, as in the admin shell)."""
    return native_form(
        rx.button("Sign out", type="submit", variant="ghost", size="1", id=f"{corner_id}-sign-out",
                  white_space="nowrap", margin="0"),  # a ghost button's negative margin lifted it off the line
        action="/api/v1/auth/logout",
        method="post",
        display="flex",
        align_items="center",
    )


def viewer_corner(corner_id: str, in_sheet: bool = False) -> rx.Component:
    """"Signed in as NAME (role) · Sign out", or a Sign in link coming back to this page; empty until the server
    has checked (the label itself is decided in state/operator_frame.py)."""
    label = OperatorFrameState.viewer_label
    return rx.cond(
        OperatorFrameState.viewer_checked,
        rx.cond(
            label != "",
            rx.hstack(
                rx.hstack(rx.icon("circle-user", size=16, flex_shrink="0"),
                          rx.text(label, size="2", truncate=True, title=label),
                          align="center", spacing="1", min_width="3em", color=rx.color("gray", 11), id=corner_id,
                          data_viewer="signed-in"),
                rx.text("·", size="2", color=rx.color("gray", 9)),
                _corner_sign_out(corner_id),
                align="center", spacing="2", min_width="0"),
            (sheet_close if in_sheet else _same)(
                rx.link(rx.hstack(rx.icon("log-in", size=16), rx.text("Sign in", size="2", white_space="nowrap"),
                                  align="center", spacing="1"),
                        href=OperatorFrameState.sign_in_href, underline="none", id=corner_id,
                        data_viewer="anonymous")),
        ),
        rx.box(id=f"{corner_id}-pending"),
    )


def _operator_link(label: str, href: str, icon: str, in_sheet: bool = False) -> rx.Component:
    if in_sheet:
        return sheet_close(_nav_link(label, href, icon))
    active = _is_active(href)
    return rx.link(
        rx.text(label, size="2", weight="medium", white_space="nowrap",
                color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12))),
        href=href, underline="none", aria_current=rx.cond(active, "page", None), data_nav=label,
    )


def _operator_nav() -> rx.Component:
    sheet = nav_sheet(
        "operator-menu-button", "operator-menu", brand("/", size="4", mark_size="24px"),
        *[_operator_link(*link, in_sheet=True) for link in OPERATOR_NAV],
        rx.separator(size="4", margin_y="0.5em"),
        rx.box(viewer_corner("viewer-corner-menu", in_sheet=True), padding_x="0.75em", padding_y="0.4em"),
        sheet_close(_nav_link("Admin", "/admin", "shield")),
        rx.hstack(rx.text("Colour mode", size="2"), rx.color_mode.button(size="2"), align="center",
                  justify="between", width="100%", padding_x="0.75em", padding_y="0.4em"),
        title="Operator navigation",
    )
    return rx.hstack(
        brand("/", mark_size="26px"),
        rx.hstack(*[_operator_link(*link) for link in OPERATOR_NAV], spacing=rx.breakpoints(initial="3", lg="5"),
                  align="center", flex_shrink="0",
                  display=desktop_only("flex"), padding_left="1em"),
        rx.spacer(),
        rx.hstack(viewer_corner("viewer-corner"),
                  rx.link(rx.button("Admin", variant="outline", size="2"), href="/admin", flex_shrink="0"),
                  rx.box(rx.color_mode.button(size="2"), flex_shrink="0"),
                  spacing=rx.breakpoints(initial="2", lg="4"), align="center", min_width="0", justify="end",
                  display=desktop_only("flex")),
        rx.box(sheet, display=phone_only("block")),
        spacing="3",
        align="center",
        width="100%",
        padding=rx.breakpoints(initial="0.5em 1em", sm="0.75em 1.5em"),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        id="operator-nav",
    )


def operator_page(title: str, *children: rx.Component) -> rx.Component:
    """The operator frame: no admin data, reachable without signing in.

    Top navigation (a menu sheet below 768 px) with the "signed in as … / Sign in" corner, then the title and
    `children` stacked full width. Children should not set fixed widths wider than a phone (390 px): use
    `width="100%"`, responsive `columns=rx.breakpoints(...)` and put wide tables in `rx.scroll_area` or a box
    with `overflow_x="auto"`.
    """
    return rx.box(
        _operator_nav(),
        rx.vstack(rx.heading(title, size="6"), *children, padding=page_padding(), width="100%", spacing="4",
                  min_width="0"),
        toast_listener(),
        width="100%",
        on_mount=OperatorFrameState.identify,
    )
