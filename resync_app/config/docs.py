"""The configuration reference (docs/configuration.md), generated from the catalogue so it cannot drift."""

from __future__ import annotations

from resync_app.config.catalogue import CATEGORIES, fields_in
from resync_app.config.validation import describe_rules


def _show(value) -> str:
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def render() -> str:
    lines = [
        "# System configuration reference",
        "",
        "Generated from `resync_app/config/catalogue.py` by `python -m resync_app config-docs`; do not edit.",
        "Change values on the System Configuration page or with `POST /api/v1/system-config/update`.",
        "`restart` marks fields that take effect after a restart; every other field applies at once.",
        "",
        describe_rules(),
        "",
        "On the very first start, a field may be seeded from an environment variable named like the field in upper "
        "case (e.g. `LOG_LEVEL=DEBUG`, `LLM_BUDGET_DAILY_USD=50`); afterwards the saved value wins and a differing "
        "variable is only reported in the log.",
        "",
    ]
    for category in CATEGORIES:
        fields = fields_in(category.name)
        lines += [f"## {category.display_name} (`{category.name}`): {len(fields)} fields", "", category.description, "",
                  "| field | type | default | range / options | restart | meaning |",
                  "|---|---|---|---|---|---|"]
        for spec in fields:
            if spec.options:
                allowed = ", ".join(spec.options) + (" (+ the providers' models)" if spec.dynamic_options else "")
            elif spec.min_value is not None:
                allowed = f"{spec.min_value} – {spec.max_value}"
            else:
                allowed = "http(s) URL" if spec.url else ""
            lines.append(f"| `{spec.name}` | {spec.type} | {_show(spec.default)} | {allowed} | "
                         f"{'yes' if spec.requires_restart else ''} | {spec.description} |")
        lines.append("")
    return "\n".join(lines)
