"""The TWS instance configuration: validation, the all-or-nothing write path, encrypted passwords, audit.

Shape (CONTRACT §7): `{primary_instance, instances:[{name, display_name, base_url, username, password, verify_tls,
enabled, read_only}]}`. The password is write-only: stored encrypted with `secrets_box`, answered as a mask; a
write that omits it, sends null, "" or the mask keeps the stored one, unless the same write moves `base_url` or
`username`: a stored password never follows a new address or account (422, CONTRACT §11). A PUT of the whole
configuration lists every instance (absent ones are removed; omitted fields of an existing instance keep their
value). Any bad field → one `TwsConfigInvalid` with a message per field and nothing changed. Every change bumps
`tws_settings.version`, is audited in the general audit log (the password as "changed") and is published on the
feed (topic `tws.config`) so every worker, and the poller wherever it runs, picks it up.

The instance type and errors are `instance_config.py`, the validation `instance_checks.py`; this module reads
and writes the configuration.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from resync_app import secrets_box
from resync_app.audit.service import record as audit_record
from resync_app.db import session_scope, utcnow
from resync_app.events import feed
from resync_app.tws.incarnation import new_incarnation
from resync_app.tws.instance_checks import EDITABLE, check_instance, plan_config, unchanged
from resync_app.tws.instance_config import InstanceConfig, InstanceExists, TwsConfigInvalid, UnknownInstance, config_of
from resync_app.tws.models import TwsInstance, TwsPlanJob, TwsPollerControl, TwsSettings, TwsSummary, TwsWorkstation

logger = logging.getLogger("resync.tws.config")

TOPIC = "tws.config"
_MAX_ATTEMPTS = 10


# ---- reading ----------------------------------------------------------------------------------------


def _settings_row(db: Session) -> TwsSettings:
    row = db.get(TwsSettings, 1)
    if row is None:
        row = TwsSettings(id=1)
        db.add(row)
        db.flush()
    return row


def list_instances(enabled_only: bool = False) -> list[InstanceConfig]:
    """Every configured instance, in the admin's order."""
    with session_scope() as db:
        query = select(TwsInstance).order_by(TwsInstance.position, TwsInstance.id)
        if enabled_only:
            query = query.where(TwsInstance.enabled == True)  # noqa: E712
        return [config_of(row) for row in db.exec(query)]


def get_instance(name: str) -> InstanceConfig:
    with session_scope() as db:
        row = db.exec(select(TwsInstance).where(TwsInstance.name == name)).first()
        if row is None:
            raise UnknownInstance(name)
        return config_of(row)


def config_version() -> int:
    with session_scope() as db:
        row = db.get(TwsSettings, 1)
        return row.version if row else 0


def primary_instance() -> str | None:
    """The primary instance's name (the one operator pages show first), or the first instance if none is set."""
    with session_scope() as db:
        row = db.get(TwsSettings, 1)
        if row is not None and row.primary_instance:
            return row.primary_instance
        first = db.exec(select(TwsInstance.name).order_by(TwsInstance.position, TwsInstance.id)).first()
        return first


def public_config() -> dict[str, Any]:
    """`GET /api/v1/admin/tws-config`."""
    with session_scope() as db:
        settings = db.get(TwsSettings, 1)
        rows = db.exec(select(TwsInstance).order_by(TwsInstance.position, TwsInstance.id)).all()
        return {
            "primary_instance": settings.primary_instance if settings else None,
            "instances": [config_of(row).public() for row in rows],
            "version": settings.version if settings else 0,
        }



# ---- writing ----------------------------------------------------------------------------------------


