"""System Configuration page state: edit, review the diff, save as one batch, history and rollback.

Every rule (coercion, ranges, cross-field checks, versions, audit) is the config store's; this state only
holds what the page shows. Pending edits are kept as the raw text typed; each is checked with the same
validator on change, so errors show next to the field before saving.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from resync_app.config.catalogue import CATEGORIES, FIELDS
from resync_app.config.store import UnknownVersion, get_store
from resync_app.config.validation import FieldError, coerce
from resync_app.config.views import all_categories
from resync_app.events import feed
from resync_app.state.guard import acting_admin, admin_event, admin_watch, refresh_stops
from resync_app.state.socket_client import client_address

WATCH_TIMEOUT_S = 20.0


@dataclasses.dataclass
class FieldRow:
    name: str = ""
    category: str = ""
    kind: str = "text"  # bool | select | number | text
    description: str = ""
    value: str = ""
    saved: str = ""
    default: str = ""
    min_value: str = ""
    max_value: str = ""
    step: str = "1"
    options: list[str] = dataclasses.field(default_factory=list)
    requires_restart: bool = False
    restart_pending: bool = False
    error: str = ""
    dirty: bool = False


@dataclasses.dataclass
class CategoryTab:
    name: str = ""
    display_name: str = ""
    description: str = ""
    count: int = 0
    changed: int = 0


@dataclasses.dataclass
class DiffRow:
    name: str = ""
    old: str = ""
    new: str = ""
    requires_restart: bool = False


@dataclasses.dataclass
class VersionRow:
    version: int = 0
    timestamp: str = ""
    actor: str = ""
    summary: str = ""
    restored_from: str = ""


def show(value: Any) -> str:
    """How a value is displayed and edited (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _kind(spec) -> str:
    if spec.type == "bool":
        return "bool"
    if spec.options:
        return "select"
    return "number" if spec.type in ("int", "float") else "text"


class SystemConfigState(rx.State):
    """What the System Configuration page shows for one admin's tab."""

    rows: list[FieldRow] = []
    categories: list[CategoryTab] = []
    diff: list[DiffRow] = []
    pending_restart: list[DiffRow] = []
    history: list[VersionRow] = []
    active_category: str = CATEGORIES[0].name
    search: str = ""
    base_version: int = 0
    error_count: int = 0
    notice: str = ""
    remote_notice: str = ""
    _saved: dict[str, Any] = {}
    _edits: dict[str, str] = {}
    _errors: dict[str, str] = {}
    _catalogue: dict[str, dict[str, Any]] = {}
    _watch_id: int = 0

    # ---- loading ---------------------------------------------------------------------------------

    def _load_from_store(self) -> None:
        store = get_store()
        views = all_categories(store)
        self._catalogue = {f["name"]: f for c in views for f in c["fields"]}
        self._saved = {name: view["value"] for name, view in self._catalogue.items()}
        self.base_version = store.version
        pending = store.pending_restart()
        self.pending_restart = [DiffRow(p["name"], show(p["running_value"]), show(p["saved_value"]), True)
                                for p in pending]
        self.history = [
            VersionRow(
                version=h["version"], timestamp=h["timestamp"][:19].replace("T", " ") + " UTC", actor=h["actor"],
                summary=", ".join(f"{c['field']}: {show(c['old_value'])} → {show(c['new_value'])}"
                                  for c in h["changes"])[:300],
                restored_from="" if h["restored_from"] is None else str(h["restored_from"]),
            )
            for h in store.history(25)
        ]
        for name in list(self._edits):  # an edit that now equals the saved value is no longer pending
            self._check(name)
        self._rebuild()

    def _check(self, name: str) -> None:
        """Validate one pending edit with the store's validator; drop it if it equals the saved value."""
        raw = self._edits[name]
        self._errors.pop(name, None)
        try:
            value = coerce(FIELDS[name], raw, get_store().extra_options().get(name, ()))
        except FieldError as exc:
            self._errors[name] = str(exc)
            return
        if value == self._saved[name]:
            del self._edits[name]

    def _rebuild(self) -> None:
        pending_names = {p.name for p in self.pending_restart}
        needle = self.search.strip().lower()
        rows = []
        for name, view in self._catalogue.items():
            if needle:
                if needle not in name.lower() and needle not in view["description"].lower():
                    continue
            elif view["category"] != self.active_category:
                continue
            rows.append(FieldRow(
                name=name, category=view["category"], kind=_kind(FIELDS[name]), description=view["description"],
                value=self._edits.get(name, show(self._saved[name])), saved=show(self._saved[name]),
                default=show(view["default"]), min_value=show(view["min_value"]), max_value=show(view["max_value"]),
                step="1" if view["type"] == "int" else "any", options=list(view["options"] or []),
                requires_restart=view["requires_restart"], restart_pending=name in pending_names,
                error=self._errors.get(name, ""), dirty=name in self._edits,
            ))
        self.rows = rows
        counts: dict[str, int] = {}
        changed: dict[str, int] = {}
        for name, view in self._catalogue.items():
            counts[view["category"]] = counts.get(view["category"], 0) + 1
            if name in self._edits:
                changed[view["category"]] = changed.get(view["category"], 0) + 1
        self.categories = [CategoryTab(c.name, c.display_name, c.description, counts.get(c.name, 0),
                                       changed.get(c.name, 0)) for c in CATEGORIES]
        self.diff = [DiffRow(name, show(self._saved[name]), raw, FIELDS[name].requires_restart)
                     for name, raw in self._edits.items() if name not in self._errors]
        self.error_count = len(self._errors)

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: read the configuration and start watching for changes made elsewhere."""
        self._load_from_store()
        self.notice = self.remote_notice = ""
        self._watch_id += 1
        return SystemConfigState.watch_changes(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch_changes(self, watch_id: int):
        """Refresh the page when another admin (or process) saves a new version; stops when superseded."""
        seen = feed.seq("config")
        while True:
            seen = await feed.wait_for("config", seen, WATCH_TIMEOUT_S)
            async with self:
                if self._watch_id != watch_id or await refresh_stops(self, "system-config"):
                    return
                path = self.router.url.path.rstrip("/")
                if path != "/admin/system":
                    return
                store = get_store()  # already refreshed by its own feed listener, which runs before waiters wake
                if store.version != self.base_version:
                    before = self.base_version
                    self._load_from_store()
                    self.remote_notice = f"The configuration changed (version {before} → {store.version}); " \
                                         "the page shows the new values. Your pending edits are kept."

    # ---- editing ---------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def set_search(self, value: str):
        self.search = value[:100]
        self._rebuild()

    @rx.event
    @admin_event
    def select_category(self, name: str):
        if name in {c.name for c in CATEGORIES}:
            self.active_category = name
            self.search = ""
            self._rebuild()

    @rx.event
    @admin_event
    def edit(self, name: str, raw: str):
        """A text, number or select control changed: keep the raw value, validate it, refresh the diff."""
        if name in FIELDS:
            self._edits[name] = str(raw)[:2048]
            self._check(name)
            self._rebuild()

    @rx.event
    @admin_event
    def edit_bool(self, name: str, checked: bool):
        """A switch changed."""
        if name in FIELDS:
            self._edits[name] = show(bool(checked))
            self._check(name)
            self._rebuild()

    @rx.event
    @admin_event
    def discard(self, name: str = ""):
        """Drop one pending edit (or all when no name is given)."""
        if name:
            self._edits.pop(name, None)
            self._errors.pop(name, None)
        else:
            self._edits, self._errors = {}, {}
        self.notice = ""
        self._rebuild()

    @rx.event
    @admin_event
    def save(self):
        """Send every pending edit as one batch, based on the version this page loaded."""
        if not self._edits:
            return rx.toast.info("Nothing to save.")
        updates = {name: self._edits[name] for name in self._edits}
        result = get_store().update(updates, acting_admin().username, base_version=self.base_version,
                                    client=client_address(self))
        if not result.success:
            self._errors.update(result.errors)
            self._rebuild()
            self.notice = result.message
            return rx.toast.error(result.message)
        self._edits, self._errors = {}, {}
        self._load_from_store()
        self.notice = self.remote_notice = ""
        return rx.toast.success(result.message)

    @rx.event
    @admin_event
    def rollback(self, version: int):
        """Restore the configuration of an earlier version (a new version)."""
        try:
            result = get_store().rollback(int(version), acting_admin().username, client=client_address(self))
        except (UnknownVersion, ValueError, TypeError) as exc:
            return rx.toast.error(str(exc))
        self._load_from_store()
        if not result.success:
            return rx.toast.error(result.message)
        if not result.updated_fields:
            return rx.toast.info(f"Nothing to restore: the configuration already equals version {version}.")
        return rx.toast.success(f"Restored version {version} as version {result.version}.")
