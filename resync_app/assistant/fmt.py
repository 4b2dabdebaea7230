"""Small Markdown formatting helpers of the fast path (times, durations, names, tables)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

from resync_app.tws.statuses import FINAL_STATUSES, TABLE as STATUS_TABLE

# what a plan status means, in a few words, and the statuses of a run that has ended (`tws/statuses.py`)
STATUS_PHRASE = {status.code: status.meaning for status in STATUS_TABLE}
FINISHED = frozenset(FINAL_STATUSES)
DAY_FORMAT = "%Y-%m-%d %H:%M"


def to_datetime(value: Any) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def clock(value: Any, now: datetime, tz: tzinfo, day_format: str = DAY_FORMAT) -> str:
    """"14:05" on the day of `now`, else "2025-03-01 14:05" (`day_format`; local time in `tz`); "–" when
    unknown."""
    moment = to_datetime(value)
    if moment is None:
        return "–"
    local = moment.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime(day_format)


def duration(seconds: Any) -> str:
    """"42 s", "12 min", "2 h 05 min"; "–" when unknown."""
    if seconds is None or isinstance(seconds, bool):
        return "–"
    try:
        total = int(round(float(seconds)))
    except (TypeError, ValueError):
        return "–"
    if total < 60:
        return f"{max(total, 0)} s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def slack(seconds: Any, behind: str = "{} behind") -> str:
    """Slack of a predecessor: "15 min", or "20 min behind" (`behind`) when it is already negative."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return "–"
    return behind.format(duration(-value)) if value < 0 else duration(value)


class Code(str):
    """Markdown that is already safe (an inline code span)."""


_MARKDOWN_SPECIALS = re.compile(r"([\\`\[\]<>|])")  # links, images, autolinks, HTML, code, table cells


def name(value: Any) -> Code:
    """A TWS identifier as inline code (backticks removed from the value)."""
    text = " ".join(str(value or "?").replace("`", "").split())
    return Code(f"`{text}`")


def plain(value: Any) -> str:
    """Free text from the plan (event messages, reasons) on one line, with the Markdown that could turn it into a
    link, an image, HTML, code or a table cell break escaped (emphasis is left alone: harmless)."""
    if isinstance(value, Code):
        return str(value)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(str(value if value is not None else "–").split())) or "–"


def cell(value: Any) -> str:
    """A table cell: one line, Markdown escaped (pipes too); code spans kept, with their pipes escaped."""
    if isinstance(value, Code):
        return str(value).replace("|", "\\|")
    return plain(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def percent(probability: Any) -> str:
    try:
        return f"{float(probability) * 100:.0f} %"
    except (TypeError, ValueError):
        return "–"


def qualified(row: dict) -> Code:
    """`STREAM.JOB` when the row has a stream, else `JOB`."""
    stream = row.get("job_stream")
    return name(f"{stream}.{row.get('name')}" if stream else row.get("name"))


def excerpt(text: str, max_lines: int = 25, max_chars: int = 2500) -> str:
    """The end of a log (where errors are), safe inside a fenced block."""
    lines = str(text).replace("```", "'''").splitlines()[-max_lines:]
    body = "\n".join(lines)
    return body[-max_chars:]


def paragraphs(value: Any) -> str:
    """Free text of several lines (a knowledge service's snippet): each line escaped like `plain`, the line breaks
    kept (blank lines still separate paragraphs)."""
    lines = [_MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(line.split())) for line in str(value or "").splitlines()]
    return "\n".join(lines).strip()
