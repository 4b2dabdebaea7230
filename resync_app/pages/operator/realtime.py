"""`/realtime-dashboard`: the live TWS dashboard (health, KPIs, workstations, events, critical jobs at risk, chart).

Every value comes from `RealtimeState`, which the worker's one live producer updates for all tabs at once; the page
never reloads and never polls. Works from 390 px up (grids fold to one or two columns).
"""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, chart, section
from resync_app.components.layout import operator_page
from resync_app.live.realtime import FeedRow, Kpi, RiskRow, WsTile
from resync_app.state.realtime import RealtimeState as S
from resync_app.components.client_call import call_js
from resync_app.components.event_notifier import critical_event_notifier

HEALTH_COLORS = {"healthy": "green", "degraded": "amber", "critical": "red"}
SEVERITY_COLORS = {"critical": "red", "warning": "amber", "info": "blue"}
WS_COLORS = {"linked": "green", "unlinked": "red", "offline": "gray"}
RISK_COLORS = {"high": "red", "potential": "amber", "normal": "green"}


def _color(value, mapping: dict[str, str], default: str = "gray"):
    return rx.match(value, *[(key, color) for key, color in mapping.items()], default)


def _banner() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.match(S.health, ("healthy", rx.icon("shield-check")),
                                 ("degraded", rx.icon("triangle-alert")), ("critical", rx.icon("octagon-alert")),
                                 rx.icon("loader"))),
        rx.callout.text(rx.text(S.health_text, weight="bold"), rx.cond(S.display_name != "", rx.text(
            S.display_name, size="1", color=MUTED))),
        color_scheme=_color(S.health, HEALTH_COLORS), width="100%", size="2", id="health-banner",
        data_health=S.health,
    )


def _marker() -> rx.Component:
    """When the tab last heard from the server, and since when the plan is stale (TWS unreachable)."""
    return rx.flex(
        rx.badge(rx.icon("refresh-cw", size=12), "updated ", S.updated, " UTC", color_scheme="gray",
                 variant="soft", id="updated-marker", data_updated=S.updated),
        rx.cond(S.as_of != "", rx.text("plan as of ", S.as_of, " UTC · every ", S.refresh_s, " s", size="1",
                                       color=MUTED)),
        rx.cond(S.stale_since != "", rx.badge(rx.icon("wifi-off", size=12), "stale since ", S.stale_since, " UTC",
                                              color_scheme="red", id="stale-marker")),
        gap="2", wrap="wrap", align="center",
    )


def _kpi(kpi: Kpi) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.text(kpi.label, size="1", weight="medium", color=MUTED, truncate=True),
                rx.text(kpi.value, size="6", weight="bold", data_kpi_value=kpi.key),
                spacing="1", min_width="0",
            ),
            size="2", width="100%", border_left=f"3px solid", border_left_color=rx.color(kpi.color, 9),
        ),
        href=kpi.href, underline="none", data_kpi=kpi.key, min_width="0",
    )


def _workstation(ws: WsTile) -> rx.Component:
    return rx.hstack(
        rx.box(width="0.6em", height="0.6em", border_radius="50%", flex_shrink="0",
               background=rx.color(_color(ws.state, WS_COLORS), 9)),
        rx.text(ws.name, size="2", weight="medium", truncate=True),
        rx.spacer(),
        rx.badge(ws.state, color_scheme=_color(ws.state, WS_COLORS), size="1"),
        align="center", spacing="2", padding="0.5em 0.75em", border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px", min_width="0", data_workstation=ws.name, data_link=ws.state,
    )


def _event(row: FeedRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.at, size="1", color=MUTED, font_family="monospace", flex_shrink="0"),
        rx.badge(row.severity, color_scheme=_color(row.severity, SEVERITY_COLORS), size="1", flex_shrink="0"),
        rx.text(row.message, size="2", min_width="0", style={"overflow_wrap": "anywhere"}),
        align="start", spacing="2", width="100%", padding_y="0.35em", border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_event_type=row.type, data_event_id=row.id,
    )