def _apply(desired: list[dict[str, Any]], primary: str | None, actor: str, client: str,
           *, expected_version: int, remove_missing: bool = True) -> tuple[int, list[str]]:
    """Write the desired instances in one transaction; returns (new version, changed names). Raises
    `_Conflict` if someone else wrote meanwhile (the caller re-plans on fresh data)."""
    changed: list[str] = []
    now = utcnow()
    with session_scope() as db:
        settings = _settings_row(db)
        if settings.version != expected_version:
            raise _Conflict()
        rows = {row.name: row for row in db.exec(select(TwsInstance))}
        for position, item in enumerate(desired):
            row = rows.pop(item["name"], None)
            detail: dict[str, Any] = {}
            if row is None:
                row = TwsInstance(name=item["name"], base_url=item["base_url"], username=item["username"],
                                  created_at=now)
                detail = {key: item[key] for key in EDITABLE}
                action = "tws.instance.create"
            else:
                action = "tws.instance.update"
                for key in EDITABLE:
                    if getattr(row, key) != item[key]:
                        detail[key] = {"old": getattr(row, key), "new": item[key]}
            if action == "tws.instance.update" and "base_url" in detail:
                # Another TWS: a new incarnation, and the old one's snapshot goes in this same transaction
                row.incarnation = new_incarnation()
                drop_snapshot(db, item["name"], keep_control=True)
            for key in EDITABLE:
                setattr(row, key, item[key])
            if item["password"] is not None and secrets_box.decrypt(row.password_encrypted) != item["password"]:
                row.password_encrypted = secrets_box.encrypt(item["password"])
                detail["password"] = "changed"
            if row.position != position and action == "tws.instance.update" and not detail:
                row.position = position  # reordering alone is not worth an audit line
            row.position = position
            if detail or action == "tws.instance.create":
                row.updated_at, row.updated_by = now, actor
                audit_record(actor, action, item["name"], detail, client, session=db)
                changed.append(item["name"])
            db.add(row)
        if remove_missing:
            for name, row in rows.items():
                db.delete(row)
                drop_snapshot(db, name)  # with the instance, in the same transaction
                audit_record(actor, "tws.instance.delete", name, {"base_url": row.base_url}, client, session=db)
                changed.append(name)
        if settings.primary_instance != primary:
            audit_record(actor, "tws.config.primary", primary or "",
                         {"old": settings.primary_instance, "new": primary}, client, session=db)
            changed.append("primary_instance")
        if not changed:
            return settings.version, []
        result = db.execute(update(TwsSettings).where(TwsSettings.id == 1, TwsSettings.version == expected_version)
                            .values(version=expected_version + 1, primary_instance=primary, updated_at=now,
                                    updated_by=actor))
        if result.rowcount != 1:
            raise _Conflict()
        version = expected_version + 1
    feed.publish(TOPIC, {"version": version})
    return version, changed


class _Conflict(Exception):
    pass


def drop_snapshot(db: Session, name: str, keep_control: bool = False) -> None:
    """Delete an instance's snapshot (plan jobs, workstations, summary; and its poller control unless kept)."""
    from sqlalchemy import delete

    from resync_app.tws.incidents import close_all

    models = (TwsPlanJob, TwsWorkstation, TwsSummary) + (() if keep_control else (TwsPollerControl,))
    for model in models:
        db.execute(delete(model).where(model.instance == name))
    close_all(db.connection(), name)  # the next incarnation's events start incidents of their own


def _write(make_plan, actor: str, client: str, remove_missing: bool = True) -> tuple[int, list[str]]:
    """Plan on fresh data and write; retry when another writer got in first (optimistic concurrency)."""
    for _ in range(_MAX_ATTEMPTS):
        with session_scope() as db:
            settings = db.get(TwsSettings, 1)
            version = settings.version if settings else 0
            current_primary = settings.primary_instance if settings else None
            current = [config_of(row) for row in
                       db.exec(select(TwsInstance).order_by(TwsInstance.position, TwsInstance.id))]
        desired, primary = make_plan(current, current_primary)
        try:
            return _apply(desired, primary, actor, client, expected_version=version, remove_missing=remove_missing)
        except _Conflict:
            continue
    raise RuntimeError("the TWS configuration kept changing under this write; try again")


