"""The zero-cost fast path: answer a plain lookup from the plan snapshot (or the knowledge base), no model.

    answer = await fast_path(message, reader, instance=None, tz=settings.timezone)
    if answer is None: ...ask the model...

`fast_path` parses the message (`intents.parse`) and formats the answer from a `PlanReader`; it returns None when
the question needs the model (no intent, or nothing to answer it with: an unknown knowledge topic, a reader without
workstation data). Answers are short Markdown that cite the plan data they used (job names, statuses, times) and
end with "as of HH:MM … answered from the plan, no model used". `FastAnswer.calls` lists the reads made (for the
`tool_calls` of `POST /api/v1/chat`). An `action_request` is never executed here: the answer asks for a
confirmation and `FastAnswer.confirm` carries what the confirm button needs.
"""

from __future__ import annotations

import inspect
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from resync_app.assistant import fmt
from resync_app.assistant.acting import sign_in_to_act
from resync_app.assistant.fmt import FINISHED, STATUS_PHRASE, clock, duration, name, plural, qualified
from resync_app.assistant.intents import Intent, parse, resolve_since
from resync_app.assistant.kb import KnowledgeBase, get_knowledge_base
from resync_app.assistant.rag import KnowledgeAnswer, knowledge_search
from resync_app.assistant.shift import shift_answer
from resync_app.tws.statuses import FAILED_STATUSES, RUNNING_STATUSES

SHOWN_ROWS = 10
SCAN_ROWS = 500
PLAN_FOOTER = "answered from the plan, no model used"

KnowledgeSearch = Callable[[str, int], Awaitable[KnowledgeAnswer]]


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
    if intent.name == "knowledge":
        return await _knowledge(intent, knowledge or knowledge_search, kb or get_knowledge_base())
    reads = _Reads(reader, instance)
    try:
        summary = await reads("summary")
    except _NotAnswerable:
        return None
    if not summary:
        text = ("No plan data is available for this TWS instance yet: the poller has not completed a poll. "
                "Check the instance on the TWS Configuration page.")
        return FastAnswer(text + f"\n\n_{PLAN_FOOTER}._", intent, "plan", None, reads.calls)
    handler = _HANDLERS[intent.name]
    try:
        body, confirm = await handler(intent, reads, _Context(now, tz, instance, summary, may_act))
    except _NotAnswerable:
        return None
    as_of = fmt.to_datetime(summary.get("as_of"))
    text = _with_footer(body, summary, as_of, now, tz)
    return FastAnswer(text, intent, "plan", as_of, reads.calls, confirm)


@dataclass
class _Context:
    now: datetime
    tz: tzinfo
    instance: str | None
    summary: dict
    may_act: bool = True

    def at(self, value: Any) -> str:
        return clock(value, self.now, self.tz)


def _with_footer(body: str, summary: dict, as_of: datetime | None, now: datetime, tz: tzinfo) -> str:
    parts = []
    stale = summary.get("stale_since")
    if stale:
        parts.append(f"⚠ TWS has not answered since {clock(stale, now, tz)}: this data may be out of date.")
    parts.append(body)
    when = f"As of {clock(as_of, now, tz)} ({_tz_label(as_of or now, tz)})" if as_of else "As of the last poll"
    where = f" on {name(summary.get('instance'))}" if summary.get("instance") else ""
    parts.append(f"_{when}{where} · {PLAN_FOOTER}._")
    return "\n\n".join(parts)


def _tz_label(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).tzname() or str(tz)


# ---- one job --------------------------------------------------------------------------------------------

