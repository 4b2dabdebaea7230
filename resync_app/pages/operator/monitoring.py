"""`/monitoring`: the current plan's jobs — search, status chips with counts, sortable columns, 50 per page, failed /
stuck / late / at-risk rows highlighted (and those waiting on an operator: PEND, FENCE, …), and a drawer per job
(dependencies, history, log, deadline threats, and the actions for a signed-in operator). The table scrolls inside
its own box on a phone; the page never scrolls sideways.
"""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, fact
from resync_app.components.layout import operator_page
from resync_app.state.monitoring import Chip, DepRow, JobRow, MonitoringState as S, RunRow, ThreatRow
from resync_app.tws.statuses import BADGE_COLORS

COLUMNS = (("status", "Status"), ("job", "Job"), ("stream", "Stream"), ("workstation", "Workstation"),
           ("start", "Start"), ("duration", "Duration"), ("return_code", "RC"))
FLAG_COLORS = {"abend": "red", "stuck": "orange", "late": "amber", "risk": "crimson", "attention": "yellow"}
FLAG_TEXT = {"abend": "failed", "risk": "at risk", "attention": "needs an operator"}  # else the flag itself
STATUS_COLORS = BADGE_COLORS  # every status of tws/statuses.py: failed red, running blue, done green, …
ACTION_BUTTONS = (("rerun", "Rerun", "rotate-ccw"), ("hold", "Hold", "pause"), ("release", "Release", "play"),
                  ("cancel", "Cancel", "x"))


def _match(value, mapping: dict[str, str], default: str = "gray"):
    return rx.match(value, *mapping.items(), default)


def _chip(chip: Chip) -> rx.Component:
    active = S.filter == chip.key
    return rx.button(chip.label, rx.badge(chip.count, variant=rx.cond(active, "surface", "soft"), size="1"),
                     size="1", variant=rx.cond(active, "solid", "soft"), on_click=S.set_filter(chip.key),
                     data_chip=chip.key, data_active=rx.cond(active, "true", "false"), radius="full")


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.form(
                rx.hstack(rx.input(rx.input.slot(rx.icon("search", size=14)), value=S.search,
                                   on_change=S.set_search, placeholder="Job, stream, workstation or id",
                                   name="q", id="job-search", width="100%", max_length=200),
                          rx.button("Search", type="submit", size="2"), width="100%", spacing="2"),
                on_submit=S.apply_search, reset_on_submit=False, flex="1 1 18em", min_width="0"),
            rx.cond(S.instance_names.length() > 1, rx.select(
                S.instance_names, value=S.instance_shown, on_change=S.pick_instance, id="instance-picker")),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=S.refresh, id="refresh"),
            gap="2", wrap="wrap", width="100%", align="center",
        ),
        rx.flex(rx.foreach(S.chips, _chip), gap="2", wrap="wrap", id="status-chips"),
        rx.cond(S.as_of != "", rx.text("Plan as of ", S.as_of, " UTC", size="1", color=MUTED)),
        width="100%", spacing="2",
    )


def _header(key: str, label: str) -> rx.Component:
    arrow = rx.cond(S.sort == key, rx.cond(S.descending, " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        rx.button(label, arrow, variant="ghost", size="1", on_click=S.sort_by(key), data_sort=key,
                  data_sorted=rx.cond(S.sort == key, rx.cond(S.descending, "desc", "asc"), "")),
        white_space="nowrap")


def _open_button(label, job_id, **props) -> rx.Component:
    """A job name that opens its drawer (a button: a link would navigate, and navigating re-runs the page load).
    On the text's baseline and in the row's font size: Radix puts buttons at the top of the line, in a smaller font."""
    return rx.button(label, on_click=S.open_job(job_id), variant="ghost", size="1",
                     style={"padding": "0 0.25em", "height": "auto", "text_align": "left", "vertical_align": "baseline",
                            "font_size": "inherit"}, **props)


def _row(row: JobRow) -> rx.Component:
    flagged = row.flag != ""
    return rx.table.row(
        rx.table.cell(rx.badge(row.status, color_scheme=_match(row.status, STATUS_COLORS)),
                      rx.cond(flagged, rx.badge(_match(row.flag, FLAG_TEXT, row.flag),
                                                color_scheme=_match(row.flag, FLAG_COLORS), variant="outline",
                                                margin_left="0.3em"))),
        rx.table.cell(_open_button(row.name, row.id, data_open_job=row.id)),
        rx.table.cell(row.job_stream),
        rx.table.cell(row.workstation),
        rx.table.cell(row.start, white_space="nowrap"),
        rx.table.cell(row.duration, white_space="nowrap"),
        rx.table.cell(row.return_code),
        background=rx.cond(flagged, rx.color(_match(row.flag, FLAG_COLORS), 3), "transparent"),
        data_job=row.name, data_status=row.status, data_flag=row.flag,
    )


def _table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[_header(k, label) for k, label in COLUMNS])),
            rx.table.body(rx.foreach(S.rows, _row)),
            size="1", width="100%", id="jobs-table",
        ),
        width="100%", overflow_x="auto", max_width="100%",
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.text(S.page_label, size="2", color=MUTED, id="page-label"),
        rx.spacer(),
        rx.hstack(
            rx.icon_button(rx.icon("chevrons-left", size=14), on_click=S.go_to(0), disabled=S.page == 0,
                           variant="soft", size="1", aria_label="First page", id="page-first"),
            rx.button("Previous", on_click=S.go_to(S.page - 1), disabled=S.page == 0, variant="soft", size="1",
                      id="page-prev"),
            rx.text("Page ", S.page + 1, " / ", S.last_page + 1, size="2", white_space="nowrap"),
            rx.button("Next", on_click=S.go_to(S.page + 1), disabled=S.page >= S.last_page, variant="soft", size="1",
                      id="page-next"),
            rx.icon_button(rx.icon("chevrons-right", size=14), on_click=S.go_to(S.last_page),
                           disabled=S.page >= S.last_page, variant="soft", size="1", aria_label="Last page",
                           id="page-last"),
            spacing="2", align="center",
        ),
        width="100%", align="center", wrap="wrap", gap="2",
    )


