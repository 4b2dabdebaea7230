"""The catalogue joined with current values, in the shape the API and the page both serve."""

from __future__ import annotations

from typing import Any

from resync_app.config.catalogue import CATEGORIES, FIELDS, category, fields_in
from resync_app.config.store import ConfigStore

MASK = "********"
_KEYS = ("name", "value", "type", "description", "default", "min_value", "max_value", "options",
         "requires_restart", "category", "sensitive", "running_value")


def _field(name: str, saved: dict, running: dict, extra: dict) -> dict[str, Any]:
    spec = FIELDS[name]
    data = spec.to_dict()
    if spec.dynamic_options and data["options"] is not None:
        data["options"] += [m for m in extra.get(name, ()) if m not in data["options"]]
    data["value"], data["running_value"] = saved[name], running[name]
    if spec.sensitive:  # never serve a secret value, only whether one is set
        data["value"] = MASK if saved[name] else ""
        data["running_value"] = MASK if running[name] else ""
    return {key: data[key] for key in _KEYS}


def category_view(name: str, store: ConfigStore) -> dict[str, Any]:
    """One category with its fields; KeyError if unknown."""
    cat = category(name)
    saved, running, extra = store.saved(), store.running(), dict(store.extra_options())
    return {
        "name": cat.name,
        "display_name": cat.display_name,
        "description": cat.description,
        "fields": [_field(spec.name, saved, running, extra) for spec in fields_in(cat.name)],
    }


def all_categories(store: ConfigStore) -> list[dict[str, Any]]:
    return [category_view(cat.name, store) for cat in CATEGORIES]
