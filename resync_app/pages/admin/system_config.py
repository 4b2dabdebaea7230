"""/admin/system: the 61 settings by category, with inline errors, a diff to review, history and rollback.

The category tabs and the search filter the fields in the browser (client-side state: no server round trip per
click or keystroke); the server sends all the fields once, then only what an edit changes (state/system_config.py).
"""

from __future__ import annotations

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from resync_app.components.layout import admin_page
from resync_app.config.catalogue import CATEGORIES
from resync_app.state.system_config import CategoryTab, DiffRow, FieldRow, SystemConfigState, VersionRow

S = SystemConfigState
TAB = ClientStateVar.create("config_tab", default=CATEGORIES[0].name)  # the category shown
SEARCH = ClientStateVar.create("config_search", default="")  # the search text ("" = show the tab)


def _matches(row: FieldRow):
    """Whether the field's name or description contains the search text (used only while searching)."""
    needle = SEARCH.value.to(str).strip().lower()
    return row.name.lower().contains(needle) | row.description.lower().contains(needle)


# Which fields show is CSS on the list's data attributes: a tab click changes one attribute of one element, and
# React re-renders none of the 61 fields (issue 19: a tab switch within 50 ms).
_FILTER_STYLE = {
    "&[data-searching='no'] [data-category]": {"display": "none"},
    "&[data-searching='yes'] [data-match='no']": {"display": "none"},
    **{f"&[data-searching='no'][data-tab='{c.name}'] [data-category='{c.name}']": {"display": "block"}
       for c in CATEGORIES},
}


def _control(row: FieldRow) -> rx.Component:
    field_id = "field-" + row.name
    value = S.values[row.name]
    return rx.match(
        row.kind,
        ("bool", rx.switch(checked=value == "true", on_change=lambda checked: S.edit_bool(row.name, checked),
                           id=field_id)),
        ("select", rx.select(row.options, value=value, on_change=lambda choice: S.edit(row.name, choice),
                             id=field_id, width="16em", max_width="100%")),
        ("number", rx.input(value=value, type="number", min=row.min_value, max=row.max_value, step=row.step,
                            on_change=lambda typed: S.edit(row.name, typed), id=field_id, width="12em",
                            max_width="100%")),
        rx.input(value=value, on_change=lambda typed: S.edit(row.name, typed), id=field_id, width="24em",
                 max_width="100%"),
    )


def _field(row: FieldRow) -> rx.Component:
    error = S.errors[row.name].to(str)
    invalid = S.errors.contains(row.name)
    dirty = S.edited.contains(row.name)
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.code(row.name, size="2", weight="bold"),
                    rx.cond(row.requires_restart, rx.badge("restart", color_scheme="orange", size="1")),
                    rx.cond(row.restart_pending, rx.badge("restart required", color_scheme="red", size="1")),
                    rx.cond(dirty, rx.badge("edited", color_scheme="blue", size="1")),
                    align="center", spacing="2", wrap="wrap",
                ),
                rx.text(row.description, size="2", color_scheme="gray"),
                rx.text(
                    "Default ", rx.code(row.default, size="1"),
                    rx.cond(row.min_value != "", rx.fragment(" · range ", rx.code(row.min_value, size="1"), " – ",
                                                             rx.code(row.max_value, size="1"))),
                    size="1", color_scheme="gray",
                ),
                spacing="1", align="start", flex="1 1 16em", min_width="0",
            ),
            rx.vstack(
                _control(row),
                rx.cond(invalid, rx.text(error, color_scheme="red", size="1", id="error-" + row.name,
                                         max_width="24em")),
                rx.cond(dirty, rx.link("undo", size="1", on_click=S.discard(row.name), cursor="pointer")),
                align="end", spacing="1", max_width="100%", margin_left="auto",
            ),
            width="100%", align="start", spacing="4", wrap="wrap",
        ),
        padding="0.75em 1em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.cond(invalid, rx.color("red", 2), rx.cond(dirty, rx.color("blue", 2), "transparent")),
        width="100%",
        data_field=row.name,
        data_category=row.category,
        data_match=rx.cond(_matches(row), "yes", "no"),
    )


def _category_button(tab: CategoryTab) -> rx.Component:
    active = (TAB.value == tab.name) & (SEARCH.value.to(str) == "")
    return rx.button(
        tab.display_name,
        rx.badge(tab.count, variant="soft", size="1", radius="full"),
        rx.cond(tab.changed > 0, rx.badge(tab.changed, " edited", color_scheme="amber", variant="solid", size="1")),
        variant=rx.cond(active, "solid", "soft"),
        size="2",
        on_click=[SEARCH.set_value(""), TAB.set_value(tab.name)],
        id="cat-" + tab.name, data_active=rx.cond(active, "true", "false"),
    )


def _diff_row(row: DiffRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.name)),
        rx.table.cell(rx.text(row.old, color_scheme="gray")),
        rx.table.cell(rx.text("→")),
        rx.table.cell(rx.text(row.new, weight="bold")),
        rx.table.cell(rx.cond(row.requires_restart, rx.badge("after restart", color_scheme="orange"))),
    )


