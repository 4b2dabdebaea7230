"""The zero-cost fast path: answer a plain lookup from the plan snapshot (or the knowledge base), no model.

    answer = await fast_path(message, reader, instance=None, tz=settings.timezone)
    if answer is None: ...ask the model...

`fast_path` parses the message (`intents.parse`) and formats the answer from a `PlanReader`; it returns None when
the question needs the model (no intent, or nothing to answer it with: an unknown knowledge topic, a reader without
workstation data). Answers are short Markdown that cite the plan data they used (job names, statuses, times) and
end with "as of HH:MM … answered from the plan, no model used". `FastAnswer.calls` lists the reads made (for the
`tool_calls` of `POST /api/v1/chat`). An `action_request` is never executed here: the answer asks for a
confirmation and `FastAnswer.confirm` carries what the confirm button needs.

The answer is in the question's language (`Intent.lang`): the English text written here is the message id of the
catalogues (`assistant/lang`: `w.t("English {field}", field=…)`); the data (names, statuses, figures, rows) is the
same in every language.
"""

from __future__ import annotations

import inspect
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone, tzinfo
from typing import Any

from resync_app.assistant import fmt
from resync_app.assistant.acting import sign_in_to_act
from resync_app.assistant.fmt import FINISHED, duration, name, qualified
from resync_app.assistant.intents import Intent, parse, resolve_since
from resync_app.assistant.kb import KnowledgeBase, get_knowledge_base
from resync_app.assistant.lang import Wording, wording
from resync_app.assistant.rag import KnowledgeAnswer, knowledge_search
from resync_app.assistant.shift import shift_answer
from resync_app.assistant.prediction_answer import estimate_answer
from resync_app.tws.statuses import FAILED_STATUSES, RUNNING_STATUSES

SHOWN_ROWS = 10
SCAN_ROWS = 500
PLAN_FOOTER = "answered from the plan, no model used"

KnowledgeSearch = Callable[..., Awaitable[KnowledgeAnswer]]  # (query, limit, builtin=…): rag.knowledge_search


@dataclass
class FastAnswer:
    """A fast-path answer. `source`: "plan", "knowledge:builtin" or "knowledge:rag"."""

    text: str
    intent: Intent
    source: str
    as_of: datetime | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    confirm: dict[str, Any] | None = None  # action_request: {action, job_id, job, job_stream, workstation, instance}

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.text, "fast_path": True, "intent": self.intent.as_dict(), "source": self.source,
                "as_of": self.as_of.isoformat() if self.as_of else None, "tool_calls": self.calls,
                "confirm": self.confirm}


class _NotAnswerable(Exception):
    """The reader cannot answer this intent (the question goes to the model)."""


class _Reads:
    """Calls to the reader, awaited when needed and recorded as tool calls."""

    def __init__(self, reader: Any, instance: str | None):
        self.reader, self.instance, self.calls = reader, instance, []

    async def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fn = getattr(self.reader, method, None)
        if fn is None:
            raise _NotAnswerable(method)
        arguments = {"instance": self.instance, **{k: v for k, v in kwargs.items() if v is not None}}
        if args:
            arguments["job"] = args[0]
        self.calls.append({"name": f"plan.{method}", "arguments": {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in arguments.items()}})
        result = fn(self.instance, *args, **kwargs)
        return await result if inspect.isawaitable(result) else result


async def fast_path(message: str, reader: Any, *, instance: str | None = None, tz: tzinfo = timezone.utc,
                    now: datetime | None = None, knowledge: KnowledgeSearch | None = None,
                    kb: KnowledgeBase | None = None) -> FastAnswer | None:
    """Parse `message` and answer it at no cost, or None (the model answers)."""
    intent = parse(message)
    if intent is None:
        return None
    return await answer(intent, reader, instance=instance, tz=tz, now=now, knowledge=knowledge, kb=kb)


