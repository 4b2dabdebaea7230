"""The chat's tools: what the model may call (OpenAI function-calling schemas) and how each call is answered from
the plan snapshot (`plan.SnapshotReader`), the deadline threats and the knowledge search.

`await run_tool(name, arguments, reader, instance)` → `ToolOutcome(result, proposal)`: `result` is the JSON-able
answer sent back to the model (compact; an unknown tool or bad arguments answer `{"error": …}`, never raise);
`proposal` is set by `propose_action` only: the action the operator may confirm. No tool changes anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from resync_app.assistant.rag import knowledge_search
from resync_app.db import utcnow
from resync_app.tws.client import ACTIONS
from resync_app.tws.query_params import QueryInvalid

MAX_ROWS = 20
MAX_RESULT_CHARS = 6000
_JOB_KEYS = ("id", "name", "job_stream", "workstation", "status", "start", "end", "duration_s", "return_code",
             "late", "stuck", "critical", "deadline", "risk", "confidence")


def _fn(name: str, description: str, properties: dict[str, Any] | None = None,
        required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": {
        "type": "object", "properties": properties or {}, "required": required or []}}}


_JOB_ARG = {"job": {"type": "string", "description": "job name, STREAM.JOB, WS#STREAM.JOB or plan job id"}}
TOOLS: list[dict[str, Any]] = [
    _fn("plan_summary", "Counts of the current plan by state (running, completed, failed, pending, late, stuck), "
                        "its health and the workstations' link state."),
    _fn("find_jobs", "Search jobs of the current plan.", {
        "query": {"type": "string", "description": "part of a job, stream or workstation name"},
        "status": {"type": "string", "description": "HWA statuses, comma-separated: ABEND, SUCC, EXEC, HOLD, …"},
        "workstation": {"type": "string"}, "stream": {"type": "string"},
        "late": {"type": "boolean"}, "stuck": {"type": "boolean"},
        "limit": {"type": "integer", "description": f"at most {MAX_ROWS}"}}),
    _fn("get_job", "One job: status, times, return code, predecessors, recent runs, deadline risk.", _JOB_ARG,
        ["job"]),
    _fn("job_log", "The end of a job's current log (from TWS).", _JOB_ARG, ["job"]),
    _fn("job_stream", "The jobs of one job stream and their states.", {"stream": {"type": "string"}}, ["stream"]),
    _fn("workstations", "Workstations and their link state (all, or one by name).", {"name": {"type": "string"}}),
    _fn("recent_events", "Recent TWS events (abends, late, stuck, links), newest first.", {
        "severity": {"type": "string", "enum": ["critical", "warning", "info"]},
        "minutes": {"type": "integer", "description": "only the last N minutes"},
        "limit": {"type": "integer", "description": f"at most {MAX_ROWS}"}}),
    _fn("deadline_threats", "What threatens a critical job's deadline: risk, confidence and the predecessors on "
                            "its critical path, least slack first.", _JOB_ARG, ["job"]),
    _fn("search_knowledge", "Search the knowledge base (job states, return codes, what abend/stuck/late mean, "
                            "what each action does).", {"query": {"type": "string"}}, ["query"]),
    _fn("propose_action", "Propose rerun/hold/release/cancel of one job. This does NOT perform it: the operator "
                          "confirms in the console.", {**_JOB_ARG, "action": {"type": "string", "enum": list(ACTIONS)}},
        ["job", "action"]),
]
TOOL_NAMES = {t["function"]["name"] for t in TOOLS}


@dataclass
class ToolOutcome:
    result: Any
    proposal: dict[str, Any] | None = None


def parse_arguments(raw: Any) -> dict[str, Any]:
    """The model's arguments (JSON text or a dict) as a dict; anything else is empty."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def as_text(result: Any) -> str:
    """A tool result as the text sent back to the model (capped)."""
    text = json.dumps(result, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_RESULT_CHARS else text[:MAX_RESULT_CHARS] + "…(truncated)"


def _row(job: dict) -> dict:
    return {k: job.get(k) for k in _JOB_KEYS if job.get(k) not in (None, False)}


def _limit(value: Any) -> int:
    try:
        return max(1, min(MAX_ROWS, int(value)))
    except (TypeError, ValueError):
        return 10


async def run_tool(name: str, arguments: Any, reader, instance: str | None) -> ToolOutcome:
    """Answer one tool call (see the module docstring)."""
    args = parse_arguments(arguments)
    handler = _HANDLERS.get(name)
    if handler is None:
        return ToolOutcome({"error": f"unknown tool {name!r}"})
    try:
        return await handler(args, reader, instance)
    except QueryInvalid as exc:
        return ToolOutcome({"error": str(exc)})
    except (KeyError, TypeError, ValueError) as exc:
        return ToolOutcome({"error": f"bad arguments for {name}: {exc}"})


async def _summary(args, reader, instance) -> ToolOutcome:
    data = await reader.summary(instance)
    if not data:
        return ToolOutcome({"error": "no plan data: the TWS instance has not been polled yet"})
    return ToolOutcome({k: data.get(k) for k in ("instance", "as_of", "stale_since", "health", "counts",
                                                 "workstations")})


async def _find_jobs(args, reader, instance) -> ToolOutcome:
    filters = {k: args[k] for k in ("workstation", "stream", "late", "stuck", "status") if args.get(k) is not None}
    if args.get("query"):
        filters["q"] = str(args["query"])
    page = await reader.jobs(instance, limit=_limit(args.get("limit")), sort="-end", **filters)
    return ToolOutcome({"count": page.get("count"), "results": [_row(r) for r in page.get("results", [])]})


async def _job_detail(args, reader, instance) -> tuple[dict | None, ToolOutcome | None]:
    job = await reader.job(instance, str(args["job"]))
    if job is None:
        return None, ToolOutcome({"error": f"no job {args['job']!r} in the current plan"})
    return job, None


async def _get_job(args, reader, instance) -> ToolOutcome:
    job, missing = await _job_detail(args, reader, instance)
    if job is None:
        return missing
    out = _row(job)
    out["predecessors"] = [{k: d.get(k) for k in ("name", "job_stream", "status", "satisfied")}
                           for d in job.get("dependencies", [])[:MAX_ROWS]]
    out["recent_runs"] = [{k: r.get(k) for k in ("start", "end", "duration_s", "status", "return_code")}
                          for r in job.get("history", [])[:5]]
    return ToolOutcome(out)


async def _job_log(args, reader, instance) -> ToolOutcome:
    job, missing = await _job_detail(args, reader, instance)
    if job is None:
        return missing
    text = await reader.log(instance, job["id"])
    return ToolOutcome({**_row(job), "log_excerpt": (text or "no log available")[-3000:]})


async def _job_stream(args, reader, instance) -> ToolOutcome:
    page = await reader.jobs(instance, stream=str(args["stream"]).upper(), limit=200, sort="start")
    rows = page.get("results", [])
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.get("status") or "?"] = by_status.get(row.get("status") or "?", 0) + 1
    return ToolOutcome({"stream": str(args["stream"]).upper(), "jobs": page.get("count"), "by_status": by_status,
                        "results": [_row(r) for r in rows[:MAX_ROWS]]})


