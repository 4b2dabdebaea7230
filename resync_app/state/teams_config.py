"""Teams Configuration page state: the settings, the test card and the recent deliveries.

The rules are `resync_app.teams`'s. The page saves through the browser-only route `PUT /api/v1/ui/teams-config`
(session cookie): the webhook URL typed in the page travels there over HTTP and never through the websocket; this
state only receives the outcome (field errors, never the URL) and holds the URL's mask.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from resync_app.config.store import setting
from resync_app.db import utcnow
from resync_app.state.guard import acting_admin, admin_event, admin_watch, follow
from resync_app.state.formatting import when
from resync_app.state.socket_client import client_address
from resync_app.teams import config as teams_config
from resync_app.teams import outbox
from resync_app.teams import service as teams

ROUTE = "/admin/teams"
PAGE_SIZE = 10
WATCH_TIMEOUT_S = 15.0
MIN_REFRESH_S = 1.0


@dataclasses.dataclass
class DeliveryRow:
    id: int = 0
    time: str = ""
    title: str = ""
    kind: str = ""
    event_type: str = ""
    status: str = ""
    attempts: int = 0
    code: str = ""
    error: str = ""
    retry_at: str = ""


class TeamsConfigState(rx.State):
    """What the Teams Configuration page shows for one admin's tab."""

    # settings (the URL itself never: only its mask)
    enabled: bool = False
    destination_hint: str = ""
    destination_set: bool = False
    channel_name: str = ""
    bot_name: str = "Resync"
    avatar_url: str = ""
    enable_conversation_learning: bool = False
    enable_job_notifications: bool = True
    instances_text: str = ""
    status_filters: list[str] = []
    notification_types: list[str] = []
    incident_window: str = "120"
    updated: str = ""
    tws_switch_on: bool = False
    form_key: int = 0
    errors: dict[str, str] = {}
    save_error: str = ""

    # test card
    test_running: bool = False
    test_ran: bool = False
    test_ok: bool = False
    test_status: str = ""
    test_error: str = ""

    # deliveries
    deliveries: list[DeliveryRow] = []
    delivery_count: int = 0
    delivery_page: int = 0
    delivery_pages: int = 1
    sent_24h: int = 0
    failed_24h: int = 0
    waiting: int = 0
    held: int = 0
    not_sent: int = 0
    unconfirmed: int = 0
    hold_minutes: int = 60
    last_delivery: str = ""
    refreshed_at: str = ""

    _watch_id: int = 0

    # ---- loading ---------------------------------------------------------------------------------

    def _load_config(self) -> None:
        view = teams_config.view()
        self.enabled = view["enabled"]
        self.destination_hint = view["webhook_url"]
        self.destination_set = view["webhook_configured"]
        self.channel_name = view["channel_name"]
        self.bot_name = view["bot_name"]
        self.avatar_url = view["avatar_url"]
        self.enable_conversation_learning = view["enable_conversation_learning"]
        self.enable_job_notifications = view["enable_job_notifications"]
        self.instances_text = ", ".join(view["monitored_tws_instances"])
        self.status_filters = list(view["job_status_filters"])
        self.notification_types = list(view["notification_types"])
        self.incident_window = str(view["teams_incident_window_seconds"])
        self.updated = (f"Last saved by {view['updated_by']} {when(view['updated_at'])}" if view["updated_at"]
                        else "Never saved: these are the defaults.")
        self.tws_switch_on = bool(setting("tws_teams_notifications_enabled"))
        self.form_key += 1  # the form's inputs are uncontrolled: remount them with the saved values

    def _load_deliveries(self) -> None:
        listed = outbox.deliveries(PAGE_SIZE, self.delivery_page * PAGE_SIZE)
        self.delivery_count = int(listed["count"])
        self.delivery_pages = max(1, -(-self.delivery_count // PAGE_SIZE))
        if self.delivery_page >= self.delivery_pages:
            self.delivery_page = self.delivery_pages - 1
            listed = outbox.deliveries(PAGE_SIZE, self.delivery_page * PAGE_SIZE)
        self.deliveries = [DeliveryRow(
            id=r["id"], time=when(r["created_at"]), title=r["title"], kind=r["kind"], event_type=r["event_type"],
            status=r["status"], attempts=r["attempts"], code="" if r["status_code"] is None else str(r["status_code"]),
            error=r["error"] or "",
            retry_at=when(r["next_attempt_at"]) if r["next_attempt_at"] and r["attempts"] else "")
            for r in listed["results"]]
        stats = teams.status()
        self.sent_24h, self.failed_24h, self.waiting = stats["sent_24h"], stats["failed_24h"], stats["waiting"]
        self.held, self.not_sent, self.unconfirmed = stats["held"], stats["not_sent"], stats["unconfirmed_24h"]
        self.hold_minutes = stats["hold_while_off_minutes"]
        last = stats["last_delivery"]
        self.last_delivery = (f"{last['status']} {when(last['at'])}" if last else "none yet")
        self.refreshed_at = when(utcnow().isoformat())

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: the settings, the deliveries, and the live refresh of the deliveries."""
        self.errors, self.save_error, self.test_ran = {}, "", False
        self.delivery_page = 0
        self._load_config()
        self._load_deliveries()
        self._watch_id += 1
        return TeamsConfigState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch(self, watch_id: int):
        """Refresh the deliveries when cards are queued or sent (or every 15 s) while this tab shows the page;
        stops when it leaves, disconnects or its session ends (and never extends the session)."""
        await follow(self, watch_id, ROUTE, teams_config.TOPIC, lambda: self._load_deliveries(),
                     timeout_s=WATCH_TIMEOUT_S, min_interval_s=MIN_REFRESH_S)

    # ---- saving (the HTTP route did the work; this is its outcome) -------------------------------

    @rx.event
    @admin_event
    def after_save(self, outcome: dict[str, Any]):
        """The page's script PUT the form to /api/v1/ui/teams-config and hands over the outcome here."""
        outcome = outcome if isinstance(outcome, dict) else {}
        if outcome.get("status") == "saved":
            self.errors, self.save_error = {}, ""
            self._load_config()
            self._load_deliveries()
            return rx.toast.success("Teams settings saved.")
        errors = outcome.get("errors") if isinstance(outcome.get("errors"), dict) else {}
        self.errors = {str(k)[:64]: str(v)[:400] for k, v in list(errors.items())[:20]}
        self.save_error = str(outcome.get("message") or "The settings were not saved.")[:400]
        return rx.toast.error(self.save_error)

    # ---- the test card ---------------------------------------------------------------------------

    @rx.event(background=True)
    @admin_event
    async def send_test(self):
        """Post one test card with the saved settings and show the outcome."""
        actor = acting_admin().username
        async with self:
            if self.test_running:
                return
            self.test_running, self.test_ran = True, False
            client = client_address(self)
        result = await asyncio.to_thread(teams.send_test, actor, client)
        async with self:
            self.test_running, self.test_ran = False, True
            self.test_ok = bool(result["success"])
            self.test_status = "" if result["status_code"] is None else f"HTTP {result['status_code']}"
            self.test_error = str(result["error"] or "")[:400]
            self._load_deliveries()

    # ---- deliveries ------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def next_page(self):
        if self.delivery_page + 1 < self.delivery_pages:
            self.delivery_page += 1
        self._load_deliveries()

    @rx.event
    @admin_event
    def previous_page(self):
        self.delivery_page = max(0, self.delivery_page - 1)
        self._load_deliveries()

    @rx.event
    @admin_event
    def refresh(self):
        self._load_deliveries()
