"""Figures for people: money, counts, shares, durations and times as the LiteLLM pages show them."""

from __future__ import annotations

import math
from datetime import datetime, timezone


def money(value: float | None) -> str:
    """USD for people: cents from one cent up, enough digits below it that a small cost does not read as 0."""
    if value is None:
        return "—"
    value = float(value)
    if value == 0:
        return "$0.00"
    if abs(value) >= 0.01:
        return f"${value:,.2f}"
    if abs(value) < 0.000000005:
        return "< $0.00000001"
    digits = min(8, max(4, 1 - math.floor(math.log10(abs(value))) + 1))
    return f"${value:.{digits}f}".rstrip("0").rstrip(".")


def compact(value: int | float) -> str:
    """12,345 → '12.3k', 211,990,217 → '212.0M' (for figures that must fit a card)."""
    value = float(value)
    for threshold, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / unit:,.1f}{suffix}"
    return f"{value:,.0f}"


def percent(share: float | None, digits: int = 1) -> str:
    return "—" if share is None else f"{float(share) * 100:.{digits}f}%"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def when(iso: str | None) -> str:
    """An ISO timestamp as '2026-11-26 10:04 UTC (5 min ago)'."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    delta = (datetime.now(timezone.utc) - moment).total_seconds()
    if delta >= 0:
        ago = "just now" if delta < 60 else f"{duration(delta).split(' ')[0]} ago"
    else:
        ago = f"in {duration(-delta).split(' ')[0]}"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({ago})"


def per_1k(value: float | None) -> str:
    if value is None:
        return "unpriced"
    if value == 0:
        return "free"
    return f"${value:,.4f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def tokens(value: int | None) -> str:
    if not value:
        return "—"
    return f"{value // 1000:,}k" if value >= 1000 else str(value)
