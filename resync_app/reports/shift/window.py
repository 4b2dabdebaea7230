"""The time window of a shift report, from what a person or a script gives.

- `from` / `to`: ISO-8601 date-times. With an offset (`Z`, `+02:00`) they mean that instant; without one they are
  local times of RESYNC_TIMEZONE (what an operator types into the page), so `from=2026-12-01T06:00` in São Paulo
  is 09:00 UTC. A `+` that a query string turned into a space is put back.
- `hours`: the last N whole hours before `to` (instead of `from`).
- Defaults: `to` = now, `from` = `to` − 8 hours. The window is half-open, [from, to), as the events API's
  `since`/`until`; it may not be empty nor longer than MAX_HOURS (7 days).
Bad values raise `BadParams({param: message})` (HTTP 422).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from resync_app.tws.query_params import parse_time

DEFAULT_HOURS = 8
MAX_HOURS = 7 * 24


class BadParams(ValueError):
    """Bad report parameters (HTTP 422); `errors` maps the parameter to a message a person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC, shown in `tz`."""

    start: datetime
    end: datetime
    tz: tzinfo

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def local(self, moment: datetime | None) -> datetime | None:
        return moment.astimezone(self.tz) if moment is not None else None

    def iso(self, moment: datetime | None) -> str | None:
        """ISO 8601 with the offset of RESYNC_TIMEZONE at that moment."""
        return moment.astimezone(self.tz).isoformat() if moment is not None else None


def parse_moment(value: Any, param: str, tz: tzinfo, errors: dict[str, str]) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text (naive = local time of `tz`); None when not given."""
    if isinstance(value, str) and not value.strip():
        return None
    moment = parse_time(value, param, errors, naive_tz=tz)
    return moment.astimezone(timezone.utc) if moment is not None else None


def parse_hours(value: Any, errors: dict[str, str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_HOURS:
        errors["hours"] = f"must be a whole number of hours from 1 to {MAX_HOURS}"
        return None
    return int(text)


def parse_window(start: Any = None, end: Any = None, hours: Any = None, *, tz: tzinfo,
                 now: datetime) -> Window:
    """The report's window from `from`, `to` and `hours` as given (see the module docstring)."""
    errors: dict[str, str] = {}
    begin = parse_moment(start, "from", tz, errors)
    finish = parse_moment(end, "to", tz, errors)
    span = parse_hours(hours, errors)
    if begin is not None and span is not None:
        errors["hours"] = "give either from or hours, not both"
    if errors:
        raise BadParams(errors)
    finish = finish or now.astimezone(timezone.utc).replace(microsecond=0)
    begin = begin or finish - timedelta(hours=span or DEFAULT_HOURS)
    if begin >= finish:
        raise BadParams({"from": "must be before to"})
    if finish - begin > timedelta(hours=MAX_HOURS):
        raise BadParams({"to": f"the window may be at most {MAX_HOURS} hours ({MAX_HOURS // 24} days) long"})
    return Window(begin, finish, tz)
