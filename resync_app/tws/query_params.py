"""The read parameters of the operator routes, checked: page size and offset, status filters (the table of
`statuses.py`), ISO-8601 times, incident ids, substring patterns and matching. Bad ones add a message per parameter; the
read raises them together as one `QueryInvalid` (HTTP 422)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from resync_app.tws.statuses import expand_filter

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # beyond any plan; keeps OFFSET inside the databases' integers
DEFAULT_LIMIT = 50


class QueryInvalid(ValueError):
    """Bad read parameters (HTTP 422); `errors` maps the parameter to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def split_values(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else value.split(",")
    return [item.strip() for item in items if item and item.strip()]


def parse_statuses(value: str | list[str] | None, in_plan: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """HWA statuses from "ABEND,EXEC" (case-insensitive; CANCELLED → CANCL, FAILED → every failed status …: the
    table of `statuses.py`); a status the plan holds (`in_plan`) is accepted as it is; anything else →
    QueryInvalid."""
    out, bad = [], []
    for item in split_values(value):
        codes = expand_filter(item)
        if codes is None and item.upper() in in_plan:
            codes = (item.upper(),)
        if codes is None:
            bad.append(item)
        else:
            out.extend(codes)
    if bad:
        raise QueryInvalid({"status": f"unknown status {', '.join(bad)}; use HWA statuses such as "
                                      f"SUCC, ABEND, EXEC, READY, HOLD, WAIT, CANCL"})
    return sorted(set(out))


def parse_limit(limit: Any, errors: dict[str, str], maximum: int = MAX_LIMIT) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        errors["limit"] = "must be a whole number"
        return DEFAULT_LIMIT
    if not 1 <= value <= maximum:
        errors["limit"] = f"must be between 1 and {maximum}"
    return value


def parse_offset(offset: Any, errors: dict[str, str]) -> int:
    try:
        value = int(offset)
    except (TypeError, ValueError):
        errors["offset"] = "must be a whole number"
        return 0
    if not 0 <= value <= MAX_OFFSET:
        errors["offset"] = f"must be between 0 and {MAX_OFFSET}"
    return value


def like_pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def parse_time(value: Any, param: str, errors: dict[str, str], naive_tz=timezone.utc) -> datetime | None:
    """An ISO-8601 date-time (a "+" that a query string turned into a space is put back); naive = in `naive_tz`
    (UTC; the shift report passes RESYNC_TIMEZONE)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if "T" in text and " " in text:
            text = text.replace(" ", "+")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            errors[param] = "must be an ISO-8601 date-time, e.g. 2026-12-01T08:00:00Z"
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=naive_tz)


def parse_incident_id(value: Any, errors: dict[str, str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors["incident"] = "must be an incident id (a whole number)"
        return None


def contains_text(column, pattern: str):
    """Case-insensitive substring match: SQLite's LIKE already ignores ASCII case (and stays a plain scan);
    PostgreSQL needs ILIKE."""
    if _dialect() == "postgresql":
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def _dialect() -> str:
    from resync_app.db import get_engine

    return get_engine().dialect.name
