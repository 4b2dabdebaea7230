"""The fast path's answers about one job: finding it in the plan (`find_job`, also the estimate's lookup), its
status, log, dependencies and run history. English text is the catalogues' message id (`assistant/lang`)."""

from __future__ import annotations

import statistics

from resync_app.assistant import fmt
from resync_app.assistant.fast_answer import SHOWN_ROWS, AnswerContext, PlanReads
from resync_app.assistant.fmt import FINISHED, duration, name, qualified
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.lang import Wording, wording
from resync_app.tws.statuses import FAILED_STATUSES


async def find_job(intent: Intent, reads: PlanReads) -> tuple[dict | None, str | None]:
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


def headline(job: dict, w: Wording) -> str:
    """The first line of a one-job answer: its name, stream, workstation, status and return code."""
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


async def job_status(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    lines = [headline(job, w)]
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


async def job_log(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    log = job.get("log_excerpt")
    if not log:
        return f"{headline(job, ctx.w)}\n\n{ctx.w.t('No job log is available for this run.')}", None
    return f"{headline(job, ctx.w)}\n\n{ctx.w.t('End of its job log:')}\n\n```\n{fmt.excerpt(log)}\n```", None


async def job_dependencies(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    deps = list(job.get("dependencies") or [])
    if not deps:
        return f"{headline(job, w)}\n\n{w.t('It has no dependencies in the plan.')}", None
    deps.sort(key=lambda d: bool(d.get("satisfied")))
    open_count = sum(1 for d in deps if not d.get("satisfied"))
    lines = [headline(job, w), "", w.t("{dependencies}, {open} not satisfied:", open=open_count,
                                        dependencies=w.n(len(deps), "dependency", "dependencies"))]
    for dep in deps[:20]:
        label = qualified(dep) if dep.get("name") else name(dep.get("type") or w.t("dependency"))
        status = f" — {fmt.plain(dep['status'])}" if dep.get("status") else ""
        kind = f" ({fmt.plain(dep['type'])})" if dep.get("type") and dep.get("name") else ""
        mark = w.t("✓ satisfied") if dep.get("satisfied") else w.t("✗ not satisfied")
        lines.append(f"- {label}{kind}{status} · {mark}")
    return "\n".join(lines), None


async def job_history(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, None]:
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    w = ctx.w
    runs = list(job.get("history") or [])
    if not runs:
        return f"{headline(job, w)}\n\n{w.t('No earlier runs are recorded for it.')}", None
    durations = [float(r["duration_s"]) for r in runs if r.get("duration_s") is not None]
    lines = [headline(job, w), ""]
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