async def _workstations(args, reader, instance) -> ToolOutcome:
    rows = (await reader.workstations(instance)).get("results", [])
    if args.get("name"):
        rows = [r for r in rows if str(r.get("name", "")).upper() == str(args["name"]).upper()]
        if not rows:
            return ToolOutcome({"error": f"no workstation {args['name']!r} in the plan"})
    return ToolOutcome({"count": len(rows), "results": [
        {k: r.get(k) for k in ("name", "type", "linked", "link_status", "running", "offline")} for r in rows[:50]]})


async def _recent_events(args, reader, instance) -> ToolOutcome:
    filters: dict[str, Any] = {"limit": _limit(args.get("limit"))}
    if args.get("severity"):
        filters["severity"] = str(args["severity"])
    if args.get("minutes"):
        filters["since"] = utcnow() - timedelta(minutes=max(1, int(args["minutes"])))
    page = await reader.events(instance, **filters)
    keys = ("at", "type", "severity", "job", "job_stream", "workstation", "status", "return_code", "message")
    return ToolOutcome({"count": page.get("count"), "results": [
        {k: e.get(k) for k in keys if e.get(k) is not None} for e in page.get("results", [])]})


async def _deadline_threats(args, reader, instance) -> ToolOutcome:
    data = await reader.deadline_threats(instance, str(args["job"]))
    if data is None:
        return ToolOutcome({"error": f"no job {args['job']!r} in the current plan"})
    keys = ("job", "job_stream", "status", "deadline", "estimated_end", "risk", "confidence", "explanation")
    out = {k: data.get(k) for k in keys}
    out["threats"] = [{k: t.get(k) for k in ("name", "job_stream", "status", "slack_s", "estimated_end", "reason")}
                      for t in (data.get("threats") or [])[:10]]
    return ToolOutcome(out)


async def _search_knowledge(args, reader, instance) -> ToolOutcome:
    import asyncio

    from resync_app.assistant import learned_search

    query = str(args["query"])[:300]
    approved = await asyncio.to_thread(learned_search.search, query)  # operators' approved answers first
    found = await knowledge_search(query, 3)
    return ToolOutcome({"source": found.source, "results": [m.as_dict() for m in approved] + [
        {"id": h.id, "title": h.title, "text": h.snippet} for h in found.hits]})


async def _propose_action(args, reader, instance) -> ToolOutcome:
    action = str(args.get("action", "")).lower()
    if action not in ACTIONS:
        return ToolOutcome({"error": f"action must be one of {', '.join(ACTIONS)}"})
    job, missing = await _job_detail(args, reader, instance)
    if job is None:
        return missing
    proposal = {"action": action, "job_id": job["id"], "job": job.get("name"), "job_stream": job.get("job_stream"),
                "workstation": job.get("workstation"), "instance": job.get("instance") or instance,
                "status": job.get("status")}
    return ToolOutcome({"proposed": True, "performed": False, **proposal,
                        "note": "shown to the operator as a confirm button; nothing has been done"}, proposal)


_HANDLERS = {
    "plan_summary": _summary, "find_jobs": _find_jobs, "get_job": _get_job, "job_log": _job_log,
    "job_stream": _job_stream, "workstations": _workstations, "recent_events": _recent_events,
    "deadline_threats": _deadline_threats, "search_knowledge": _search_knowledge, "propose_action": _propose_action,
}
