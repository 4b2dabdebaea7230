"""Audit log view for admins (reads the audit service; paginated, small state)."""

from __future__ import annotations

import json

import reflex as rx

from resync_app.audit.service import recent
from resync_app.state.guard import admin_event

PAGE_SIZE = 50


class AuditState(rx.State):
    """The newest audit entries, one page at a time."""

    rows: list[dict[str, str]] = []
    action_filter: str = ""

    @rx.event
    @admin_event
    def set_action_filter(self, value: str):
        self.action_filter = value[:64]

    @rx.event
    @admin_event
    def load(self):
        entries = recent(PAGE_SIZE, self.action_filter.strip() or None)
        self.rows = [
            {
                "id": str(e["id"]),
                "timestamp": e["timestamp"][:19].replace("T", " ") + " UTC",
                "actor": e["actor"],
                "action": e["action"],
                "target": e["target"],
                "detail": json.dumps(e["detail"], sort_keys=True)[:160] if e["detail"] else "",
                "client": e["client"],
            }
            for e in entries
        ]
