"""/admin/audit: the general audit log (sign-ins, failures, lockouts and every admin change)."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page
from resync_app.state.audit import AuditState


def _row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["timestamp"], white_space="nowrap"),
        rx.table.cell(row["actor"]),
        rx.table.cell(rx.badge(row["action"])),
        rx.table.cell(row["target"]),
        rx.table.cell(rx.code(row["detail"], size="1"), min_width="20em"),  # a phone scrolls it; rows stay short
        rx.table.cell(row["client"]),
    )


def audit_table(rows) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("When", "Actor", "Action", "Target", "Detail", "Client")])),
        rx.table.body(rx.foreach(rows, _row)),
        width="100%",
        size="1",
        id="audit-table",
    )


def audit() -> rx.Component:
    return admin_page(
        "Audit log",
        rx.hstack(
            rx.input(placeholder="Filter by action prefix (e.g. login, config)", value=AuditState.action_filter,
                     on_change=AuditState.set_action_filter, width="100%", max_width="24em"),
            rx.button("Apply", on_click=AuditState.load),
            width="100%",
        ),
        audit_table(AuditState.rows),
        subtitle="Newest first; secrets are never written here.",
    )