def _risk(row: RiskRow) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.hstack(rx.badge(row.risk, color_scheme=_color(row.risk, RISK_COLORS)),
                      rx.text(row.name, weight="bold", size="2", truncate=True), rx.spacer(),
                      rx.text(row.confidence, " by ", row.deadline, size="1", color=MUTED, white_space="nowrap"),
                      align="center", width="100%", spacing="2"),
            rx.text("threatened by ", row.threats, size="1", color=MUTED, style={"overflow_wrap": "anywhere"}),
            rx.cond(row.estimate != "", rx.text(row.estimate, size="1", data_estimate=row.name,
                                                style={"overflow_wrap": "anywhere"})),
            rx.cond(row.why != "", rx.text("why: ", row.why, size="1", color=MUTED, data_why=row.name,
                                           style={"overflow_wrap": "anywhere"})),
            spacing="1", width="100%", padding="0.5em 0.75em", border=f"1px solid {rx.color('gray', 5)}",
            border_radius="8px",
        ),
        href="/monitoring?filter=at_risk&job=" + row.id, underline="none", data_at_risk=row.name, width="100%",
    )


def _notifications_button() -> rx.Component:
    return rx.cond(S.notifications, rx.button(
        rx.icon("bell", size=14), "Notify me", size="1", variant="soft", id="enable-notifications",
        on_click=call_js("window.Notification && Notification.requestPermission()")))


def _instance_picker() -> rx.Component:
    return rx.cond(S.instance_names.length() > 1, rx.select(
        S.instance_names, value=S.instance_shown, on_change=S.pick_instance, size="1", id="instance-picker"))


def _content() -> rx.Component:
    return rx.vstack(
        rx.flex(_marker(), rx.spacer(), rx.hstack(_instance_picker(), _notifications_button(), spacing="2"),
                width="100%", wrap="wrap", gap="2", align="center"),
        _banner(),
        rx.grid(rx.foreach(S.kpis, _kpi), columns=rx.breakpoints(initial="2", sm="4", lg="7"), spacing="3",
                width="100%", id="kpi-grid"),
        rx.grid(
            section("Critical jobs at risk", "Least likely to meet their deadline first, with what threatens them.",
                    rx.cond(S.at_risk.length() > 0, rx.vstack(rx.foreach(S.at_risk, _risk), width="100%",
                                                              spacing="2"),
                            rx.text("No critical job at risk.", size="2", color=MUTED)), section_id="at-risk"),
            section("Workstations", "Link state as of the last poll.",
                    rx.grid(rx.foreach(S.workstations, _workstation), columns=rx.breakpoints(initial="1", sm="2"),
                            spacing="2", width="100%"), section_id="workstations"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%",
        ),
        rx.grid(
            section("Jobs per status today", "One point per 10 minutes (UTC).",
                    rx.box(chart(S.chart, "jobs-chart", height="280px"), width="100%", min_width="0")),
            section("Live events", "Newest first.", rx.vstack(rx.foreach(S.events, _event), spacing="0",
                                                               width="100%", id="event-feed"),
                    rx.cond(S.events.length() == 0, rx.text("No event yet.", size="2", color=MUTED))),
            columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%",
        ),
        width="100%", spacing="4", min_width="0",
    )


def realtime() -> rx.Component:
    """`tws_dashboard_theme` light / dark puts the dashboard in that Radix appearance (the `.light` / `.dark` class
    carries the colour tokens; `rx.theme` cannot take an appearance from a var); auto follows the app."""
    themed = S.theme != "inherit"
    return operator_page(
        "Real-time TWS dashboard",
        rx.box(_content(), critical_event_notifier(S.events, S.notifications), width="100%", on_mount=S.open, on_unmount=S.close, id="realtime-root",
               class_name=rx.cond(themed, S.theme, ""), data_theme=S.theme,
               background=rx.cond(themed, "var(--color-background)", "transparent"),
               color=rx.cond(themed, "var(--gray-12)", "inherit"), padding=rx.cond(themed, "0.75em", "0"),
               border_radius="var(--radius-4)"),
    )