async def answer(intent: Intent, reader: Any, *, instance: str | None = None, tz: tzinfo = timezone.utc,
                 now: datetime | None = None, knowledge: KnowledgeSearch | None = None,
                 kb: KnowledgeBase | None = None, may_act: bool = True) -> FastAnswer | None:
    """The answer to `intent`, or None when it cannot be answered without the model. `may_act=False` (nobody
    signed in): an action request says to sign in instead of proposing the action."""
    now = now or datetime.now(timezone.utc)
    w = wording(intent.lang)
    if intent.name == "knowledge":
        return await _knowledge(intent, knowledge or knowledge_search, kb or get_knowledge_base())
    reads = _Reads(reader, instance)
    try:
        summary = await reads("summary")
    except _NotAnswerable:
        return None
    if not summary:
        text = w.t("No plan data is available for this TWS instance yet: the poller has not completed a poll. "
                   "Check the instance on the TWS Configuration page.")
        return FastAnswer(text + f"\n\n_{w.t(PLAN_FOOTER)}._", intent, "plan", None, reads.calls)
    handler = _HANDLERS[intent.name]
    try:
        body, confirm = await handler(intent, reads, _Context(now, tz, instance, summary, w, may_act))
    except _NotAnswerable:
        return None
    as_of = fmt.to_datetime(summary.get("as_of"))
    text = _with_footer(body, summary, as_of, now, tz, w)
    return FastAnswer(text, intent, "plan", as_of, reads.calls, confirm)


@dataclass
class _Context:
    now: datetime
    tz: tzinfo
    instance: str | None
    summary: dict
    w: Wording = wording("en")  # the answer's language
    may_act: bool = True

    def at(self, value: Any) -> str:
        return self.w.clock(value, self.now, self.tz)


def _with_footer(body: str, summary: dict, as_of: datetime | None, now: datetime, tz: tzinfo, w: Wording) -> str:
    parts = []
    stale = summary.get("stale_since")
    if stale:
        parts.append(w.t("⚠ TWS has not answered since {at}: this data may be out of date.",
                         at=w.clock(stale, now, tz)))
    parts.append(body)
    when = (w.t("As of {at} ({zone})", at=w.clock(as_of, now, tz), zone=_tz_label(as_of or now, tz)) if as_of
            else w.t("As of the last poll"))
    where = w.t(" on {instance}", instance=name(summary.get("instance"))) if summary.get("instance") else ""
    parts.append(f"_{when}{where} · {w.t(PLAN_FOOTER)}._")
    return "\n\n".join(parts)


def _tz_label(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).tzname() or str(tz)


# ---- one job --------------------------------------------------------------------------------------------

async def _find_job(intent: Intent, reads: _Reads) -> tuple[dict | None, str | None]:
    """(the job's detail, None) or (None, a sentence saying why it was not found or is ambiguous)."""
    job, stream, ws = intent.get("job"), intent.get("stream"), intent.get("workstation")
    w = wording(intent.lang)
    page = await reads("jobs", q=job, stream=stream, limit=50)
    rows = [r for r in (page or {}).get("results", []) if str(r.get("name", "")).upper() == job]
    if ws and len(rows) > 1:
        rows = [r for r in rows if ws in (str(r.get("workstation", "")).upper(),
                                          str(r.get("job_stream_workstation", "")).upper())] or rows
    if len(rows) > 1 and len({_identity(r) for r in rows}) == 1:
        rows = [_current_run(rows)]  # one job on several plan days: the run that matters now
    if len(rows) > 1:  # STREAM.JOB on two workstations are two jobs: name them as TWS does, WS#STREAM.JOB
        listed = ", ".join(name(_ws_name(r)) for r in rows[:SHOWN_ROWS])
        return None, w.t("{jobs} named {job} are in the plan: {listed}. Ask again with the workstation and stream, "
                         "e.g. {example}.", jobs=w.n(len(rows), "job"), job=name(job), listed=listed,
                         example=name(_ws_name(rows[0])))
    detail = await reads("job", rows[0]["id"] if rows else job)
    if detail:
        return detail, None
    where = w.t(" in stream {stream}", stream=name(stream)) if stream else ""
    near = (page or {}).get("results", [])[:5]
    hint = w.t(" Similar names: {names}.", names=", ".join(qualified(r) for r in near)) if near else ""
    return None, w.t("No job named {job}{where} is in the current plan.{hint}", job=name(job), where=where, hint=hint)


def _identity(row: dict) -> tuple[str, str, str]:
    return str(row.get("job_stream_workstation") or ""), str(row.get("workstation") or ""), qualified(row)


def _ws_name(row: dict) -> str:
    """WS#STREAM.JOB (the job's workstation), or STREAM.JOB without one."""
    job = f"{row.get('job_stream')}.{row.get('name')}" if row.get("job_stream") else str(row.get("name"))
    return f"{row['workstation']}#{job}" if row.get("workstation") else job


