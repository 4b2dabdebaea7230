"""`/shift-report`: what happened on an instance in a time range and what the next shift inherits — totals, abends
and what they are now, operator actions, late / stuck / at-risk jobs, missed critical deadlines, what is still
open — every job linked to its /monitoring drawer, "Copy as Markdown" for a ticket or an e-mail, and the CSV.

Job names, users and statuses are text nodes (never HTML). The copy button writes the state's Markdown with the
browser's clipboard API from code compiled into the page (no server round trip, no `eval`).
"""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, stat_card
from resync_app.components.layout import operator_page
from resync_app.state import toast
from resync_app.state.shift_report import CUSTOM, TILES, Line, ShiftReportState as S

PRESET_LABELS = (("Last 8 h", "8"), ("12 h", "12"), ("24 h", "24"), ("Custom", CUSTOM))
TILE_ICONS = {"started": "play", "completed": "circle-check", "abended": "circle-x", "reruns": "rotate-ccw",
              "holds": "pause", "releases": "circle-play", "cancels": "ban", "late": "clock-alert",
              "stuck": "hourglass", "critical_missed": "alarm-clock-off", "critical_at_risk": "triangle-alert"}
TILE_COLORS = {"abended": "red", "completed": "green", "late": "amber", "stuck": "orange", "critical_missed": "crimson",
               "critical_at_risk": "crimson", "reruns": "violet"}


def _custom_range() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(type="datetime-local", value=S.from_text, on_change=S.set_from_text, id="range-from",
                     aria_label="From", size="2"),
            rx.text("→", color=MUTED),
            rx.input(type="datetime-local", value=S.to_text, on_change=S.set_to_text, id="range-to",
                     aria_label="To", size="2"),
            rx.button("Show", type="submit", size="2", id="range-apply"),
            gap="2", align="center", wrap="wrap",
        ),
        on_submit=S.apply_range, reset_on_submit=False,
    )


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.segmented_control.root(
                *[rx.segmented_control.item(label, value=value) for label, value in PRESET_LABELS],
                value=S.preset, on_change=S.set_preset, id="range-preset", size="2",
            ),
            rx.cond(S.instance_names.length() > 1, rx.select(
                S.instance_names, value=rx.cond(S.instance != "", S.instance, S.instance_names[0]),
                on_change=S.pick_instance, id="instance-picker")),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=S.refresh, id="refresh"),
            rx.button(rx.icon("clipboard-copy", size=14), "Copy as Markdown", variant="solid", id="copy-markdown",
                      disabled=S.markdown == "",
                      on_click=[rx.set_clipboard(S.markdown),
                                toast.success("The report is in the clipboard as Markdown.")]),
            rx.link(rx.button(rx.icon("download", size=14), "CSV", variant="soft"), href=S.csv_href,
                    id="download-csv", is_external=False),
            gap="2", wrap="wrap", align="center", width="100%",
        ),
        rx.cond(S.preset == CUSTOM, _custom_range()),
        rx.hstack(
            rx.icon("calendar-clock", size=14, color=MUTED),
            rx.text(S.window_label, size="1", color=MUTED, id="window-label"),
            rx.cond(S.as_of != "", rx.text("· plan as of ", S.as_of, size="1", color=MUTED)),
            align="center", spacing="1", wrap="wrap",
        ),
        rx.cond(S.stale_since != "", rx.callout(
            rx.text("TWS has not answered since ", S.stale_since, ": the plan may be out of date."),
            icon="triangle-alert", color_scheme="amber", size="1", width="100%")),
        width="100%", spacing="2",
    )


def _tiles() -> rx.Component:
    return rx.grid(
        *[rx.box(stat_card(label, S.totals[key], TILE_ICONS[key], value_id=f"total-{key.replace('_', '-')}",
                           color=TILE_COLORS.get(key, "indigo")), data_total=key) for key, label in TILES],
        columns=rx.breakpoints(initial="2", sm="3", md="4", lg="6"), spacing="3", width="100%", id="totals",
    )


def _job(line: Line) -> rx.Component:
    return rx.link(line.job, href=line.href, data_job_link=line.job_id, weight="medium", size="2",
                   style={"overflow_wrap": "anywhere"})


def _job_cell(line: Line) -> rx.Component:
    return rx.table.cell(_job(line), min_width="12em")


def _cell(value, **props) -> rx.Component:
    return rx.table.cell(rx.text(value, size="2"), **props)


