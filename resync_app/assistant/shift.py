"""The chat's "what happened in my shift?": the fast-path answer of the `shift_report` intent (`intents` recognises
the question), from the shift report
service (`reports.shift`, the same numbers as `/shift-report` and `GET /api/v1/reports/shift`), at no cost.

Questions: "what happened in my shift?", "shift report", "give me the handover", "summarise this shift",
"shift summary since 06:00", "shift report for the last 12 hours". The window is the last 8 hours unless the
question gives one (the parser's time expressions, `intent_arguments`: "last N hours", "since HH:MM", "today");
a named shift ("the night shift"), another day, or a "why" goes to the model as before. The answer: the totals, the first abends with what
they are now, the actions, what was late, stuck or at risk, missed critical deadlines, what is still open — every
job linked to its /monitoring drawer — and a link to the full report. User names are left out (the chat does not
know whether the asker is signed in; the page shows them to signed-in users). A Portuguese question ("o que
aconteceu no meu turno?", "passagem de turno") gets the same report in Portuguese (`lang`; the words only).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from resync_app.assistant import fmt
from resync_app.assistant.fmt import name

SHOWN = 5
TOTAL_WORDS = (("started", "started"), ("completed", "completed"), ("abended", "abended"), ("reruns", "reruns"),
               ("holds", "holds"), ("releases", "releases"), ("cancels", "cancels"), ("late", "late"),
               ("stuck", "stuck"), ("critical_missed", "critical missed"), ("critical_at_risk", "critical at risk"))
OPEN_WORDS = (("abended", "abended"), ("stuck", "stuck"), ("late", "late"), ("at_risk", "critical at risk"),
              ("held", "held"))


def _job(row: dict[str, Any]) -> str:
    return f"[{name(row.get('job') or row.get('job_id'))}]({row['link']})" if row.get("link") else str(
        name(row.get("job")))


def _more(shown: int, total: int, w) -> str:
    return w.t(" …and {count} more.", count=total - shown) if total > shown else ""


def _abended(report: dict, ctx) -> list[str]:
    w = ctx.w
    rows, total = report["abended"], report["totals"]["abended"]
    if not total:
        return [w.t("**Abended**: nothing.")]
    out = [w.t("**Abended** ({total}):", total=total)]
    for r in rows[:SHOWN]:
        now = fmt.plain(r["now_status"]) if r["now_status"] else w.t("not in the plan")
        if r["now_run"] and r["run"] and r["now_run"] > r["run"]:
            now += w.t(", run {run}", run=r["now_run"])
        rc = f", RC {r['return_code']}" if r["return_code"] is not None else ""
        out.append(w.t("- {at} {job}{rc} — now {now}", at=ctx.at(r["at"]), job=_job(r), rc=rc, now=now))
    return out + ([_more(min(len(rows), SHOWN), total, w).strip()] if total > SHOWN else [])


def _actions(report: dict, w) -> str:
    totals = report["totals"]
    done = [w.n(totals[key], word) for key, word in
            (("reruns", "rerun"), ("holds", "hold"), ("releases", "release"), ("cancels", "cancel"))]
    failed = totals["actions_failed"]
    return w.t("**Operator actions**: {done}{failed}.", done=", ".join(done),
               failed=w.t("; {count} refused or failed", count=failed) if failed else "")


def _flagged(report: dict, w) -> str:
    rows = report["late"]
    total = len(rows) + report["more"]["late"]
    if not total:
        return w.t("**Late, stuck or at risk**: nothing.")
    words = {"late": "late", "stuck": "stuck", "at_risk": "at risk"}
    listed = ", ".join(f"{_job(r)} ({w.t(' and ').join(w.term(words[f]) for f in r['flags'])})" for r in rows[:SHOWN])
    return w.t("**Late, stuck or at risk** ({total}): {listed}.{more}", total=total, listed=listed,
               more=_more(min(len(rows), SHOWN), total, w))


def _missed(report: dict, ctx) -> str:
    w = ctx.w
    rows, total = report["missed"], report["totals"]["critical_missed"]
    if not total:
        return w.t("**Missed critical deadlines**: none.")
    listed = ", ".join(w.t("{job} (deadline {deadline})", job=_job(r), deadline=ctx.at(r["deadline"]))
                       for r in rows[:SHOWN])
    return w.t("**Missed critical deadlines** ({total}): {listed}.{more}", total=total, listed=listed,
               more=_more(min(len(rows), SHOWN), total, w))


def _open(report: dict, w) -> str:
    counts = report["open_counts"]
    if not counts["total"]:
        return w.t("**Still open now**: nothing.")
    parts = ", ".join(w.n(counts[key], word, word) for key, word in OPEN_WORDS if counts.get(key))
    first = ", ".join(_job(r) for r in report["open"][:SHOWN])
    more = _more(min(len(report["open"]), SHOWN), counts["total"], w)
    return w.t("**Still open now** ({total}): {parts} — {first}{more}", total=counts["total"], parts=parts,
               first=first, more=more or ".")


async def shift_answer(intent, reads, ctx) -> tuple[str, None]:
    """The fast path's handler of `shift_report` (`fastpath._HANDLERS`), in the question's language (`ctx.w`)."""
    from resync_app.assistant.intent_arguments import resolve_since
    from resync_app.reports.shift import DEFAULT_HOURS, MAX_HOURS

    w = ctx.w
    end = ctx.now
    start = resolve_since(intent.get("since"), ctx.now, ctx.tz) or end - timedelta(hours=DEFAULT_HOURS)
    if end - start > timedelta(hours=MAX_HOURS):
        return w.t("A shift report covers at most {days} days: ask for fewer hours.", days=MAX_HOURS // 24), None
    if start >= end:
        return w.t("That time has not come yet today: ask for a shift report since an earlier time."), None
    report = await reads("shift_report", start=start, end=end)
    if report is None:
        return w.t("No TWS instance is configured, so there is no shift to report."), None
    hours = round((end - start).total_seconds() / 3600, 1)
    link = "/shift-report?" + urlencode({"instance": report["instance"], "from": _iso(start), "to": _iso(end)})
    totals = report["totals"]
    lines = [w.t("**Shift report** of {instance}, {start} → {end} ({hours} h):", instance=name(report["instance"]),
                 start=ctx.at(start), end=ctx.at(end), hours=f"{hours:g}"), "",
             fmt.table(w.headers(*(word for _, word in TOTAL_WORDS)), [[totals[key] for key, _ in TOTAL_WORDS]]), "",
             *_abended(report, ctx), "", _actions(report, w), "", _flagged(report, w), "", _missed(report, ctx), "",
             _open(report, w), "",
             w.t("[Open the full shift report]({link}) — who did what, every job, Copy as Markdown and CSV.",
                 link=link)]
    return "\n".join(lines), None


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()
