"""/admin/proactive: each instance's poller (state, leader worker, last poll, errors, start / stop / poll now) and the
TWS event stream, live, with filters, search and pages."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED
from resync_app.components.layout import admin_page
from resync_app.notify import SEVERITIES, TWS_EVENT_TYPES
from resync_app.state.proactive import ALL, RANGE_LABELS, EventRow, IncidentRow, PollerCard, ProactiveState as S

STATE_COLORS = (("polling", "blue"), ("waiting", "green"), ("backoff", "red"), ("paused", "amber"),
                ("disabled", "gray"))


def _health(value) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, ("healthy", "green"), ("degraded", "amber"),
                                                 ("critical", "red"), "gray"), data_health=value)


def _figure(label: str, value, color: str = "gray") -> rx.Component:
    return rx.vstack(rx.text(value, size="4", weight="bold", color=rx.color(color, 11)),
                     rx.text(label, size="1", color=MUTED), spacing="0", align="center", min_width="4.5em")


def _fact(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, size="1", color=MUTED, min_width="7em"), rx.text(value, size="1"), spacing="2")


def _poller_card(card: PollerCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("radar", size=18, color=rx.color("indigo", 11)),
                rx.heading(card.display_name, size="4"),
                rx.code(card.instance, size="1", variant="ghost"),
                rx.badge(card.state, color_scheme=rx.match(card.state, *STATE_COLORS, "gray"), variant="soft",
                         data_state=card.state),
                _health(card.health),
                rx.spacer(),
                rx.cond(card.paused,
                        rx.button(rx.icon("play", size=14), "Start", size="1",
                                  on_click=S.command(card.instance, "start"), data_action="start"),
                        rx.button(rx.icon("pause", size=14), "Stop", size="1", variant="soft", color_scheme="amber",
                                  on_click=S.command(card.instance, "stop"), data_action="stop")),
                rx.button(rx.icon("refresh-cw", size=14), "Poll now", size="1", variant="soft",
                          on_click=S.command(card.instance, "poll"), data_action="poll-now"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(card.stale, rx.callout(rx.text("Stale since ", card.stale_since, " — TWS does not answer; the "
                                                   "poller backs off and retries by itself."),
                                           icon="cloud-off", color_scheme="red", size="1", width="100%",
                                           data_stale="true")),
            rx.hstack(
                rx.vstack(
                    _fact("Leader worker", card.leader),
                    _fact("Last poll", rx.text(card.last_poll, " (", card.last_poll_ms, ")")),
                    _fact("Next poll", card.next_poll),
                    _fact("Interval", rx.text(card.interval, " · ", card.mode)),
                    _fact("Polls", rx.text(card.polls, " (", card.poll_errors, " failed)")),
                    spacing="1",
                ),
                rx.spacer(),
                rx.hstack(_figure("running", card.running, "blue"), _figure("failed", card.failed, "red"),
                          _figure("stuck", card.stuck, "amber"), _figure("late", card.late, "amber"),
                          _figure("at risk", card.at_risk, "red"), _figure("jobs", card.total),
                          spacing="3", wrap="wrap"),
                width="100%", align="start", wrap="wrap",
            ),
            rx.cond(card.last_error != "",
                    rx.text(rx.icon("triangle-alert", size=12), " Last error (", card.last_error_at, "): ",
                            card.last_error, size="1", color=rx.color("red", 11), data_error="poll")),
            spacing="2", width="100%",
        ),
        width="100%",
        custom_attrs={"data-poller": card.instance},
    )


def _select(options: list[str], value, on_change, label: str, testid: str, labels: dict | None = None):
    return rx.vstack(
        rx.text(label, size="1", color=MUTED),
        rx.select.root(
            rx.select.trigger(min_width="9em", data_filter=testid),
            rx.select.content(*[rx.select.item((labels or {}).get(o, o), value=o) for o in options]),
            value=value, on_change=on_change, size="1",
        ),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        _select([ALL, *SEVERITIES], S.severity, S.set_severity, "Severity", "severity"),
        _select([ALL, *TWS_EVENT_TYPES], S.event_type, S.set_event_type, "Type", "type"),
        rx.vstack(
            rx.text("Instance", size="1", color=MUTED),
            rx.select.root(
                rx.select.trigger(min_width="9em", data_filter="instance"),
                rx.select.content(rx.select.item(ALL, value=ALL),
                                  rx.foreach(S.instance_names, lambda n: rx.select.item(n, value=n))),
                value=S.instance, on_change=S.set_instance, size="1",
            ),
            spacing="1",
        ),
        _select(list(RANGE_LABELS), S.time_range, S.set_time_range, "Time range", "range", RANGE_LABELS),
        rx.form(
            rx.hstack(rx.input(placeholder="Search messages, jobs, workstations", value=S.search,
                               on_change=S.set_search, size="1", width="18em", data_filter="search"),
                      rx.button(rx.icon("search", size=12), "Search", size="1", type="submit"),
                      spacing="2"),
            on_submit=S.apply_search,
        ),
        spacing="3", wrap="wrap", align="end", width="100%",
    )


def _event_row(row: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.at, white_space="nowrap"),
        rx.table.cell(rx.badge(row.severity, color_scheme=rx.match(row.severity, ("critical", "red"),
                                                                    ("warning", "amber"), "gray"))),
        rx.table.cell(rx.vstack(
            rx.code(row.type, size="1"),
            rx.cond(row.incident_id > 0,
                    rx.button(rx.icon("layers", size=11), "incident #", row.incident_id, size="1", variant="ghost",
                              on_click=S.show_incident(row.incident_id), data_action="show-incident",
                              data_incident=row.incident_id)),
            spacing="1", align="start")),
        rx.table.cell(row.instance),
        rx.table.cell(rx.cond(row.job != "", row.job, row.workstation)),
        rx.table.cell(row.message),
        custom_attrs={"data-event-type": row.type, "data-event-id": row.id},
    )


def _severity(value) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, ("critical", "red"), ("warning", "amber"), "gray"))


def _incident_row(row: IncidentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text("#", row.id, size="1", color=MUTED)),
        rx.table.cell(_severity(row.severity)),
        rx.table.cell(rx.text(row.title, weight="medium")),
        rx.table.cell(rx.text(row.instance, " · ", row.cause, size="1")),
        rx.table.cell(row.events),
        rx.table.cell(rx.text(row.first, " → ", row.last, size="1", white_space="nowrap")),
        rx.table.cell(rx.button("Events", size="1", variant="soft", on_click=S.show_incident(row.id),
                                data_action="show-incident")),
        custom_attrs={"data-incident-id": row.id},
    )


def _incidents() -> rx.Component:
    """The latest incidents in the selected range: events of one cause, grouped (`teams_incident_window_seconds`)."""
    return rx.vstack(
        rx.hstack(rx.icon("layers", size=16, color=rx.color("indigo", 11)), rx.text("Incidents", weight="bold"),
                  rx.text("events of one workstation, job stream or instance, grouped", size="1", color=MUTED),
                  rx.spacer(),
                  rx.cond(S.incident != 0,
                          rx.badge("showing the events of incident #", S.incident, " ",
                                   rx.icon("x", size=12, on_click=S.show_incident(0), cursor="pointer",
                                           data_action="clear-incident"),
                                   color_scheme="indigo", id="incident-filter")),
                  width="100%", align="center"),
        rx.cond(S.incidents.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("", "Severity", "Incident", "Where", "Events", "When", "")])),
                    rx.table.body(rx.foreach(S.incidents, _incident_row)),
                    width="100%", size="1", id="incidents-table"),
                rx.text("No incident in this range.", size="1", color=MUTED, id="incidents-empty")),
        width="100%", spacing="2",
    )


def _events() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Event stream", size="4"), rx.spacer(),
                      rx.text("live · updated ", S.updated, size="1", color=MUTED, id="events-updated"),
                      width="100%", align="center"),
            _filters(),
            _incidents(),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("When", "Severity", "Type", "Instance", "Job / workstation",
                                                "Message")])),
                rx.table.body(rx.foreach(S.events, _event_row)),
                width="100%", size="1", id="events-table",
            ),
            rx.cond(S.events.length() == 0, rx.text("No event matches.", size="2", color=MUTED, id="events-empty")),
            rx.hstack(
                rx.button(rx.icon("chevron-left", size=14), "Newer", size="1", variant="soft", on_click=S.prev_page,
                          disabled=~S.has_prev, data_action="prev-page"),
                rx.text(S.page_label, size="1", color=MUTED, id="events-page"),
                rx.button("Older", rx.icon("chevron-right", size=14), size="1", variant="soft", on_click=S.next_page,
                          disabled=~S.has_next, data_action="next-page"),
                spacing="3", align="center", justify="end", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def proactive() -> rx.Component:
    return admin_page(
        "Proactive Monitoring",
        rx.cond(S.pollers.length() == 0,
                rx.callout("No TWS instance is configured: add one on the TWS Configuration page.", icon="info",
                           width="100%")),
        rx.vstack(rx.foreach(S.pollers, _poller_card), width="100%", spacing="3", id="pollers"),
        _events(),
        subtitle="One poller per instance for the whole deployment; its events, live.",
    )