def _table(section: str, headers: list[str], rows, row) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in headers])),
            rx.table.body(rx.foreach(rows, row)),
            # the table keeps readable columns; on a phone Radix's scroll area around it scrolls, not the page
            size="1", width="100%", style={"& .rt-TableRootTable": {"min_width": "48em"}},
        ),
        width="100%", overflow_x="auto", max_width="100%", id=f"section-{section}-table",
    )


def _section(section: str, title: str, hint: str, headers: list[str], rows, row, empty: str) -> rx.Component:
    more = S.more[section]
    return rx.vstack(
        rx.hstack(rx.heading(title, size="4"), rx.badge(S.counts[section], variant="soft", id=f"count-{section}"),
                  align="center", spacing="2"),
        rx.text(hint, size="1", color=MUTED),
        rx.cond(rows.length() > 0, _table(section, headers, rows, row),
                rx.text(empty, size="2", color=MUTED, id=f"section-{section}-empty")),
        rx.cond(more > 0, rx.text("…and ", more, " more: the CSV lists up to 500 a section.", size="1",
                                  color=MUTED)),
        width="100%", min_width="0", spacing="2", id=f"section-{section}",
    )


def _abended(line: Line) -> rx.Component:
    return rx.table.row(_cell(line.when, white_space="nowrap"), _job_cell(line), _cell(line.stream),
                        _cell(line.workstation), _cell(line.detail), _cell(line.now), data_row=line.job_id)


def _action(line: Line) -> rx.Component:
    return rx.table.row(_cell(line.when, white_space="nowrap"), _cell(line.user), _cell(line.action),
                        _job_cell(line), _cell(line.detail), _cell(line.now), data_row=line.job_id)


def _flagged(line: Line) -> rx.Component:
    return rx.table.row(_cell(line.when, white_space="nowrap"), _job_cell(line), _cell(line.stream),
                        _cell(line.workstation), _cell(line.detail), _cell(line.now), data_row=line.job_id)


def _missed(line: Line) -> rx.Component:
    return rx.table.row(_cell(line.when, white_space="nowrap"), _job_cell(line), _cell(line.stream),
                        _cell(line.workstation), _cell(line.detail, white_space="nowrap"), _cell(line.now),
                        data_row=line.job_id)


def _open(line: Line) -> rx.Component:
    return rx.table.row(_job_cell(line), _cell(line.stream), _cell(line.workstation), _cell(line.now),
                        _cell(line.detail), data_row=line.job_id)


def _sections() -> rx.Component:
    return rx.vstack(
        _section("abended", "Abended", "Each abend in the range, and what the job is now.",
                 ["At", "Job", "Stream", "Workstation", "RC", "Now"], S.abended, _abended, "Nothing abended."),
        _section("actions", "Operator actions", "Reruns, holds, releases and cancels: who, and with what result.",
                 ["At", "User", "Action", "Job", "Result", "Job now"], S.actions, _action, "No operator action."),
        _section("late", "Late, stuck or at risk", "Jobs flagged late, stuck or at risk of missing their "
                 "deadline in the range (first flag), and what they are now.",
                 ["First flagged", "Job", "Stream", "Workstation", "Flagged", "Now"], S.late, _flagged,
                 "Nothing was late, stuck or at risk."),
        _section("missed", "Critical jobs that missed their deadline", "Deadline in the range, passed, and no "
                 "successful end by it.", ["Deadline", "Job", "Stream", "Workstation", "Ended", "Now"], S.missed,
                 _missed, "No critical deadline was missed."),
        _section("open", "Still open now", "What the next shift inherits: abended, stuck, late or critical and "
                 "at risk now, or held by an operator and not released.",
                 ["Job", "Stream", "Workstation", "Status", "Why"], S.open_jobs, _open, "Nothing is open."),
        width="100%", min_width="0", spacing="6",
    )


def shift_report() -> rx.Component:
    return operator_page(
        "Shift report",
        _toolbar(),
        rx.cond(S.message != "", rx.callout(S.message, icon="info", color_scheme="gray", width="100%",
                                            id="report-message")),
        rx.cond(S.loaded, rx.vstack(
            _tiles(),
            rx.cond(~S.users_shown & (S.actions.length() > 0),
                    rx.text("Sign in to see who did each action.", size="1", color=MUTED, id="users-hidden")),
            _sections(), width="100%", min_width="0", spacing="5")),
    )