def _current_run(rows: list[dict]) -> dict:
    """Of the runs of one job in the plan (a plan spanning days), the latest that has started, else the next one
    scheduled."""
    started = [r for r in rows if r.get("start")]
    if started:
        return max(started, key=lambda r: str(r["start"]))
    return min(rows, key=lambda r: (r.get("scheduled_start") is None, str(r.get("scheduled_start") or "")))


def _headline(job: dict, w: Wording) -> str:
    status = str(job.get("status") or "?")
    where = ", ".join(p for p in (
        w.t("stream {stream}", stream=name(job["job_stream"])) if job.get("job_stream") else "",
        w.t("workstation {workstation}", workstation=name(job["workstation"])) if job.get("workstation") else "") if p)
    phrase = w.status_phrase(status)
    rc = job.get("return_code")
    rc_text = w.t(", return code {rc}", rc=rc) if rc is not None and status in FINISHED | {"PEND"} else ""
    return w.t("{job}{where} is **{status}**{phrase}{rc}.", job=name(job.get("name")),
               where=f" ({where})" if where else "", status=fmt.plain(status),
               phrase=f" ({phrase})" if phrase else "", rc=rc_text)


async def _job_status(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    lines = [_headline(job, w)]
    start, end = job.get("start"), job.get("end")
    if start and end:
        lines.append(w.t("- Started {start}, ended {end} ({duration}).", start=ctx.at(start), end=ctx.at(end),
                         duration=duration(job.get("duration_s"))))
    elif start:
        running = (ctx.now - fmt.to_datetime(start)).total_seconds()
        lines.append(w.t("- Started {start}, running for {duration}.", start=ctx.at(start), duration=duration(running)))
    else:
        lines.append(w.t("- Not started yet."))
    if job.get("late"):
        lines.append(w.t("- **Late**: not started within the late threshold after its scheduled start."))
    if job.get("stuck"):
        lines.append(w.t("- **Stuck**: running longer than the stuck threshold."))
    if job.get("critical"):
        lines.append(w.t("- Critical job: deadline {deadline}, risk {risk} (confidence {confidence}).",
                         deadline=ctx.at(job.get("deadline")), risk=fmt.plain(w.term(job.get("risk"))),
                         confidence=fmt.percent(job.get("confidence"))))
    if job.get("status") in FAILED_STATUSES:
        lines.append(w.t("\nAsk “why did {job} fail?” for an analysis, or “show the log of {job}”.", job=job.get("name")))
    return "\n".join(lines), None


async def _job_log(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    log = job.get("log_excerpt")
    if not log:
        return f"{_headline(job, ctx.w)}\n\n{ctx.w.t('No job log is available for this run.')}", None
    return f"{_headline(job, ctx.w)}\n\n{ctx.w.t('End of its job log:')}\n\n```\n{fmt.excerpt(log)}\n```", None


async def _job_dependencies(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    deps = list(job.get("dependencies") or [])
    if not deps:
        return f"{_headline(job, w)}\n\n{w.t('It has no dependencies in the plan.')}", None
    deps.sort(key=lambda d: bool(d.get("satisfied")))
    open_count = sum(1 for d in deps if not d.get("satisfied"))
    lines = [_headline(job, w), "", w.t("{dependencies}, {open} not satisfied:", open=open_count,
                                        dependencies=w.n(len(deps), "dependency", "dependencies"))]
    for dep in deps[:20]:
        label = qualified(dep) if dep.get("name") else name(dep.get("type") or w.t("dependency"))
        status = f" — {fmt.plain(dep['status'])}" if dep.get("status") else ""
        kind = f" ({fmt.plain(dep['type'])})" if dep.get("type") and dep.get("name") else ""
        mark = w.t("✓ satisfied") if dep.get("satisfied") else w.t("✗ not satisfied")
        lines.append(f"- {label}{kind}{status} · {mark}")
    return "\n".join(lines), None


async def _job_history(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    runs = list(job.get("history") or [])
    if not runs:
        return f"{_headline(job, w)}\n\n{w.t('No earlier runs are recorded for it.')}", None
    durations = [float(r["duration_s"]) for r in runs if r.get("duration_s") is not None]
    lines = [_headline(job, w), ""]
    if len(durations) == 1:
        lines.append(w.t("Its last recorded run took {duration}.\n", duration=duration(durations[0])))
    elif durations:
        lines.append(w.t("Over its last {count} runs: median {median} (shortest {shortest}, longest {longest}).\n",
                         count=len(durations), median=duration(statistics.median(durations)),
                         shortest=duration(min(durations)), longest=duration(max(durations))))
    lines.append(fmt.table(w.headers("start", "duration", "status", "RC"), [
        (ctx.at(r.get("start")), duration(r.get("duration_s")), r.get("status"), r.get("return_code"))
        for r in runs[:SHOWN_ROWS]]))
    return "\n".join(lines), None


# ---- lists ----------------------------------------------------------------------------------------------

def _scope(intent: Intent) -> str:
    w, parts = wording(intent.lang), []
    if intent.get("workstation"):
        parts.append(w.t("on {workstation}", workstation=name(intent.get("workstation"))))
    if intent.get("stream"):
        parts.append(w.t("in stream {stream}", stream=name(intent.get("stream"))))
    return (" " + " ".join(parts)) if parts else ""


def _job_table(rows: list[dict], ctx: _Context, extra: tuple[str, Callable[[dict], Any]] | None = None) -> str:
    headers = ctx.w.headers("job", "stream", "workstation", "status", "start", "end", "RC")
    if extra:
        headers.append(ctx.w.t(extra[0]))
    out = []
    for r in rows[:SHOWN_ROWS]:
        row = [name(r.get("name")), r.get("job_stream"), r.get("workstation"), r.get("status"),
               ctx.at(r.get("start")), ctx.at(r.get("end")), r.get("return_code")]
        if extra:
            row.append(extra[1](r))
        out.append(row)
    return fmt.table(headers, out)


def _more(shown: int, total: int, w: Wording) -> str:
    return w.t("\n\n…and {count} more on the Monitoring page.", count=total - shown) if total > shown else ""


async def _list_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
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
    heading = f"**{w.n(total, 'job')}**{' ' + what if what else ''}{_scope(intent)}"
    if not rows:
        return w.t("No job{what}{scope} in the current plan.", what=" " + what if what else "",
                   scope=_scope(intent)), None
    note = w.t(" (among the {count} most recent)", count=SCAN_ROWS) if capped else ""
    return f"{heading}{note}:\n\n{_job_table(rows, ctx)}{_more(min(len(rows), SHOWN_ROWS), total, w)}", None


def _latest(row: dict) -> datetime | None:
    return fmt.to_datetime(row.get("end")) or fmt.to_datetime(row.get("start"))


async def _flagged(intent: Intent, reads: _Reads, ctx: _Context, flag: str, label: str,
                   extra: tuple[str, Callable[[dict], Any]] | None) -> str:
    kwargs = {"status": ["EXEC"]} if flag == "running" else {flag: True}
    page = await reads("jobs", workstation=intent.get("workstation"), stream=intent.get("stream"), sort="start",
                       limit=SHOWN_ROWS, **kwargs)
    rows, total = page.get("results", []), int(page.get("count", 0))
    if not total:
        return ctx.w.t("No {label} job{scope} right now.", label=ctx.w.term(label), scope=_scope(intent))
    return (f"**{ctx.w.n(total, label + ' job')}**{_scope(intent)}:\n\n{_job_table(rows, ctx, extra)}"
            f"{_more(len(rows[:SHOWN_ROWS]), total, ctx.w)}")


def _running_for(ctx: _Context) -> tuple[str, Callable[[dict], Any]]:
    def value(row: dict) -> str:
        start = fmt.to_datetime(row.get("start"))
        return duration((ctx.now - start).total_seconds()) if start else "–"
    return ("running for", value)


async def _late_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "late", "late", None)
    if text.startswith("**"):
        text += ctx.w.t("\n\nLate: not started within the late threshold after the scheduled start.")
    return text, None


async def _stuck_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "stuck", "stuck", _running_for(ctx))
    if text.startswith("**"):
        text += ctx.w.t("\n\nStuck: running longer than the stuck threshold.")
    return text, None


async def _running_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    return await _flagged(intent, reads, ctx, "running", "running", _running_for(ctx)), None


# ---- plan-wide ------------------------------------------------------------------------------------------

async def _summary(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
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


async def _workstation_status(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
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
        (name(r.get("name")), w.t("yes") if r.get("linked") else w.t("no"), r.get("status")) for r in rows[:20]]) + _more(
        min(len(rows), 20), len(rows), w), None


async def _recent_events(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
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
    return "\n".join(lines) + _more(min(len(rows), SHOWN_ROWS), total, w), None


async def _deadline_threats(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    if not intent.get("job"):
        return await _critical_at_risk(reads, ctx), None
    job, missing = await _find_job(intent, reads)
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


async def _critical_at_risk(reads: _Reads, ctx: _Context) -> str:
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
            _more(len(at_risk), total, w) +
            w.t("\n\nAsk “what threatens JOB's deadline?” for one job's critical path."))


# ---- actions --------------------------------------------------------------------------------------------

def _action_note(action: str, status: str) -> str | None:
    """A warning when the action does not fit the job's current status (the operator still decides; a message id
    of the catalogues)."""
    running, ended = status in RUNNING_STATUSES, status in FINISHED
    if action == "rerun" and running:
        return "it is running now; a rerun normally follows an ABEND or FAIL."
    if action == "rerun" and not ended:
        return "it has not run yet."
    if action == "hold" and running:
        return "it is running now, and hold does not stop a running job."
    if action == "hold" and ended:
        return "it has already ended; a hold only keeps a job from starting."
    if action == "release" and status != "HOLD":
        return "it is not on hold."
    if action == "cancel" and running:
        return "it is running now; cancelling a running job does not stop it."
    if action == "cancel" and ended:
        return "it has already ended."
    return None


async def _action_request(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, dict | None]:
    w = ctx.w
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing + w.t(" Nothing was done."), None
    action, status = intent.get("action"), str(job.get("status") or "")
    if not ctx.may_act:
        return f"{_headline(job, w)}\n\n{sign_in_to_act(action, qualified(job), w)}", None
    note = _action_note(action, status)
    lines = [_headline(job, w), "", w.t("**{Action} {job}?** Nothing has been done yet: confirm to {action} it (needs a "
                                        "signed-in operator).", Action=w.term(action).capitalize(), job=qualified(job),
                                        action=w.term(action))]
    if note:
        lines.append(w.t("\nNote: {note}", note=w.t(note)))
    confirm = {"action": action, "job_id": job.get("id"), "job": job.get("name"), "job_stream": job.get("job_stream"),
               "workstation": job.get("workstation"), "instance": ctx.instance or ctx.summary.get("instance")}
    return "\n".join(lines), confirm


# ---- knowledge ------------------------------------------------------------------------------------------

async def _knowledge(intent: Intent, search: KnowledgeSearch, kb: KnowledgeBase) -> FastAnswer | None:
    w = wording(intent.lang)
    query, asked = intent.get("query"), intent.get("question")  # asked: a Portuguese question as typed (`rag`)
    found = await (search(asked, 3, builtin=query) if asked else search(query, 3))
    if not found.hits:
        return None
    top, others = found.hits[0], found.hits[1:]
    if found.source == "builtin":  # the document in the question's language when it is written in it
        doc = w.document(top.id) or kb.document(top.id)
        body = f"**{doc.title}**\n\n{doc.body}" if doc else f"**{top.title}**\n\n{top.snippet}"
        footer = w.t("_From the built-in knowledge base ({id}) · no model used._", id=name(top.id))
        others = [replace(h, title=translated.title) if (translated := w.document(h.id)) else h for h in others]
    else:  # a document Resync did not write: its title and text are shown as text, never as links, images or HTML
        snippet = fmt.paragraphs(top.snippet)
        body = f"**{fmt.plain(top.title)}**\n\n{snippet}" if top.title else snippet
        footer = w.t("_From the knowledge service (RAG) · no model used._")
    titles = [fmt.plain(h.title) for h in others if h.title]
    see_also = w.t("\n\nSee also: {titles}.", titles="; ".join(titles)) if titles else ""
    return FastAnswer(f"{body}{see_also}\n\n{footer}", intent, f"knowledge:{found.source}", None, found.calls)


_HANDLERS = {
    "job_status": _job_status, "job_log": _job_log, "job_dependencies": _job_dependencies,
    "job_history": _job_history, "list_jobs": _list_jobs, "late_jobs": _late_jobs, "stuck_jobs": _stuck_jobs,
    "running_jobs": _running_jobs, "summary": _summary, "workstation_status": _workstation_status,
    "recent_events": _recent_events, "deadline_threats": _deadline_threats, "action_request": _action_request,
    "shift_report": shift_answer,
    "job_estimate": lambda intent, reads, ctx: estimate_answer(intent, reads, ctx, _find_job),  # issue 17
}
