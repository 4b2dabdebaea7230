"""TWS Configuration page state: the instances, the primary one, Test connection, and each instance's last poll.

Every rule is the service's (`tws.instances`: validation, encryption, audit; `tws.service.test_instance`). The edit
form is submitted by the browser itself over HTTP with the session cookie (`POST /api/v1/ui/tws/instances`), so the
password typed there never travels through the websocket; `saved` receives only the outcome (errors per field, never
the password). No password, not even a hint, is ever in this state.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from resync_app.state import toast
from resync_app.state.guard import acting_admin, admin_event, admin_watch, follow
from resync_app.state.proactive import fmt_time
from resync_app.state.socket_client import client_address
from resync_app.audit.service import record as audit_record
from resync_app.tws import instances, queries, service
from resync_app.tws.instance_config import TwsConfigInvalid, UnknownInstance
from resync_app.tws.poll_store import SNAPSHOT_TOPIC

ROUTE = "/admin/tws"
NEW = "__new__"
WATCH_TIMEOUT_S = 15.0
MIN_REFRESH_S = 2.0


@dataclasses.dataclass
class InstanceCard:
    name: str = ""
    display_name: str = ""
    base_url: str = ""
    username: str = ""
    login_saved: bool = False  # a password is stored (never the password itself)
    verify_tls: bool = True
    enabled: bool = True
    read_only: bool = False
    primary: bool = False
    health: str = ""
    as_of: str = ""
    stale_since: str = ""
    jobs: int = 0
    testing: bool = False
    test_ran: bool = False
    test_ok: bool = False
    test_text: str = ""


def _test_text(result: dict[str, Any]) -> str:
    if result.get("success"):
        info = result.get("engine_info") or {}
        version = info.get("fullVersion") or info.get("displayVersion") or "unknown version"
        zone = info.get("timezone")
        return f"Connected in {result['latency_ms']:.0f} ms — HWA {version}" + (f", time zone {zone}" if zone else "")
    latency = f" after {result['latency_ms']:.0f} ms" if result.get("latency_ms") is not None else ""
    return f"{result.get('error_class', 'failed').capitalize()}{latency}: {result.get('error', '')}"


class TwsConfigState(rx.State):
    """One admin tab of /admin/tws."""

    instances: list[InstanceCard] = []
    primary: str = ""
    editing: str = ""
    form_errors: dict[str, str] = {}
    form_message: str = ""
    _watch_id: int = 0

    @rx.var
    def editing_new(self) -> bool:
        return self.editing == NEW

    @rx.var
    def edited(self) -> InstanceCard:
        """The instance in the edit dialog (empty for a new one)."""
        for card in self.instances:
            if card.name == self.editing:
                return card
        return InstanceCard()

    def _load(self) -> None:
        config = instances.public_config()
        overview = {row["name"]: row for row in queries.instances_overview()}
        tests = {card.name: card for card in self.instances}
        self.primary = config["primary_instance"] or ""
        cards = []
        for data in config["instances"]:
            summary = overview.get(data["name"], {})
            previous = tests.get(data["name"])
            card = InstanceCard(
                name=data["name"], display_name=data["display_name"], base_url=data["base_url"],
                username=data["username"], login_saved=data["password_set"], verify_tls=data["verify_tls"],
                enabled=data["enabled"], read_only=data["read_only"], primary=data["name"] == self.primary,
                health=summary.get("health", "") if summary.get("as_of") else "not polled yet",
                as_of=fmt_time(summary.get("as_of")) if summary.get("as_of") else "",
                stale_since=fmt_time(summary.get("stale_since")) if summary.get("stale_since") else "")
            if previous is not None:
                card.testing, card.test_ran = previous.testing, previous.test_ran
                card.test_ok, card.test_text = previous.test_ok, previous.test_text
            cards.append(card)
        self.instances = cards

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: the instances and the live refresh (another admin's change, each poll's outcome)."""
        self.editing = ""
        self.form_errors, self.form_message = {}, ""
        self._load()
        self._watch_id += 1
        return TwsConfigState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch(self, watch_id: int):
        await follow(self, watch_id, ROUTE, SNAPSHOT_TOPIC, lambda: self._load(), timeout_s=WATCH_TIMEOUT_S,
                     min_interval_s=MIN_REFRESH_S)

    # ---- the edit dialog ---------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def open_editor(self, name: str, is_open: bool = True):
        self.editing = (name if name == NEW or any(c.name == name for c in self.instances) else "") if is_open \
            else ""
        self.form_errors, self.form_message = {}, ""

    @rx.event
    @admin_event
    def saved(self, outcome: dict[str, Any]):
        """The outcome of the form's HTTP POST (the password never comes through here)."""
        if not isinstance(outcome, dict):
            return None
        if outcome.get("ok"):
            name = str(outcome.get("name", ""))[:64]
            self.editing, self.form_errors, self.form_message = "", {}, ""
            self._load()
            return toast.success(f"TWS instance {name} saved.")
        errors = outcome.get("errors") if isinstance(outcome.get("errors"), dict) else {}
        self.form_errors = {str(k)[:40]: str(v)[:300] for k, v in list(errors.items())[:20]}
        self.form_message = str(outcome.get("message") or "The instance was not saved.")[:400]
        return None

    # ---- actions on one instance -------------------------------------------------------------------------

    @rx.event
    @admin_event
    def set_primary(self, name: str):
        try:
            instances.set_primary(name, acting_admin().username, client_address(self))
        except UnknownInstance as exc:
            return toast.error(str(exc))
        self._load()
        return toast.success(f"{name} is now the primary instance.")

    @rx.event
    @admin_event
    def set_enabled(self, name: str, enabled: bool):
        try:
            instances.update_instance(name, {"enabled": bool(enabled)}, acting_admin().username,
                                      client_address(self))
        except (UnknownInstance, TwsConfigInvalid) as exc:
            return toast.error(str(exc))
        self._load()
        return toast.success(f"{name} {'enabled: it will be polled' if enabled else 'disabled'}.")

    @rx.event
    @admin_event
    def delete(self, name: str):
        try:
            instances.delete_instance(name, acting_admin().username, client_address(self))
        except UnknownInstance as exc:
            return toast.error(str(exc))
        self._load()
        return toast.success(f"TWS instance {name} removed.")

    @rx.event(background=True)
    @admin_event
    async def test(self, name: str):
        """Test connection: engine info and latency, or the error class in words."""
        admin = acting_admin().username
        async with self:
            client = client_address(self)
            for card in self.instances:
                if card.name == name:
                    card.testing, card.test_ran = True, False
            self.instances = list(self.instances)
        try:
            result = await service.test_instance(name)
        except UnknownInstance as exc:
            result = {"success": False, "error": str(exc), "error_class": "unknown instance", "latency_ms": None}
        audit_record(admin, "tws.instance.test", name, {"success": result["success"],
                                                        "error_kind": result.get("error_kind")}, client)
        async with self:
            for card in self.instances:
                if card.name == name:
                    card.testing, card.test_ran = False, True
                    card.test_ok, card.test_text = bool(result["success"]), _test_text(result)[:600]
            self.instances = list(self.instances)
