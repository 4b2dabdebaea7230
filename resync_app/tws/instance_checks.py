"""Validation of a TWS configuration change: one instance's fields, or a whole-configuration PUT planned
against the current instances. Any bad field raises one `TwsConfigInvalid` with a message per field; the
password rule (a stored password never follows a new address or account) is `password_rule.py`."""

from __future__ import annotations

import re
from typing import Any

from resync_app.tws import password_rule
from resync_app.tws.connection import validate_base_url
from resync_app.tws.instance_config import MASK, InstanceConfig, TwsConfigInvalid

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
INSTANCE_FIELDS = ("name", "display_name", "base_url", "username", "password", "verify_tls", "enabled", "read_only")
EDITABLE = ("display_name", "base_url", "username", "verify_tls", "enabled", "read_only")
MAX_INSTANCES = 50


def _check_str(errors: dict, path: str, value: Any, *, max_len: int, required: bool = True) -> str | None:
    if not isinstance(value, str):
        errors[path] = "must be a string"
        return None
    value = value.strip()
    if required and not value:
        errors[path] = "must not be empty"
        return None
    if len(value) > max_len:
        errors[path] = f"must be at most {max_len} characters"
        return None
    if any(ord(c) < 32 for c in value):
        errors[path] = "must not contain control characters"
        return None
    return value


def check_base_url(value: Any) -> tuple[str | None, str | None]:
    """(normalised URL, None) or (None, message): the client's rule (http(s), a host, no credentials, no query)."""
    if not isinstance(value, str) or not value.strip():
        return None, "must be an http:// or https:// URL, e.g. https://hwa.example.com:31116"
    if len(value.strip()) > 500:
        return None, "must be at most 500 characters"
    try:
        return validate_base_url(value), None
    except ValueError as exc:
        return None, f"{exc} (e.g. https://hwa.example.com:31116)"


def _check_password(errors: dict, path: str, value: Any) -> str | None:
    """The new plain password, or None to keep the stored one (omitted, null, "", or the mask)."""
    if value is None or value == "" or value == MASK:
        return None
    if not isinstance(value, str):
        errors[path] = "must be a string"
        return None
    if len(value) > 500:
        errors[path] = "must be at most 500 characters"
        return None
    if any(ord(c) < 32 for c in value):
        errors[path] = "must not contain control characters"
        return None
    return value


def check_instance(raw: Any, path: str, current: InstanceConfig | None, errors: dict,
                    name_from_path: str | None = None) -> dict[str, Any] | None:
    """One instance's desired values (a dict with every field; `password` = new plain or None to keep)."""
    if not isinstance(raw, dict):
        errors[path] = "must be an object"
        return None
    unknown = sorted(set(raw) - set(INSTANCE_FIELDS) - {"password_set"})
    for key in unknown:
        errors[f"{path}.{key}" if path else key] = "unknown field"
    prefix = f"{path}." if path else ""
    name = name_from_path if name_from_path is not None else raw.get("name")
    if name_from_path is not None and "name" in raw and raw["name"] != name_from_path:
        errors[f"{prefix}name"] = "cannot be changed (create a new instance instead)"
    if not isinstance(name, str) or not NAME_RE.match(name):
        errors[f"{prefix}name"] = ("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        name = None
    desired: dict[str, Any] = {"name": name}
    base = current.public() if current is not None else {
        "display_name": None, "base_url": None, "username": None, "verify_tls": True, "enabled": True,
        "read_only": False}
    for key in ("display_name", "base_url", "username"):
        value = raw.get(key, base[key]) if key in raw else base[key]
        if key == "display_name":
            if value is None:
                value = name or ""
            desired[key] = _check_str(errors, f"{prefix}{key}", value, max_len=100, required=False)
            if desired[key] == "" and name:
                desired[key] = name
        elif key == "base_url":
            if value is None:
                errors[f"{prefix}{key}"] = "is required"
                continue
            url, message = check_base_url(value)
            if message:
                errors[f"{prefix}{key}"] = message
            desired[key] = url
        else:
            if value is None:
                errors[f"{prefix}{key}"] = "is required"
                continue
            desired[key] = _check_str(errors, f"{prefix}{key}", value, max_len=150)
    for key in ("verify_tls", "enabled", "read_only"):
        value = raw.get(key, base[key])
        if value is None:
            value = base[key]
        if not isinstance(value, bool):
            errors[f"{prefix}{key}"] = "must be true or false"
        desired[key] = value
    desired["password"] = _check_password(errors, f"{prefix}password", raw.get("password"))
    if current is None and desired["password"] is None and f"{prefix}password" not in errors:
        errors[f"{prefix}password"] = "is required for a new instance"
    password_rule.check(current, desired, errors, prefix)
    return desired


def plan_config(body: Any, current: list[InstanceConfig], current_primary: str | None
                ) -> tuple[list[dict[str, Any]], str | None]:
    """Validate a whole-configuration PUT against the current instances; (desired instances, primary)."""
    errors: dict[str, str] = {}
    if not isinstance(body, dict):
        raise TwsConfigInvalid({"body": "must be a JSON object {primary_instance, instances}"})
    for key in sorted(set(body) - {"primary_instance", "instances", "version"}):
        errors[key] = "unknown field"
    by_name = {inst.name: inst for inst in current}
    desired: list[dict[str, Any]] = []
    if "instances" in body:
        raw_list = body["instances"]
        if not isinstance(raw_list, list):
            errors["instances"] = "must be a list of instances"
            raw_list = []
        elif len(raw_list) > MAX_INSTANCES:
            errors["instances"] = f"at most {MAX_INSTANCES} instances"
            raw_list = []
        seen: set[str] = set()
        for i, raw in enumerate(raw_list):
            name = raw.get("name") if isinstance(raw, dict) else None
            item = check_instance(raw, f"instances.{i}", by_name.get(name) if isinstance(name, str) else None,
                                   errors)
            if item is None:
                continue
            if item["name"] in seen:
                errors[f"instances.{i}.name"] = f"{item['name']!r} is listed twice"
            seen.add(item["name"] or "")
            desired.append(item)
    else:
        desired = [unchanged(inst) for inst in current]
    names = {item["name"] for item in desired}
    if "primary_instance" in body:
        primary = body["primary_instance"]
        if primary is not None and not isinstance(primary, str):
            errors["primary_instance"] = "must be an instance name or null"
        elif primary == "":
            primary = None
        elif primary is not None and primary not in names:
            errors["primary_instance"] = f"{primary!r} is not one of the instances"
    else:
        primary = current_primary if current_primary in names else None
    if errors:
        raise TwsConfigInvalid(errors)
    return desired, primary


def unchanged(inst: InstanceConfig) -> dict[str, Any]:
    """The desired values of an instance a write leaves as it is (its stored password kept)."""
    data = {key: getattr(inst, key) for key in ("name", *EDITABLE)}
    data["password"] = None
    return data