async def _find_job(intent: Intent, reads: _Reads) -> tuple[dict | None, str | None]:
    """(the job's detail, None) or (None, a sentence saying why it was not found or is ambiguous)."""
    job, stream, ws = intent.get("job"), intent.get("stream"), intent.get("workstation")
    page = await reads("jobs", q=job, stream=stream, limit=50)
    rows = [r for r in (page or {}).get("results", []) if str(r.get("name", "")).upper() == job]
    if ws and len(rows) > 1:
        rows = [r for r in rows if ws in (str(r.get("workstation", "")).upper(),
                                          str(r.get("job_stream_workstation", "")).upper())] or rows
    if len(rows) > 1 and len({_identity(r) for r in rows}) == 1:
        rows = [_current_run(rows)]  # one job on several plan days: the run that matters now
    if len(rows) > 1:  # STREAM.JOB on two workstations are two jobs: name them as TWS does, WS#STREAM.JOB
        listed = ", ".join(name(_ws_name(r)) for r in rows[:SHOWN_ROWS])
        return None, (f"{plural(len(rows), 'job')} named {name(job)} are in the plan: {listed}. "
                      f"Ask again with the workstation and stream, e.g. {name(_ws_name(rows[0]))}.")
    detail = await reads("job", rows[0]["id"] if rows else job)
    if detail:
        return detail, None
    where = f" in stream {name(stream)}" if stream else ""
    near = (page or {}).get("results", [])[:5]
    hint = f" Similar names: {', '.join(qualified(r) for r in near)}." if near else ""
    return None, f"No job named {name(job)}{where} is in the current plan.{hint}"


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


def _headline(job: dict) -> str:
    status = str(job.get("status") or "?")
    where = ", ".join(p for p in (f"stream {name(job['job_stream'])}" if job.get("job_stream") else "",
                                  f"workstation {name(job['workstation'])}" if job.get("workstation") else "") if p)
    phrase = STATUS_PHRASE.get(status)
    rc = job.get("return_code")
    rc_text = f", return code {rc}" if rc is not None and status in FINISHED | {"PEND"} else ""
    return (f"{name(job.get('name'))}{f' ({where})' if where else ''} is **{fmt.plain(status)}**"
            f"{f' ({phrase})' if phrase else ''}{rc_text}.")