def _diff_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Pending changes", size="3"),
                rx.badge(S.diff.length(), id="diff-count"),
                rx.cond(S.error_count > 0, rx.badge(S.error_count, " invalid", color_scheme="red")),
                rx.spacer(),
                rx.button("Discard all", variant="soft", color_scheme="gray", on_click=S.discard(""),
                          disabled=(S.diff.length() == 0) & (S.error_count == 0)),
                rx.button(rx.icon("save", size=14), "Save ", S.diff.length(), " change(s)", on_click=S.save,
                          disabled=(S.diff.length() == 0) | (S.error_count > 0), id="save-config"),
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(
                S.diff.length() > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(rx.table.column_header_cell("Field"),
                                                 rx.table.column_header_cell("Saved"), rx.table.column_header_cell(""),
                                                 rx.table.column_header_cell("New"), rx.table.column_header_cell(""))),
                    rx.table.body(rx.foreach(S.diff, _diff_row)),
                    size="1", width="100%", id="config-diff",
                ),
                rx.text("No pending changes. Edit a field to review the difference here before saving.",
                        size="2", color_scheme="gray"),
            ),
            rx.cond(S.notice != "", rx.callout(S.notice, icon="triangle-alert", color_scheme="red", width="100%")),
            rx.text("Based on version ", rx.code(S.base_version, id="base-version"),
                    ". If someone else changes the same field first, saving is refused and you are asked to reload.",
                    size="1", color_scheme="gray"),
            width="100%", spacing="3",
        ),
        width="100%",
    )


def _restart_banner() -> rx.Component:
    return rx.cond(
        S.pending_restart.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("rotate-ccw")),
            rx.callout.text(
                rx.text("Restart required: these saved values take effect after the next restart.", weight="bold"),
                rx.foreach(S.pending_restart, lambda p: rx.text(
                    rx.code(p.name), " running ", rx.code(p.old), " → saved ", rx.code(p.new), size="2")),
            ),
            color_scheme="orange", width="100%", id="restart-banner",
        ),
    )


def _history_row(row: VersionRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.badge("v", row.version)),
        rx.table.cell(row.timestamp, white_space="nowrap"),
        rx.table.cell(row.actor),
        rx.table.cell(rx.cond(row.restored_from != "", rx.text("rollback to v", row.restored_from, ": ", size="2")),
                      rx.text(row.summary, size="2")),
        rx.table.cell(
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button("Roll back to this", size="1", variant="soft",
                                                  id="rollback-" + row.version.to_string())),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Roll back to version ", row.version, "?"),
                    rx.alert_dialog.description(
                        "The whole configuration becomes what it was at that version, saved as a new version."),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.alert_dialog.action(rx.button("Roll back", on_click=S.rollback(row.version),
                                                         id="confirm-rollback")),
                        justify="end", spacing="3", margin_top="1em",
                    ),
                ),
            ),
        ),
    )


def _history() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("History", size="3"),
                rx.spacer(),
                rx.alert_dialog.root(
                    rx.alert_dialog.trigger(rx.button(rx.icon("undo-2", size=14), "Restore defaults", size="1",
                                                      variant="soft", color_scheme="gray", id="rollback-0")),
                    rx.alert_dialog.content(
                        rx.alert_dialog.title("Restore the default configuration?"),
                        rx.alert_dialog.description(
                            "Every field gets its catalogue default (version 0), saved as a new version."),
                        rx.hstack(
                            rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                            rx.alert_dialog.action(rx.button("Restore defaults", on_click=S.rollback(0),
                                                             id="confirm-defaults")),
                            justify="end", spacing="3", margin_top="1em",
                        ),
                    ),
                ),
                width="100%", align="center",
            ),
            rx.text("Every saved version: who, when and what changed. Roll back to any of them in one click.",
                    size="2", color_scheme="gray"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Version", "When", "Who", "What", "")])),
                rx.table.body(rx.foreach(S.history, _history_row)),
                size="1", width="100%", id="config-history",
            ),
            width="100%",
        ),
        width="100%",
    )


def system_config() -> rx.Component:
    return admin_page(
        "System Configuration",
        rx.cond(S.remote_notice != "", rx.callout(S.remote_notice, icon="refresh-cw", color_scheme="blue",
                                                  width="100%", id="remote-notice")),
        _restart_banner(),
        rx.hstack(
            rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search fields by name or description",
                     value=SEARCH.value, on_change=SEARCH.set, width="28em", max_width="100%",
                     id="config-search"),
            rx.spacer(),
            width="100%",
        ),
        rx.flex(rx.foreach(S.categories, _category_button), wrap="wrap", spacing="2"),
        rx.flex(
            rx.card(rx.vstack(rx.foreach(S.rows, _field), spacing="0", width="100%", data_tab=TAB.value,
                              data_searching=rx.cond(SEARCH.value.to(str).strip() != "", "yes", "no"),
                              style=_FILTER_STYLE),
                    width="100%", flex="3", padding="0", id="config-fields"),
            rx.box(_diff_panel(), flex="2", width="100%", min_width=rx.breakpoints(initial="0", md="24em"),
                   position=rx.breakpoints(initial="static", md="sticky"), top="1em"),
            direction=rx.breakpoints(initial="column-reverse", md="row"),  # phones: the review (Save) first
            width="100%", align="start", spacing="4",
        ),
        _history(),
        subtitle="61 settings in 11 categories. Changes are validated, saved as a new version and audited.",
    )