def update_config(body: Any, actor: str, client: str = "") -> dict[str, Any]:
    """`PUT /api/v1/admin/tws-config`: all or nothing. Returns the new public config plus `changed`."""
    _, changed = _write(lambda current, primary: plan_config(body, current, primary), actor, client)
    return {**public_config(), "changed": changed}


def create_instance(body: Any, actor: str, client: str = "") -> dict[str, Any]:
    """Add one instance (409 if the name is taken)."""

    def plan(current: list[InstanceConfig], primary: str | None):
        errors: dict[str, str] = {}
        item = check_instance(body, "", None, errors)
        if errors:
            raise TwsConfigInvalid(errors)
        if any(inst.name == item["name"] for inst in current):
            raise InstanceExists(f"An instance named {item['name']!r} exists already.")
        return [*(unchanged(inst) for inst in current), item], primary or item["name"]

    _write(plan, actor, client)
    return get_instance(body["name"]).public()


def update_instance(name: str, body: Any, actor: str, client: str = "") -> dict[str, Any]:
    """Change one instance's fields (404 if unknown); omitted fields keep their value."""

    def plan(current: list[InstanceConfig], primary: str | None):
        if not any(inst.name == name for inst in current):
            raise UnknownInstance(name)
        errors: dict[str, str] = {}
        items = []
        for inst in current:
            if inst.name == name:
                item = check_instance(body, "", inst, errors, name_from_path=name)
                items.append(item)
            else:
                items.append(unchanged(inst))
        if errors:
            raise TwsConfigInvalid(errors)
        return items, primary

    _write(plan, actor, client)
    return get_instance(name).public()


def save_instance(body: Any, actor: str, client: str = "") -> dict[str, Any]:
    """Create or update one instance by its `name` (the TWS Configuration page's form)."""
    name = body.get("name") if isinstance(body, dict) else None
    if isinstance(name, str):
        try:
            get_instance(name)
        except UnknownInstance:
            return create_instance(body, actor, client)
        return update_instance(name, {k: v for k, v in body.items() if k != "name"}, actor, client)
    raise TwsConfigInvalid({"name": "is required"})


def delete_instance(name: str, actor: str, client: str = "") -> None:
    """Remove one instance (404 if unknown) and its snapshot, in one transaction (events and run history stay:
    they are history, kept as long as the retention fields say)."""

    def plan(current: list[InstanceConfig], primary: str | None):
        if not any(inst.name == name for inst in current):
            raise UnknownInstance(name)
        rest = [unchanged(inst) for inst in current if inst.name != name]
        return rest, (None if primary == name else primary)

    _write(plan, actor, client)


def set_primary(name: str | None, actor: str, client: str = "") -> None:
    def plan(current: list[InstanceConfig], primary: str | None):
        if name is not None and not any(inst.name == name for inst in current):
            raise UnknownInstance(name)
        return [unchanged(inst) for inst in current], name

    _write(plan, actor, client)


def ensure_default_instance(base_url: str, username: str, password: str, name: str = "simulator") -> bool:
    """On a fresh install with the bundled simulator: one default instance pointing at it (offered once: an
    admin who deletes it does not get it back). Returns whether it was created."""
    with session_scope() as db:
        settings = _settings_row(db)
        if settings.default_seeded:
            return False
        has_instances = db.exec(select(TwsInstance.id)).first() is not None
        settings.default_seeded = True
        db.add(settings)
        if has_instances:
            return False
    body = {"name": name, "display_name": "Bundled HWA simulator", "base_url": base_url, "username": username,
            "password": password, "verify_tls": True, "enabled": True, "read_only": False}
    try:
        create_instance(body, "system", "")
    except InstanceExists:
        return False
    logger.info("default TWS instance %r points at the bundled simulator (%s)", name, base_url)
    return True