async def _job_status(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    lines = [_headline(job)]
    start, end = job.get("start"), job.get("end")
    if start and end:
        lines.append(f"- Started {ctx.at(start)}, ended {ctx.at(end)} ({duration(job.get('duration_s'))}).")
    elif start:
        running = (ctx.now - fmt.to_datetime(start)).total_seconds()
        lines.append(f"- Started {ctx.at(start)}, running for {duration(running)}.")
    else:
        lines.append("- Not started yet.")
    if job.get("late"):
        lines.append("- **Late**: not started within the late threshold after its scheduled start.")
    if job.get("stuck"):
        lines.append("- **Stuck**: running longer than the stuck threshold.")
    if job.get("critical"):
        lines.append(f"- Critical job: deadline {ctx.at(job.get('deadline'))}, risk {fmt.plain(job.get('risk'))} "
                     f"(confidence {fmt.percent(job.get('confidence'))}).")
    if job.get("status") in FAILED_STATUSES:
        lines.append(f"\nAsk “why did {job.get('name')} fail?” for an analysis, or “show the log of "
                     f"{job.get('name')}”.")
    return "\n".join(lines), None


async def _job_log(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    log = job.get("log_excerpt")
    if not log:
        return f"{_headline(job)}\n\nNo job log is available for this run.", None
    return f"{_headline(job)}\n\nEnd of its job log:\n\n```\n{fmt.excerpt(log)}\n```", None


async def _job_dependencies(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    deps = list(job.get("dependencies") or [])
    if not deps:
        return f"{_headline(job)}\n\nIt has no dependencies in the plan.", None
    deps.sort(key=lambda d: bool(d.get("satisfied")))
    open_count = sum(1 for d in deps if not d.get("satisfied"))
    lines = [_headline(job), "", f"{plural(len(deps), 'dependency', 'dependencies')}, {open_count} not satisfied:"]
    for dep in deps[:20]:
        label = qualified(dep) if dep.get("name") else name(dep.get("type") or "dependency")
        status = f" — {fmt.plain(dep['status'])}" if dep.get("status") else ""
        kind = f" ({fmt.plain(dep['type'])})" if dep.get("type") and dep.get("name") else ""
        mark = "✓ satisfied" if dep.get("satisfied") else "✗ not satisfied"
        lines.append(f"- {label}{kind}{status} · {mark}")
    return "\n".join(lines), None


async def _job_history(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    runs = list(job.get("history") or [])
    if not runs:
        return f"{_headline(job)}\n\nNo earlier runs are recorded for it.", None
    durations = [float(r["duration_s"]) for r in runs if r.get("duration_s") is not None]
    lines = [_headline(job), ""]
    if len(durations) == 1:
        lines.append(f"Its last recorded run took {duration(durations[0])}.\n")
    elif durations:
        lines.append(f"Over its last {len(durations)} runs: median {duration(statistics.median(durations))}"
                     f" (shortest {duration(min(durations))}, longest {duration(max(durations))}).\n")
    lines.append(fmt.table(["start", "duration", "status", "RC"], [
        (ctx.at(r.get("start")), duration(r.get("duration_s")), r.get("status"), r.get("return_code"))
        for r in runs[:SHOWN_ROWS]]))
    return "\n".join(lines), None


# ---- lists ----------------------------------------------------------------------------------------------

def _scope(intent: Intent) -> str:
    parts = []
    if intent.get("workstation"):
        parts.append(f"on {name(intent.get('workstation'))}")
    if intent.get("stream"):
        parts.append(f"in stream {name(intent.get('stream'))}")
    return (" " + " ".join(parts)) if parts else ""


def _job_table(rows: list[dict], ctx: _Context, extra: tuple[str, Callable[[dict], Any]] | None = None) -> str:
    headers = ["job", "stream", "workstation", "status", "start", "end", "RC"]
    if extra:
        headers.append(extra[0])
    out = []
    for r in rows[:SHOWN_ROWS]:
        row = [name(r.get("name")), r.get("job_stream"), r.get("workstation"), r.get("status"),
               ctx.at(r.get("start")), ctx.at(r.get("end")), r.get("return_code")]
        if extra:
            row.append(extra[1](r))
        out.append(row)
    return fmt.table(headers, out)


def _more(shown: int, total: int) -> str:
    return f"\n\n…and {total - shown} more on the Monitoring page." if total > shown else ""


async def _list_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    status = intent.get("status")
    since = resolve_since(intent.get("since"), ctx.now, ctx.tz)
    what = f"with status {', '.join(status)}" if status else ""
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
        what += f" since {ctx.at(since)}"
    heading = f"**{plural(total, 'job')}**{' ' + what if what else ''}{_scope(intent)}"
    if not rows:
        return f"No job{' ' + what if what else ''}{_scope(intent)} in the current plan.", None
    note = f" (among the {SCAN_ROWS} most recent)" if capped else ""
    return f"{heading}{note}:\n\n{_job_table(rows, ctx)}{_more(min(len(rows), SHOWN_ROWS), total)}", None


def _latest(row: dict) -> datetime | None:
    return fmt.to_datetime(row.get("end")) or fmt.to_datetime(row.get("start"))


async def _flagged(intent: Intent, reads: _Reads, ctx: _Context, flag: str, label: str,
                   extra: tuple[str, Callable[[dict], Any]] | None) -> str:
    kwargs = {"status": ["EXEC"]} if flag == "running" else {flag: True}
    page = await reads("jobs", workstation=intent.get("workstation"), stream=intent.get("stream"), sort="start",
                       limit=SHOWN_ROWS, **kwargs)
    rows, total = page.get("results", []), int(page.get("count", 0))
    if not total:
        return f"No {label} job{_scope(intent)} right now."
    return (f"**{plural(total, label + ' job')}**{_scope(intent)}:\n\n{_job_table(rows, ctx, extra)}"
            f"{_more(len(rows[:SHOWN_ROWS]), total)}")


def _running_for(ctx: _Context) -> tuple[str, Callable[[dict], Any]]:
    def value(row: dict) -> str:
        start = fmt.to_datetime(row.get("start"))
        return duration((ctx.now - start).total_seconds()) if start else "–"
    return ("running for", value)


async def _late_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "late", "late", None)
    if text.startswith("**"):
        text += "\n\nLate: not started within the late threshold after the scheduled start."
    return text, None


async def _stuck_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    text = await _flagged(intent, reads, ctx, "stuck", "stuck", _running_for(ctx))
    if text.startswith("**"):
        text += "\n\nStuck: running longer than the stuck threshold."
    return text, None


async def _running_jobs(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    return await _flagged(intent, reads, ctx, "running", "running", _running_for(ctx)), None


# ---- plan-wide ------------------------------------------------------------------------------------------

async def _summary(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    s = ctx.summary
    counts, ws = s.get("counts") or {}, s.get("workstations") or {}
    keys = ("running", "completed", "failed", "pending", "late", "stuck", "total")
    lines = [f"The plan is **{fmt.plain(s.get('health', 'unknown'))}**.", "",
             fmt.table(keys, [[counts.get(k, "–") for k in keys]])]
    if ws:
        lines.append(f"\nWorkstations: {ws.get('linked', '–')} linked, {ws.get('unlinked', '–')} unlinked "
                     f"(of {ws.get('total', '–')}).")
    return "\n".join(lines), None


async def _workstation_status(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    page = await reads("workstations")
    rows = list((page or {}).get("results", []))
    wanted = intent.get("name")
    if wanted:
        match = [r for r in rows if str(r.get("name", "")).upper() == wanted]
        if not match:
            return f"No workstation named {name(wanted)} is in the current plan.", None
        r = match[0]
        state = "linked" if r.get("linked") else "**not linked**"
        extra = f", status {fmt.plain(r['status'])}" if r.get("status") else ""
        return f"Workstation {name(wanted)} is {state}{extra}.", None
    link = intent.get("link")
    if link:
        rows = [r for r in rows if bool(r.get("linked")) == (link == "linked")]
    if not rows:
        return (f"No workstation is {link}." if link else "No workstation is in the current plan."), None
    heading = f"**{plural(len(rows), 'workstation')}**{' ' + link if link else ''}:"
    return heading + "\n\n" + fmt.table(["workstation", "linked", "status"], [
        (name(r.get("name")), "yes" if r.get("linked") else "no", r.get("status")) for r in rows[:20]]) + _more(
        min(len(rows), 20), len(rows)), None


async def _recent_events(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    since = resolve_since(intent.get("since"), ctx.now, ctx.tz)
    page = await reads("events", severity=intent.get("severity"), since=since, limit=SHOWN_ROWS)
    rows, total = page.get("results", []), int(page.get("count", 0))
    scope = " ".join(p for p in (intent.get("severity") or "", "event" if total == 1 else "events") if p)
    when = f" since {ctx.at(since)}" if since else ""
    if not rows:
        return f"No {scope}{when}.", None
    lines = [f"**{total} {scope}**{when}, newest first:", ""]
    for e in rows[:SHOWN_ROWS]:
        subject = " ".join(name(e[k]) for k in ("job", "workstation") if e.get(k))
        message = fmt.plain(e["message"]) if e.get("message") else ""
        kind = fmt.plain(str(e.get("type") or "event").replace("_", " "))
        lines.append(f"- {ctx.at(e.get('at'))} · {fmt.plain(e.get('severity'))} · {kind}"
                     f"{' · ' + subject if subject else ''}{' — ' + message if message else ''}")
    return "\n".join(lines) + _more(min(len(rows), SHOWN_ROWS), total), None


async def _deadline_threats(intent: Intent, reads: _Reads, ctx: _Context) -> tuple[str, None]:
    if not intent.get("job"):
        return await _critical_at_risk(reads, ctx), None
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing, None
    data = await reads("deadline_threats", job.get("id") or intent.get("job"))
    if not data or not data.get("deadline"):
        return f"{name(job.get('name'))} has no deadline in the plan (it is not a critical job).", None
    risk = fmt.plain(data.get("risk") or "unknown")
    lines = [f"{name(job.get('name'))} is **{fmt.plain(job.get('status', '?'))}**, deadline {ctx.at(data.get('deadline'))}: "
             f"**{risk} risk**, confidence {fmt.percent(data.get('confidence'))} of ending on time "
             f"(estimated end {ctx.at(data.get('estimated_end'))})."]
    threats = list(data.get("threats") or [])
    if not threats:
        lines.append("\nNo predecessor threatens it now.")
    else:
        lines += ["", "What threatens it, least slack first:", "",
                  fmt.table(["job", "status", "slack", "estimated end", "why"], [
                      (qualified(t), t.get("status"), fmt.slack(t.get("slack_s")), ctx.at(t.get("estimated_end")),
                       t.get("reason")) for t in threats[:SHOWN_ROWS]])]
    return "\n".join(lines), None


async def _critical_at_risk(reads: _Reads, ctx: _Context) -> str:
    """The critical jobs the dashboard's tile counts as at risk (the read layer's `at_risk` rule)."""
    page = await reads("jobs", at_risk=True, sort="confidence", limit=SHOWN_ROWS)
    at_risk, total = page.get("results", []), int(page.get("count", 0))
    if not at_risk:
        critical = await reads("jobs", critical=True, limit=1)
        return f"No critical job is at risk ({plural(int(critical.get('count', 0)), 'critical job')} in the plan)."
    return (f"**{plural(total, 'critical job')} at risk**, least likely to end on time first:\n\n" +
            fmt.table(["job", "status", "deadline", "risk", "confidence"], [
                (qualified(r), r.get("status"), ctx.at(r.get("deadline")), r.get("risk"),
                 fmt.percent(r.get("confidence"))) for r in at_risk]) +
            _more(len(at_risk), total) +
            "\n\nAsk “what threatens JOB's deadline?” for one job's critical path.")


# ---- actions --------------------------------------------------------------------------------------------

def _action_note(action: str, status: str) -> str | None:
    """A warning when the action does not fit the job's current status (the operator still decides)."""
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
    job, missing = await _find_job(intent, reads)
    if job is None:
        return missing + " Nothing was done.", None
    action, status = intent.get("action"), str(job.get("status") or "")
    if not ctx.may_act:
        return f"{_headline(job)}\n\n{sign_in_to_act(action, qualified(job))}", None
    note = _action_note(action, status)
    lines = [_headline(job), "", f"**{action.capitalize()} {qualified(job)}?** Nothing has been done yet: confirm to "
             f"{action} it (needs a signed-in operator)."]
    if note:
        lines.append(f"\nNote: {note}")
    confirm = {"action": action, "job_id": job.get("id"), "job": job.get("name"), "job_stream": job.get("job_stream"),
               "workstation": job.get("workstation"), "instance": ctx.instance or ctx.summary.get("instance")}
    return "\n".join(lines), confirm


# ---- knowledge ------------------------------------------------------------------------------------------

async def _knowledge(intent: Intent, search: KnowledgeSearch, kb: KnowledgeBase) -> FastAnswer | None:
    found = await search(intent.get("query"), 3)
    if not found.hits:
        return None
    top, others = found.hits[0], found.hits[1:]
    if found.source == "builtin":
        doc = kb.document(top.id)
        body = f"**{doc.title}**\n\n{doc.body}" if doc else f"**{top.title}**\n\n{top.snippet}"
        footer = f"_From the built-in knowledge base ({name(top.id)}) · no model used._"
    else:  # a document Resync did not write: its title and text are shown as text, never as links, images or HTML
        snippet = fmt.paragraphs(top.snippet)
        body = f"**{fmt.plain(top.title)}**\n\n{snippet}" if top.title else snippet
        footer = "_From the knowledge service (RAG) · no model used._"
    titles = [fmt.plain(h.title) for h in others if h.title]
    see_also = f"\n\nSee also: {'; '.join(titles)}." if titles else ""
    return FastAnswer(f"{body}{see_also}\n\n{footer}", intent, f"knowledge:{found.source}", None, found.calls)


_HANDLERS = {
    "job_status": _job_status, "job_log": _job_log, "job_dependencies": _job_dependencies,
    "job_history": _job_history, "list_jobs": _list_jobs, "late_jobs": _late_jobs, "stuck_jobs": _stuck_jobs,
    "running_jobs": _running_jobs, "summary": _summary, "workstation_status": _workstation_status,
    "recent_events": _recent_events, "deadline_threats": _deadline_threats, "action_request": _action_request,
    "shift_report": shift_answer,
}
