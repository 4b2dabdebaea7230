"""How an estimate reads (English and Brazilian Portuguese): the interval and the causes, for the event message,
its Teams card, the chat and the pages. Takes the engine's `Estimate`/`Why` objects or the §13 dicts alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

CAUSES = {  # the engine's cause codes (prediction/types.py CAUSES) → words; an unknown code reads as itself
    "en": {"late_start": "started late (or cannot start on time)", "slow_run": "is running slower than usual",
           "predecessor": "runs longer than usual upstream", "abended_predecessor": "abended and waits for a rerun",
           "long_duration": "does not fit before the deadline even at usual durations"},
    "pt": {"late_start": "começou tarde (ou não pode começar a tempo)", "slow_run": "está mais lento que o normal",
           "predecessor": "demora mais que o normal antes dele", "abended_predecessor": "abendou e espera um rerun",
           "long_duration": "não cabe antes do prazo nem com as durações usuais"},
}


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def hhmm(value: Any) -> str:
    moment = _moment(value)
    return f"{moment:%H:%M}" if moment is not None else "—"


def interval(end: Any, low: Any, high: Any) -> str:
    """"14:25 UTC (80 %: 14:10–14:45)"; "" without an estimated end."""
    if _moment(end) is None:
        return ""
    if _moment(low) is None or _moment(high) is None:
        return f"{hhmm(end)} UTC"
    return f"{hhmm(end)} UTC (80 %: {hhmm(low)}–{hhmm(high)})"


def estimate_interval(estimate: Any) -> str:
    """`interval` of an Estimate (fields estimated_end/low/high) or of a §13 row (estimated_end_low/_high)."""
    low = _get(estimate, "low") if _get(estimate, "low") is not None else _get(estimate, "estimated_end_low")
    high = _get(estimate, "high") if _get(estimate, "high") is not None else _get(estimate, "estimated_end_high")
    return interval(_get(estimate, "estimated_end"), low, high)


def cause(item: Any, lang: str = "en") -> str:
    """"LOAD_DWH is running slower than usual (+12 min)"."""
    code = str(_get(item, "cause") or "")
    words = CAUSES.get(lang[:2], CAUSES["en"]).get(code, code.replace("_", " "))
    job = _get(item, "job") or ""
    minutes = float(_get(item, "minutes") or 0.0)
    text = f"{job} {words}".strip()
    return f"{text} (+{minutes:.0f} min)" if minutes >= 0.5 else text


def ranked(why: Any) -> list:
    """The causes, most minutes first."""
    return sorted(list(why or []), key=lambda w: -float(_get(w, "minutes") or 0.0))


def top_causes(why: Any, lang: str = "en", count: int = 3) -> list[str]:
    return [cause(w, lang) for w in ranked(why)[:count]]


def event_tail(estimate: Any) -> str:
    """What the deadline-at-risk message adds: " Estimated end 14:25 UTC (80 %: 14:10–14:45); top cause: …"."""
    if estimate is None:
        return ""
    text = estimate_interval(estimate)
    if not text:
        return ""
    causes = top_causes(_get(estimate, "why"), count=1)
    return f" Estimated end {text}" + (f"; top cause: {causes[0]}." if causes else ".")


def risk_row_texts(job: dict) -> tuple[str, str]:
    """(estimate, top cause) of a §13 job row for the realtime panel: "estimated end 14:25 UTC (80 %: 14:10–14:45)",
    "GL_CLOSE is running slower than usual (+21 min)" ("" when unknown)."""
    text = estimate_interval(job)
    causes = top_causes(job.get("why"), count=1)
    return (f"estimated end {text}" if text else "", causes[0] if causes else "")


def drawer_lines(job: dict) -> tuple[str, list[str]]:
    """(estimate with its interval, causes most minutes first) of a §13 job row for the job drawer (whose confidence
    fact is already there); ("", []) without an estimate."""
    text = estimate_interval(job)
    return (text, top_causes(job.get("why"), count=5)) if text else ("", [])
