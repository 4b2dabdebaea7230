"""The chat's "what happened in my shift?": the `shift_report` intent and its fast-path answer, from the shift report
service (`reports.shift`, the same numbers as `/shift-report` and `GET /api/v1/reports/shift`), at no cost.

Questions: "what happened in my shift?", "shift report", "give me the handover", "summarise this shift",
"shift summary since 06:00", "shift report for the last 12 hours". The window is the last 8 hours unless the
question gives one (`intents`' time expressions: "last N hours", "since HH:MM", "today"); a named shift ("the night
shift"), another day, or a "why" goes to the model as before. The answer: the totals, the first abends with what
they are now, the actions, what was late, stuck or at risk, missed critical deadlines, what is still open — every
job linked to its /monitoring drawer — and a link to the full report. User names are left out (the chat does not
know whether the asker is signed in; the page shows them to signed-in users).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from resync_app.assistant import fmt
from resync_app.assistant.fmt import name, plural

SHOWN = 5
_SHIFT_RE = re.compile(
    r"\b(?:(?:my|this|the|our|last|current|previous|past) shift|shift (?:report|summary|summari[sz]ed?|recap|"
    r"hand-?over|hand over)|hand-?over|hand over (?:the |my )?shift)\b|^summari[sz]e (?:my|this|the) shift\b")
_NOT_THIS_RE = re.compile(r"\b(?:night|day|morning|evening|afternoon|early|late|weekend) shift\b|"
                          r"^(?:how (?:do|can|should) i|what is a|what's a|how to)\b")
TOTAL_WORDS = (("started", "started"), ("completed", "completed"), ("abended", "abended"), ("reruns", "reruns"),
               ("holds", "holds"), ("releases", "releases"), ("cancels", "cancels"), ("late", "late"),
               ("stuck", "stuck"), ("critical_missed", "critical missed"), ("critical_at_risk", "critical at risk"))
OPEN_WORDS = (("abended", "abended"), ("stuck", "stuck"), ("late", "late"), ("at_risk", "critical at risk"),
              ("held", "held"))


def shift_intent(low: str):
    """The `shift_report` intent of a lower-cased, normalised question, or None (not a shift question)."""
    from resync_app.assistant.intents import _intent, _since

    if not _SHIFT_RE.search(low) or _NOT_THIS_RE.search(low):
        return None
    since, unparsed = _since(low)
    if unparsed:
        return None
    return _intent("shift_report", since=since)


def _job(row: dict[str, Any]) -> str:
    return f"[{name(row.get('job') or row.get('job_id'))}]({row['link']})" if row.get("link") else str(
        name(row.get("job")))


def _more(shown: int, total: int) -> str:
    return f" …and {total - shown} more." if total > shown else ""


def _abended(report: dict, ctx) -> list[str]:
    rows, total = report["abended"], report["totals"]["abended"]
    if not total:
        return ["**Abended**: nothing."]
    out = [f"**Abended** ({total}):"]
    for r in rows[:SHOWN]:
        now = fmt.plain(r["now_status"]) if r["now_status"] else "not in the plan"
        if r["now_run"] and r["run"] and r["now_run"] > r["run"]:
            now += f", run {r['now_run']}"
        rc = f", RC {r['return_code']}" if r["return_code"] is not None else ""
        out.append(f"- {ctx.at(r['at'])} {_job(r)}{rc} — now {now}")
    return out + ([_more(min(len(rows), SHOWN), total).strip()] if total > SHOWN else [])


def _actions(report: dict) -> str:
    totals = report["totals"]
    done = [plural(totals[key], word) for key, word in
            (("reruns", "rerun"), ("holds", "hold"), ("releases", "release"), ("cancels", "cancel"))]
    failed = totals["actions_failed"]
    return (f"**Operator actions**: {', '.join(done)}" + (f"; {failed} refused or failed" if failed else "") + ".")


def _flagged(report: dict) -> str:
    rows = report["late"]
    total = len(rows) + report["more"]["late"]
    if not total:
        return "**Late, stuck or at risk**: nothing."
    words = {"late": "late", "stuck": "stuck", "at_risk": "at risk"}
    listed = ", ".join(f"{_job(r)} ({' and '.join(words[f] for f in r['flags'])})" for r in rows[:SHOWN])
    return f"**Late, stuck or at risk** ({total}): {listed}.{_more(min(len(rows), SHOWN), total)}"


def _missed(report: dict, ctx) -> str:
    rows, total = report["missed"], report["totals"]["critical_missed"]
    if not total:
        return "**Missed critical deadlines**: none."
    listed = ", ".join(f"{_job(r)} (deadline {ctx.at(r['deadline'])})" for r in rows[:SHOWN])
    return f"**Missed critical deadlines** ({total}): {listed}.{_more(min(len(rows), SHOWN), total)}"


def _open(report: dict) -> str:
    counts = report["open_counts"]
    if not counts["total"]:
        return "**Still open now**: nothing."
    parts = ", ".join(f"{counts[key]} {word}" for key, word in OPEN_WORDS if counts.get(key))
    first = ", ".join(_job(r) for r in report["open"][:SHOWN])
    more = _more(min(len(report["open"]), SHOWN), counts["total"])
    return f"**Still open now** ({counts['total']}): {parts} — {first}{more or '.'}"


async def shift_answer(intent, reads, ctx) -> tuple[str, None]:
    """The fast path's handler of `shift_report` (`fastpath._HANDLERS`)."""
    from resync_app.assistant.intents import resolve_since
    from resync_app.reports.shift import DEFAULT_HOURS, MAX_HOURS

    end = ctx.now
    start = resolve_since(intent.get("since"), ctx.now, ctx.tz) or end - timedelta(hours=DEFAULT_HOURS)
    if end - start > timedelta(hours=MAX_HOURS):
        return f"A shift report covers at most {MAX_HOURS // 24} days: ask for fewer hours.", None
    if start >= end:
        return "That time has not come yet today: ask for a shift report since an earlier time.", None
    report = await reads("shift_report", start=start, end=end)
    if report is None:
        return "No TWS instance is configured, so there is no shift to report.", None
    hours = round((end - start).total_seconds() / 3600, 1)
    link = "/shift-report?" + urlencode({"instance": report["instance"], "from": _iso(start), "to": _iso(end)})
    totals = report["totals"]
    lines = [f"**Shift report** of {name(report['instance'])}, {ctx.at(start)} → {ctx.at(end)} ({hours:g} h):", "",
             fmt.table([word for _, word in TOTAL_WORDS], [[totals[key] for key, _ in TOTAL_WORDS]]), "",
             *_abended(report, ctx), "", _actions(report), "", _flagged(report), "", _missed(report, ctx), "",
             _open(report), "", f"[Open the full shift report]({link}) — who did what, every job, Copy as Markdown "
                                f"and CSV."]
    return "\n".join(lines), None


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
