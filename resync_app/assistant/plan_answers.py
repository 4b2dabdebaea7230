"""The fast path's answers about the plan rather than one job: job lists (by status, late, stuck, running), the
plan summary, workstations, recent events and the critical jobs whose deadline is threatened. English text is the
catalogues' message id (`assistant/lang`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from resync_app.assistant import fmt
from resync_app.assistant.fast_answer import (SCAN_ROWS, SHOWN_ROWS, AnswerContext, PlanReads, job_table, more,
                                              scope)
from resync_app.assistant.fmt import duration, name, qualified
from resync_app.assistant.intent_arguments import resolve_since
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.job_answers import find_job


async def list_jobs(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    w, status = ctx.w, intent.get("status")
    since = resolve_since(intent.get("since"), ctx.now, ctx.tz)
    what = w.t("with status {statuses}", statuses=", ".join(status)) if status else ""
    if since is None:
        page = await reads("jobs", status=status, workstation=intent.get("workstation"), stream=intent.get("stream"),
                           sort="-end", limit=SHOWN_ROWS)
        rows, total, capped = page.get("results", []), int(page.get("count", 0)), False
    else:
        page = await reads("jobs", status=status, workstation=intent.get("workstation"), stream=intent.get("stream"),
                           sort="-end", limit=SCAN_ROWS)
        scanned = page.get("results", [])
        rows = [r for r in scanned if _latest(r) is not None and _latest(r) >= since]
        total, capped = len(rows), int(page.get("count", 0)) > len(scanned)
        what += w.t(" since {at}", at=ctx.at(since))
    heading = f"**{w.n(total, 'job')}**{' ' + what if what else ''}{scope(intent)}"
    if not rows:
        return w.t("No job{what}{scope} in the current plan.", what=" " + what if what else "",
                   scope=scope(intent)), None
    note = w.t(" (among the {count} most recent)", count=SCAN_ROWS) if capped else ""
    return f"{heading}{note}:\n\n{job_table(rows, ctx)}{more(min(len(rows), SHOWN_ROWS), total, w)}", None


def _latest(row: dict) -> datetime | None:
    return fmt.to_datetime(row.get("end")) or fmt.to_datetime(row.get("start"))


async def _flagged(intent: Intent, reads: PlanReads, ctx: AnswerContext, flag: str, label: str,
                   extra: tuple[str, Callable[[dict], Any]] | None) -> str:
    kwargs = {"status": ["EXEC"]} if flag == "running" else {flag: True}
    page = await reads("jobs", workstation=intent.get("workstation"), stream=intent.get("stream"), sort="start",
                       limit=SHOWN_ROWS, **kwargs)
    rows, total = page.get("results", []), int(page.get("count", 0))
    if not total:
        return ctx.w.t("No {label} job{scope} right now.", label=ctx.w.term(label), scope=scope(intent))
    return (f"**{ctx.w.n(total, label + ' job')}**{scope(intent)}:\n\n{job_table(rows, ctx, extra)}"
            f"{more(len(rows[:SHOWN_ROWS]), total, ctx.w)}")


def _running_for(ctx: AnswerContext) -> tuple[str, Callable[[dict], Any]]:
    def value(row: dict) -> str:
        start = fmt.to_datetime(row.get("start"))
        return duration((ctx.now - start).total_seconds()) if start else "–"
    return ("running for", value)


async def late_jobs(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "late", "late", None)
    if text.startswith("**"):
        text += ctx.w.t("\n\nLate: not started within the late threshold after the scheduled start.")
    return text, None


async def stuck_jobs(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "stuck", "stuck", _running_for(ctx))
    if text.startswith("**"):
        text += ctx.w.t("\n\nStuck: running longer than the stuck threshold.")
    return text, None


async def running_jobs(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    return await _flagged(intent, reads, ctx, "running", "running", _running_for(ctx)), None


async def summary(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    s = ctx.summary
    counts, ws = s.get("counts") or {}, s.get("workstations") or {}
    keys = ("running", "completed", "failed", "pending", "late", "stuck", "total")
    w = ctx.w
    lines = [w.t("The plan is **{health}**.", health=fmt.plain(w.term(s.get("health", "unknown")))), "",
             fmt.table(w.headers(*keys), [[counts.get(k, "–") for k in keys]])]
    if ws:
        lines.append(w.t("\nWorkstations: {linked} linked, {unlinked} unlinked (of {total}).",
                         linked=ws.get("linked", "–"), unlinked=ws.get("unlinked", "–"), total=ws.get("total", "–")))
    return "\n".join(lines), None


async def workstation_status(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    w = ctx.w
    page = await reads("workstations")
    rows = list((page or {}).get("results", []))
    wanted = intent.get("name")
    if wanted:
        match = [r for r in rows if str(r.get("name", "")).upper() == wanted]
        if not match:
            return w.t("No workstation named {workstation} is in the current plan.", workstation=name(wanted)), None
        r = match[0]
        state = w.t("linked") if r.get("linked") else w.t("**not linked**")
        extra = w.t(", status {status}", status=fmt.plain(r["status"])) if r.get("status") else ""
        return w.t("Workstation {workstation} is {state}{extra}.", workstation=name(wanted), state=state,
                   extra=extra), None
    link = intent.get("link")
    if link:
        rows = [r for r in rows if bool(r.get("linked")) == (link == "linked")]
    if not rows:
        return (w.t("No workstation is {link}.", link=w.term(link)) if link
                else w.t("No workstation is in the current plan.")), None
    heading = (w.t("**{workstations}** {link}:", workstations=w.n(len(rows), "workstation"),
                   link=w.noun(len(rows), link, link)) if link
               else w.t("**{workstations}**:", workstations=w.n(len(rows), "workstation")))
    return heading + "\n\n" + fmt.table(w.headers("workstation", "linked", "status"), [
        (name(r.get("name")), w.t("yes") if r.get("linked") else w.t("no"), r.get("status")) for r in rows[:20]]) + more(
        min(len(rows), 20), len(rows), w), None


async def recent_events(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    w = ctx.w
    since = resolve_since(intent.get("since"), ctx.now, ctx.tz)
    page = await reads("events", severity=intent.get("severity"), since=since, limit=SHOWN_ROWS)
    rows, total = page.get("results", []), int(page.get("count", 0))
    noun = f"{intent.get('severity')} event" if intent.get("severity") else "event"
    when = w.t(" since {at}", at=ctx.at(since)) if since else ""
    if not rows:
        return w.t("No {events}{when}.", events=w.noun(0, noun), event=w.noun(1, noun), when=when), None
    lines = [w.t("**{events}**{when}, newest first:", events=w.n(total, noun), when=when), ""]
    for e in rows[:SHOWN_ROWS]:
        subject = " ".join(name(e[k]) for k in ("job", "workstation") if e.get(k))
        message = fmt.plain(e["message"]) if e.get("message") else ""
        kind = fmt.plain(w.term(str(e.get("type") or "event")).replace("_", " "))
        lines.append(f"- {ctx.at(e.get('at'))} · {fmt.plain(w.term(e.get('severity')))} · {kind}"
                     f"{' · ' + subject if subject else ''}{' — ' + message if message else ''}")
    return "\n".join(lines) + more(min(len(rows), SHOWN_ROWS), total, w), None


async def deadline_threats(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    if not intent.get("job"):
        return await _critical_at_risk(reads, ctx), None
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    data = await reads("deadline_threats", job.get("id") or intent.get("job"))
    if not data or not data.get("deadline"):
        return w.t("{job} has no deadline in the plan (it is not a critical job).", job=name(job.get("name"))), None
    risk = fmt.plain(w.term(data.get("risk") or "unknown"))
    lines = [w.t("{job} is **{status}**, deadline {deadline}: **{risk} risk**, confidence {confidence} of ending on "
                 "time (estimated end {end}).", job=name(job.get("name")), status=fmt.plain(job.get("status", "?")),
                 deadline=ctx.at(data.get("deadline")), risk=risk, confidence=fmt.percent(data.get("confidence")),
                 end=ctx.at(data.get("estimated_end")))]
    threats = list(data.get("threats") or [])
    if not threats:
        lines.append(w.t("\nNo predecessor threatens it now."))
    else:
        lines += ["", w.t("What threatens it, least slack first:"), "",
                  fmt.table(w.headers("job", "status", "slack", "estimated end", "why"), [
                      (qualified(t), t.get("status"), w.slack(t.get("slack_s")), ctx.at(t.get("estimated_end")),
                       w.term(t.get("reason")) if t.get("reason") is not None else None)
                      for t in threats[:SHOWN_ROWS]])]
    return "\n".join(lines), None


async def _critical_at_risk(reads: PlanReads, ctx: AnswerContext) -> str:
    """The critical jobs the dashboard's tile counts as at risk (the read layer's `at_risk` rule)."""
    w = ctx.w
    page = await reads("jobs", at_risk=True, sort="confidence", limit=SHOWN_ROWS)
    at_risk, total = page.get("results", []), int(page.get("count", 0))
    if not at_risk:
        critical = await reads("jobs", critical=True, limit=1)
        return w.t("No critical job is at risk ({critical} in the plan).",
                   critical=w.n(int(critical.get("count", 0)), "critical job"))
    return (w.t("**{critical} at risk**, least likely to end on time first:", critical=w.n(total, "critical job")) +
            "\n\n" + fmt.table(w.headers("job", "status", "deadline", "risk", "confidence"), [
                (qualified(r), r.get("status"), ctx.at(r.get("deadline")), w.term(r.get("risk")),
                 fmt.percent(r.get("confidence"))) for r in at_risk]) +
            more(len(at_risk), total, w) +
            w.t("\n\nAsk “what threatens JOB's deadline?” for one job's critical path."))