# ---- the drawer ------------------------------------------------------------------------------------------

def _dep(row: DepRow) -> rx.Component:
    """A predecessor or successor: a job (opens its drawer) or a whole job stream (lists its jobs)."""
    stream = row.kind == "stream"
    return rx.hstack(rx.badge(row.status, color_scheme=_match(row.status, STATUS_COLORS), size="1"),
                     rx.cond(stream, rx.badge("job stream", variant="outline", size="1"), rx.fragment()),
                     rx.cond(stream,
                             rx.button(row.name, on_click=S.show_stream(row.name), variant="ghost", size="1",
                                       style={"padding": "0 0.25em", "height": "auto", "text_align": "left"}),
                             _open_button(row.name, row.id)),
                     rx.text(row.where, size="1", color=MUTED), spacing="2", align="center", data_dep=row.name,
                     data_dep_kind=row.kind)


def _run(row: RunRow) -> rx.Component:
    return rx.hstack(rx.badge(row.status, color_scheme=_match(row.status, STATUS_COLORS), size="1"),
                     rx.text("#", row.run, " ", row.start, " · ", row.duration, " · RC ", row.return_code, size="1"),
                     spacing="2", align="center")


def _threat(row: ThreatRow) -> rx.Component:
    return rx.vstack(rx.hstack(rx.text(row.name, weight="bold", size="2"), rx.badge(row.status, size="1"),
                               rx.text(row.slack, size="1", color=MUTED), spacing="2", align="center"),
                     rx.text(row.reason, size="1", color=MUTED), spacing="0", data_threat=row.name)


def _block(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(rx.heading(title, size="3"), *children, spacing="2", width="100%")


def _actions() -> rx.Component:
    return rx.cond(
        S.can_act,
        _block("Actions", rx.flex(*[rx.button(rx.icon(icon, size=14), label, size="2", variant="soft",
                                              on_click=S.act(key), data_action=key)
                                    for key, label, icon in ACTION_BUTTONS], gap="2", wrap="wrap"),
               rx.cond(S.action_result != "", rx.text(S.action_result, size="2", id="action-result"))),
        rx.text("Sign in as an operator to rerun, hold, release or cancel this job.", size="2", color=MUTED,
                id="actions-signed-out"),
    )


def _drawer() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(rx.dialog.title(S.job.name, margin="0"), rx.spacer(),
                          rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Close",
                                                         id="drawer-close")), width="100%", align="center"),
                rx.dialog.description(S.job.job_stream, " on ", S.job.workstation, size="2", color=MUTED),
                rx.hstack(rx.badge(S.job.status, color_scheme=_match(S.job.status, STATUS_COLORS), size="2"),
                          rx.cond(S.job.flag != "", rx.badge(_match(S.job.flag, FLAG_TEXT, S.job.flag),
                                                             color_scheme=_match(S.job.flag, FLAG_COLORS))),
                          spacing="2"),
                rx.vstack(rx.foreach(S.job_facts, lambda item: fact(item[0], item[1])), spacing="1", width="100%"),
                _actions(),
                rx.cond(S.threat_text != "", _block("Deadline", rx.text(S.threat_text, size="2"),
                                                    rx.foreach(S.threat_rows, _threat))),
                rx.cond(S.estimate_why.length() > 0, _block("Why it may be late", rx.foreach(
                    S.estimate_why, lambda cause: rx.text(cause, size="2", data_why=cause)))),
                _block("Predecessors", rx.cond(S.predecessors.length() > 0, rx.foreach(S.predecessors, _dep),
                                               rx.text("None known.", size="2", color=MUTED))),
                _block("Successors", rx.cond(S.successors.length() > 0, rx.foreach(S.successors, _dep),
                                             rx.text("None in the plan.", size="2", color=MUTED))),
                _block("History", rx.cond(S.history.length() > 0, rx.foreach(S.history, _run),
                                          rx.text("No finished run recorded.", size="2", color=MUTED))),
                _block("Log", rx.cond(S.log_note != "", rx.text(S.log_note, size="1", color=MUTED)),
                       rx.cond(S.log_text != "", rx.box(S.log_text, white_space="pre-wrap", font_family="monospace",
                                                         font_size="12px", width="100%", max_height="20em",
                                                         overflow_y="auto", padding="0.5em", id="job-log",
                                                         background=rx.color("gray", 3), border_radius="6px"))),
                spacing="4", width="100%",
            ),
            id="job-drawer", style=_PANEL, data_job=S.job.name,
        ),
        open=S.drawer_open, on_open_change=S.set_drawer,
    )


_PANEL = {key: f"{value} !important" for key, value in {
    "position": "fixed", "top": "0", "right": "0", "bottom": "0", "left": "auto", "width": "min(34em, 100vw)",
    "max_width": "100vw", "height": "100dvh", "max_height": "100dvh", "margin": "0", "border_radius": "0",
    "overflow_y": "auto", "overflow_x": "hidden"}.items()}


def monitoring() -> rx.Component:
    return operator_page(
        "Job monitoring",
        rx.cond(S.message != "", rx.callout(S.message, icon="info", color_scheme="gray", width="100%")),
        _toolbar(),
        _table(),
        _pager(),
        _drawer(),
    )
