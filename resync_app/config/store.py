"""The System Configuration store: versioned, validated, audited, applied live.

Each accepted change set is a new version (1, 2, …; version 0 is the catalogue defaults) that records only
the fields it changed. The saved configuration is the newest value of each field. Fields without the
restart flag are applied to the running process at once (listeners are told); restart-flagged fields keep
the value this process started with until it restarts (`pending_restart`).

Writers are serialised by a process lock and, across processes, by the version number itself: two writers
that read the same head both try to insert head+1 and the loser retries on fresh data. Validation and the
`base_version` conflict check run inside that retry loop, on the data the new version will sit on.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from resync_app.audit.service import record as audit_record
from resync_app.config.catalogue import FIELDS, defaults
from resync_app.config.models import ConfigAudit, ConfigValue, ConfigVersion
from resync_app.config.validation import check_cross_field, coerce, FieldError, validate_batch
from resync_app.db import session_scope
from resync_app.events import feed

logger = logging.getLogger("resync.config")
TOPIC = "config"
_MAX_ATTEMPTS = 25
_UNSET = object()


class UnknownVersion(LookupError):
    """A version number that does not exist."""


@dataclass
class UpdateResult:
    """Outcome of an update or rollback; `status` is the HTTP status the API answers with."""

    status: int
    success: bool
    updated_fields: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    requires_restart: bool = False
    version: int = 0
    message: str = ""
    restored_from: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "success": self.success,
            "updated_fields": self.updated_fields,
            "requires_restart": self.requires_restart,
            "errors": self.errors,
            "message": self.message,
            "version": self.version,
        }
        if self.restored_from is not None:
            data["restored_from"] = self.restored_from
        return data


def _dump(value: Any) -> str:
    return json.dumps(value)


def _saved_at(db: Session, version: int | None = None) -> tuple[int, dict[str, Any]]:
    """(head version, saved configuration) as of `version` (default: the newest)."""
    head = db.exec(select(func.max(ConfigVersion.id))).one() or 0
    upto = head if version is None else version
    latest = (
        select(ConfigValue.field, func.max(ConfigValue.version_id).label("v"))
        .where(ConfigValue.version_id <= upto)
        .group_by(ConfigValue.field)
        .subquery()
    )
    rows = db.exec(
        select(ConfigValue.field, ConfigValue.value_json).join(
            latest, (ConfigValue.field == latest.c.field) & (ConfigValue.version_id == latest.c.v)
        )
    ).all()
    config = defaults()
    for name, raw in rows:
        if name in FIELDS:
            config[name] = json.loads(raw)
    return head, config


class ConfigStore:
    """Process-wide view of the configuration with the write path."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._saved: dict[str, Any] = defaults()
        self._running: dict[str, Any] = defaults()
        self._version = 0
        self._loaded = False
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self._option_source: Callable[[], Mapping[str, Iterable[str]]] | None = None

    # ---- reading ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the saved configuration; on the first load it also becomes the running one."""
        with session_scope() as db:
            head, saved = _saved_at(db)
        with self._lock:
            first = not self._loaded
            self._version, self._saved, self._loaded = head, saved, True
            if first:
                self._running = dict(saved)
        if first:
            feed.subscribe(TOPIC, self._on_feed)

    def _on_feed(self, payload: Any) -> None:
        """Another worker saved a version: read it. Our own publishes carry a version we already applied."""
        if isinstance(payload, dict) and isinstance(payload.get("version"), int) and payload["version"] <= self._version:
            return
        self.refresh()

    def refresh(self) -> None:
        """Pick up versions written by another process and apply them live."""
        with session_scope() as db:
            head, saved = _saved_at(db)
        if head != self._version:
            self._apply(head, saved)

    def get(self, name: str) -> Any:
        """The value the running process uses."""
        return self._running[name]

    def running(self) -> dict[str, Any]:
        return dict(self._running)

    def saved(self) -> dict[str, Any]:
        return dict(self._saved)

    @property
    def version(self) -> int:
        return self._version

    def on_change(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """`listener({field: new running value})` runs after each change that affects the running app."""
        self._listeners.append(listener)

    def set_option_source(self, source: Callable[[], Mapping[str, Iterable[str]]]) -> None:
        """Extra accepted options per field (the models the configured providers serve)."""
        self._option_source = source

    def extra_options(self) -> Mapping[str, Iterable[str]]:
        return self._option_source() if self._option_source else {}

    def pending_restart(self) -> list[dict[str, Any]]:
        """Restart-only fields whose saved value differs from the value this process started with."""
        return [
            {"name": name, "running_value": self._running[name], "saved_value": self._saved[name]}
            for name, spec in FIELDS.items()
            if spec.requires_restart and self._running[name] != self._saved[name]
        ]

    # ---- writing ---------------------------------------------------------------------------------

    def update(self, updates: Any, actor: str, base_version: Any = None, client: str = "") -> UpdateResult:
        """Validate and store a batch: all or nothing. See CONTRACT §5 for the answers."""
        if not isinstance(updates, Mapping) or not updates:
            return UpdateResult(422, False, errors={"updates": "send a non-empty object of {field: value}"},
                                message="Nothing to update.", version=self._version)
        if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)
                                         or base_version < 0):
            return UpdateResult(422, False, errors={"base_version": "must be a version number (0 or more)"},
                                message="Invalid base_version.", version=self._version)
        return self._write(lambda db, head, saved: self._plan_update(db, head, saved, updates, base_version),
                           actor, client)

    def rollback(self, version: Any, actor: str, client: str = "") -> UpdateResult:
        """Restore the whole configuration as it was at `version`, as a new audited version."""
        if isinstance(version, bool) or not isinstance(version, int):
            return UpdateResult(422, False, errors={"version": "must be a version number"},
                                message="Invalid version.", version=self._version)
        return self._write(lambda db, head, saved: self._plan_rollback(db, head, saved, version), actor, client)

    def _plan_update(self, db: Session, head: int, saved: dict, updates: Mapping, base_version: int | None):
        if base_version is not None and base_version > head:
            return UpdateResult(422, False, errors={"base_version": f"must be at most the current version {head}"},
                                message="Invalid base_version.", version=head)
        values, errors = validate_batch(updates, saved, self.extra_options())
        if errors:
            return UpdateResult(422, False, errors=errors, version=head,
                                message=f"{len(errors)} field(s) are invalid; nothing was changed.")
        if base_version is not None:
            conflicts = self._conflicts(db, list(values), base_version)
            if conflicts:
                return UpdateResult(409, False, errors=conflicts, version=head,
                                    message="The configuration changed since you loaded it; nothing was changed.")
        changes = {name: value for name, value in values.items() if saved[name] != value}
        return changes, None

    def _plan_rollback(self, db: Session, head: int, saved: dict, version: int):
        if version < 0 or version > head:
            raise UnknownVersion(f"version {version} does not exist (the newest is {head})")
        _, target = _saved_at(db, version)
        errors = check_cross_field(target, batch=target)
        if errors:  # cannot happen for data this store wrote; refuse rather than store a broken config
            return UpdateResult(422, False, errors=errors, version=head, message="That version is not valid.")
        changes = {name: value for name, value in target.items() if saved[name] != value}
        return changes, version

    @staticmethod
    def _conflicts(db: Session, names: list[str], base_version: int) -> dict[str, str]:
        rows = db.exec(
            select(ConfigValue.field, ConfigVersion.actor, ConfigVersion.created_at, ConfigValue.version_id)
            .join(ConfigVersion, ConfigVersion.id == ConfigValue.version_id)
            .where(col(ConfigValue.field).in_(names), ConfigValue.version_id > base_version)
            .order_by(col(ConfigValue.version_id))
        ).all()
        return {name: f"changed by {actor} at {created.isoformat()} (version {v}); reload"
                for name, actor, created, v in rows}

    def _write(self, plan, actor: str, client: str) -> UpdateResult:
        """Run `plan` on fresh data and store its changes as version head+1, retrying if another writer won."""
        with self._write_lock:
            for attempt in range(_MAX_ATTEMPTS):
                try:
                    with session_scope() as db:
                        head, saved = _saved_at(db)
                        planned = plan(db, head, saved)
                        if isinstance(planned, UpdateResult):
                            return planned
                        changes, restored_from = planned
                        if not changes:
                            result = UpdateResult(200, True, version=head, restored_from=restored_from,
                                                  message="No change: every value was already current.")
                            break
                        version = head + 1
                        self._store(db, version, changes, saved, actor, client, restored_from)
                    restart = any(FIELDS[name].requires_restart for name in changes)
                    result = UpdateResult(
                        200, True, updated_fields=list(changes), requires_restart=restart, version=version,
                        restored_from=restored_from,
                        message=(f"Saved {len(changes)} field(s) as version {version}."
                                 + (" Some take effect after a restart." if restart else "")),
                    )
                    saved.update(changes)
                    self._apply(version, saved)
                    feed.publish(TOPIC, {"version": version})
                    return result
                except (IntegrityError, OperationalError) as exc:
                    if attempt == _MAX_ATTEMPTS - 1:
                        raise
                    logger.debug("configuration write collided (%s); retrying", type(exc).__name__)
                    time.sleep(0.01 * (attempt + 1))
            return result

    @staticmethod
    def _store(db: Session, version: int, changes: dict, saved: dict, actor: str, client: str,
               restored_from: int | None) -> None:
        db.add(ConfigVersion(id=version, actor=actor, restored_from=restored_from))
        db.flush()  # the version row first: a concurrent writer collides here, before anything else
        for name, value in changes.items():
            db.add(ConfigValue(version_id=version, field=name, value_json=_dump(value)))
            db.add(ConfigAudit(actor=actor, field=name, old_value=_dump(saved[name]), new_value=_dump(value),
                               version=version))
        detail: dict[str, Any] = {"version": version, "fields": {n: [saved[n], v] for n, v in changes.items()}}
        if restored_from is not None:
            detail["restored_from"] = restored_from
        audit_record(actor, "config.rollback" if restored_from is not None else "config.update",
                     target="system-config", detail=detail, client=client, session=db)

    def _apply(self, version: int, saved: dict[str, Any]) -> None:
        """Make a new saved configuration current; apply the live fields and tell listeners."""
        with self._lock:
            if version < self._version:
                return
            self._version, self._saved = version, dict(saved)
            live = {name: value for name, value in saved.items()
                    if not FIELDS[name].requires_restart and self._running.get(name, _UNSET) != value}
            self._running.update(live)
        if live:
            logger.info("configuration version %s applied: %s", version, ", ".join(sorted(live)))
            for listener in list(self._listeners):
                try:
                    listener(live)
                except Exception:
                    logger.exception("configuration listener failed")

    # ---- history ---------------------------------------------------------------------------------

    def audit(self, limit: int = 100) -> list[dict[str, Any]]:
        """Per-field changes, newest first."""
        limit = max(1, min(int(limit), 1000))
        with session_scope() as db:
            rows = db.exec(select(ConfigAudit).order_by(col(ConfigAudit.id).desc()).limit(limit)).all()
        return [
            {"id": r.id, "timestamp": r.timestamp.isoformat(), "actor": r.actor, "field": r.field,
             "old_value": json.loads(r.old_value), "new_value": json.loads(r.new_value), "version": r.version}
            for r in rows
        ]

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        """Versions, newest first, each with who, when and which fields it changed (old → new)."""
        limit = max(1, min(int(limit), 500))
        with session_scope() as db:
            versions = db.exec(select(ConfigVersion).order_by(col(ConfigVersion.id).desc()).limit(limit)).all()
            ids = [v.id for v in versions]
            changes = db.exec(select(ConfigAudit).where(col(ConfigAudit.version).in_(ids))).all() if ids else []
        by_version: dict[int, list[dict[str, Any]]] = {}
        for change in changes:
            by_version.setdefault(change.version, []).append(
                {"field": change.field, "old_value": json.loads(change.old_value),
                 "new_value": json.loads(change.new_value)})
        return [
            {"version": v.id, "timestamp": v.created_at.isoformat(), "actor": v.actor,
             "restored_from": v.restored_from, "changes": sorted(by_version.get(v.id, []), key=lambda c: c["field"])}
            for v in versions
        ]

    # ---- first start -----------------------------------------------------------------------------

    def seed_from_environment(self, environ: Mapping[str, str] | None = None) -> UpdateResult | None:
        """On the very first start only, store values given as environment variables (field name in upper
        case, e.g. LOG_LEVEL=DEBUG) as version 1. Later starts never let the environment override a saved
        value; a differing variable is reported in the log instead."""
        environ = os.environ if environ is None else environ
        given = {name: environ[name.upper()] for name in FIELDS if name.upper() in environ}
        if not given:
            return None
        if self._version > 0:
            for name, raw in given.items():
                try:
                    value = coerce(FIELDS[name], raw, self.extra_options().get(name, ()))
                except FieldError:
                    value = _UNSET
                if value != self._saved[name]:
                    logger.warning("environment variable %s is ignored: the saved configuration (version %s) "
                                   "sets %s; change it in System Configuration", name.upper(), self._version, name)
            return None
        values, errors = validate_batch(given, self._saved, self.extra_options())
        for name, message in errors.items():
            logger.error("environment variable %s ignored: %s", name.upper(), message)
        valid = {name: given[name] for name in values if name not in errors}
        if not valid:
            return None
        result = self._write(lambda db, head, saved: self._plan_seed(head, saved, valid), "environment", "")
        with self._lock:  # seeded values are what this process starts with
            self._running.update({n: self._saved[n] for n in valid})
        return result

    def _plan_seed(self, head: int, saved: dict, valid: dict):
        if head > 0:  # another process seeded first
            return UpdateResult(200, True, version=head, message="already seeded")
        values, errors = validate_batch(valid, saved, self.extra_options())
        if errors:
            return UpdateResult(422, False, errors=errors, version=head)
        return {n: v for n, v in values.items() if saved[n] != v}, None


_store: ConfigStore | None = None
_store_lock = threading.Lock()


def get_store() -> ConfigStore:
    """The process-wide store (loaded on first use)."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                store = ConfigStore()
                store.load()
                _store = store
    return _store


def setting(name: str) -> Any:
    """The running value of one configuration field (what the services read)."""
    return get_store().get(name)


def reset_store() -> None:
    """Forget the process-wide store (tests simulate a restart with this)."""
    global _store
    with _store_lock:
        if _store is not None:
            feed.unsubscribe(TOPIC, _store._on_feed)
        _store = None
