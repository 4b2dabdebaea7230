"""/admin: overview of the admin area with the latest audit entries."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import ADMIN_NAV, admin_page
from resync_app.pages.admin.audit import audit_table
from resync_app.state.audit import AuditState


def home() -> rx.Component:
    cards = [
        rx.link(rx.card(rx.hstack(rx.icon(icon), rx.text(label, weight="medium"), align="center")),
                href=href, underline="none")
        for _section, links in ADMIN_NAV for label, href, icon in links
    ]
    return admin_page(
        "Administration",
        rx.grid(*cards, columns=rx.breakpoints(initial="2", sm="3", lg="4"), spacing="3", width="100%"),
        rx.heading("Recent activity", size="4"),
        audit_table(AuditState.rows),
        subtitle="Configure Resync and watch its health. Operators use the dashboards without signing in.",
    )
