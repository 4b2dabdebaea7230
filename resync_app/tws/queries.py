"""The read layer over the shared snapshot (CONTRACT §9): what operator pages, the chat and the REST API read.

Everything here reads the database the poller fills — never TWS (the job log excerpt is the one on-demand call,
in `service.log_excerpt`). Filtering, sorting and paging run in SQL on indexed columns, so a page of a 50 000-job
plan costs what a page of a 500-job plan costs; counts of status-only filters come from the summary row.

Functions (each takes `instance=None` = the primary instance; an unknown one raises `UnknownInstance`):
  summary(instance)                     → the summary row as CONTRACT §9 shapes it (+ poller, status_counts)
  jobs(instance, status=…, workstation=…, stream=…, q=…, sort=…, limit=…, offset=…, late=…, stuck=…,
       critical=…, risk=…, at_risk=…)   → {count, results}
  job(instance, job_id)                 → one job + dependencies (predecessors — jobs, and job streams it follows
                                          as a whole: `kind` "stream" — and successors) + run history
  workstations(instance)                → the workstations with their link state
  critical_jobs(instance, at_risk_only) → critical jobs with deadline, risk and confidence (least confident first)
  poll_history(instance, since)         → one row per poll: latency, outcome, counts (charts, metrics)
  instances_overview()                  → the configured instances (names, display names, primary, health)
Bad filters raise `QueryInvalid({param: message})` (HTTP 422; the parameter checks are `query_params.py`). The
events are read by `event_queries.py`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from resync_app.db import session_scope, utcnow
from resync_app.prediction import live as prediction_live
from resync_app.tws import detect, instances, operator_view, stream_deps
from resync_app.tws.count_cache import CountCache
from resync_app.tws.detect import RISK_HIGH, RISK_LEVELS, RISK_POTENTIAL
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.models import TwsJobRun, TwsPlanJob, TwsPollLog, TwsSummary, TwsWorkstation
from resync_app.tws.node_refs import is_stream
from resync_app.tws.plan_fields import RUNNING_STATUSES, SUCCESS_STATUSES
from resync_app.tws.query_params import (
    DEFAULT_LIMIT, QueryInvalid, contains_text, like_pattern, parse_limit, parse_offset, parse_statuses, split_values,
)
from resync_app.tws.statuses import CODES as STATUSES  # noqa: F401 - the monitoring page reads queries.STATUSES

SORT_KEYS = {
    "name": (TwsPlanJob.name,),
    "status": (TwsPlanJob.status, TwsPlanJob.name),
    "workstation": (TwsPlanJob.workstation, TwsPlanJob.name),
    "job_stream": (TwsPlanJob.job_stream, TwsPlanJob.name),
    "stream": (TwsPlanJob.job_stream, TwsPlanJob.name),
    "start": (TwsPlanJob.start,),
    "end": (TwsPlanJob.end,),
    "duration": (TwsPlanJob.duration_s,),
    "duration_s": (TwsPlanJob.duration_s,),
    "return_code": (TwsPlanJob.return_code,),
    "scheduled_start": (TwsPlanJob.scheduled_start,),
    "deadline": (TwsPlanJob.deadline,),
    "confidence": (TwsPlanJob.confidence,),
}
HISTORY_LIMIT = 20


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def resolve_instance(name: str | None) -> str:
    """The instance a read is about: the one named (404 if unknown) or the primary one."""
    if name:
        instances.get_instance(name)
        return name
    primary = instances.primary_instance()
    if primary is None:
        raise UnknownInstance("(none configured)")
    return primary


def _plan_statuses(instance: str | None) -> frozenset[str]:
    """The statuses the instance's plan holds now (from the summary row), for a status no table knows."""
    try:
        return frozenset(summary(instance)["status_counts"])
    except UnknownInstance:
        return frozenset()


def _at_risk(now: datetime) -> list[Any]:
    """`detect.counts_as_at_risk` in SQL: the critical jobs the summary's tile counts."""
    return [TwsPlanJob.critical == True, TwsPlanJob.risk.in_((RISK_POTENTIAL, RISK_HIGH)),  # noqa: E712
            TwsPlanJob.status.not_in(SUCCESS_STATUSES), TwsPlanJob.deadline >= now]


# ---- summary --------------------------------------------------------------------------------------------


def _summary_dict(instance: str, row: TwsSummary | None, display_name: str = "", detail: bool = False
                  ) -> dict[str, Any]:
    data = _full_summary(instance, row, display_name)
    return data if detail else operator_view.summary(data)


def _full_summary(instance: str, row: TwsSummary | None, display_name: str = "") -> dict[str, Any]:
    if row is None:
        return {"instance": instance, "display_name": display_name or instance, "polled": False, "as_of": None,
                "stale_since": None, "health": "healthy",
                "counts": {"running": 0, "completed": 0, "failed": 0, "pending": 0, "late": 0, "stuck": 0,
                           "total": 0, "at_risk": 0},
                "status_counts": {}, "workstations": {"linked": 0, "unlinked": 0, "total": 0},
                "failure_rate": 0.0, "poll_seq": 0, "baseline_at": None,
                "poller": {"state": "idle", "leader": "", "last_poll_at": None, "last_error": None}}
    health = "critical" if row.stale_since is not None else row.health
    return {
        "instance": instance, "display_name": display_name or instance, "polled": row.as_of is not None,
        "as_of": _iso(row.as_of), "stale_since": _iso(row.stale_since), "health": health,
        "plan_health": row.health,
        "counts": {"running": row.running, "completed": row.completed, "failed": row.failed, "pending": row.pending,
                   "late": row.late, "stuck": row.stuck, "total": row.total, "at_risk": row.at_risk},
        "status_counts": json.loads(row.status_counts or "{}"),
        "workstations": {"linked": row.ws_linked, "unlinked": row.ws_unlinked, "total": row.ws_total},
        "failure_rate": row.failure_rate, "poll_seq": row.poll_seq, "baseline_at": _iso(row.baseline_at),
        "engine_info": json.loads(row.engine_info or "{}"),
        "poller": {"state": row.poller_state, "leader": row.leader, "last_poll_at": _iso(row.last_poll_at),
                   "last_poll_ms": row.last_poll_ms, "last_error": row.last_error or None,
                   "last_error_at": _iso(row.last_error_at), "interval_s": row.interval_s, "mode": row.mode,
                   "next_poll_at": _iso(row.next_poll_at), "consecutive_failures": row.consecutive_failures},
    }


def summary(instance: str | None = None, *, detail: bool = False) -> dict[str, Any]:
    """`GET /api/v1/tws/summary`: health is "critical" while the instance is stale (unreachable). Operator view
    (`operator_view.summary`: no engine info, leader or raw error) unless `detail` (admin pages)."""
    name = resolve_instance(instance)
    display = instances.get_instance(name).display_name
    with session_scope() as db:
        return _summary_dict(name, db.get(TwsSummary, name), display, detail)


def instances_overview() -> list[dict[str, Any]]:
    """The configured instances with their headline state (instance pickers, dashboards)."""
    primary = instances.primary_instance()
    configs = instances.list_instances()
    with session_scope() as db:
        rows = {row.instance: row for row in db.execute(select(TwsSummary)).scalars()}
    out = []
    for config in configs:
        data = _summary_dict(config.name, rows.get(config.name), config.display_name)
        out.append({"name": config.name, "display_name": config.display_name, "enabled": config.enabled,
                    "read_only": config.read_only, "primary": config.name == primary, "health": data["health"],
                    "as_of": data["as_of"], "stale_since": data["stale_since"]})
    return out


# ---- jobs -----------------------------------------------------------------------------------------------


def _job_dict(row: TwsPlanJob, now: datetime) -> dict[str, Any]:
    duration = row.duration_s
    if duration is None and row.start is not None and row.status in RUNNING_STATUSES:
        duration = max(0.0, (now - row.start).total_seconds())
    return {
        "id": row.job_id, "instance": row.instance, "name": row.name, "job_stream": row.job_stream,
        "job_stream_id": row.job_stream_id, "workstation": row.workstation, "status": row.status,
        "common_status": row.external_status, "start": _iso(row.start), "end": _iso(row.end),
        "duration_s": round(duration, 1) if duration is not None else None, "return_code": row.return_code,
        "run_number": row.run_number, "run_seq": row.run_seq, "scheduled_start": _iso(row.scheduled_start),
        "deadline": _iso(row.deadline),
        "estimated_duration_s": row.estimated_duration_s, "critical": row.critical, "priority": row.priority,
        "late": row.late, "stuck": row.stuck, "risk": row.risk or None, "confidence": row.confidence,
        "at_risk": bool(row.critical) and detect.counts_as_at_risk(row, row.risk or "", now),
        "updated_at": _iso(row.updated_at),
        **prediction_live.row_fields(row),  # CONTRACT §13: estimated end, its 80 % interval, why
    }


_counts = CountCache()


def _status_only_count(db, name: str, statuses: list[str]) -> int | None:
    row = db.get(TwsSummary, name)
    if row is None:
        return None
    counts = json.loads(row.status_counts or "{}")
    return sum(int(counts.get(s, 0)) for s in statuses) if statuses else row.total


_searches = CountCache(size=32)  # per search and sort: the matching job ids in order (one scan per poll)


def _page_by_ids(db, name: str, ids: list[str]) -> list[TwsPlanJob]:
    rows = {r.job_id: r for r in db.execute(select(TwsPlanJob).where(
        TwsPlanJob.instance == name, TwsPlanJob.job_id.in_(ids))).scalars()} if ids else {}
    return [rows[i] for i in ids if i in rows]


def jobs(instance: str | None = None, *, status: str | list[str] | None = None, workstation: str | None = None,
         stream: str | None = None, q: str | None = None, sort: str | None = None, limit: Any = DEFAULT_LIMIT,
         offset: Any = 0, late: bool | None = None, stuck: bool | None = None, critical: bool | None = None,
         risk: str | list[str] | None = None, at_risk: bool | None = None) -> dict[str, Any]:
    """`GET /api/v1/tws/jobs`: one page of the plan's jobs. `sort` is a key of SORT_KEYS, "-" first for
    descending (default: name). `at_risk=True`: the critical jobs the summary counts as at risk (potential or high
    risk, not finished successfully, deadline not passed — `detect.counts_as_at_risk`)."""
    errors: dict[str, str] = {}
    try:
        statuses = parse_statuses(status)
    except QueryInvalid as exc:
        try:
            statuses = parse_statuses(status, _plan_statuses(instance))
        except QueryInvalid:
            errors.update(exc.errors)
            statuses = []
    sort_text = (sort or "name").strip()
    descending = sort_text.startswith("-")
    sort_key = sort_text.lstrip("-+").lower()
    if sort_key not in SORT_KEYS:
        errors["sort"] = f"unknown sort key {sort_text!r}; use one of {', '.join(SORT_KEYS)} (prefix '-' to reverse)"
    risks = [r.lower() for r in split_values(risk)]
    if any(r not in RISK_LEVELS for r in risks):
        errors["risk"] = f"use one of {', '.join(RISK_LEVELS)}"
    page_size, start = parse_limit(limit, errors), parse_offset(offset, errors)
    if q is not None and len(q) > 200:
        errors["q"] = "at most 200 characters"
    if errors:
        raise QueryInvalid(errors)
    name = resolve_instance(instance)
    where = [TwsPlanJob.instance == name]
    if statuses:
        where.append(TwsPlanJob.status.in_(statuses) if len(statuses) > 1 else TwsPlanJob.status == statuses[0])
    if workstation:
        where.append(TwsPlanJob.workstation == workstation)
    if stream:
        where.append(TwsPlanJob.job_stream == stream)
    if q and q.strip():
        pattern = like_pattern(q.strip())
        where.append(or_(contains_text(TwsPlanJob.name, pattern), contains_text(TwsPlanJob.job_stream, pattern),
                         contains_text(TwsPlanJob.workstation, pattern), TwsPlanJob.job_id == q.strip()))
    for column, value in ((TwsPlanJob.late, late), (TwsPlanJob.stuck, stuck), (TwsPlanJob.critical, critical)):
        if value is not None:
            where.append(column == bool(value))
    if risks:
        where.append(TwsPlanJob.risk.in_(risks))
    now = utcnow()
    if at_risk:
        where.extend(_at_risk(now))
    columns = SORT_KEYS[sort_key]
    order = [c.desc() if descending else c.asc() for c in columns]
    order.append(TwsPlanJob.job_id.desc() if descending else TwsPlanJob.job_id.asc())
    with session_scope() as db:
        status_only = not (workstation or stream or (q and q.strip()) or late is not None or stuck is not None
                           or critical is not None or risks or at_risk)
        count = _status_only_count(db, name, statuses) if status_only else None
        if count is None:
            key = (name, tuple(statuses), workstation, stream, (q or "").strip().lower(), late, stuck, critical,
                   tuple(risks), bool(at_risk))
            if q and q.strip():
                # a substring search scans the plan once per poll and keeps its matches' ids in the page's order:
                # turning its pages reads 50 rows by primary key (the count is the length of the list)
                ids = _searches.get(db, (*key, sort_key, descending), lambda: tuple(db.execute(
                    select(TwsPlanJob.job_id).where(and_(*where)).order_by(*order)).scalars()))
                return {"instance": name, "count": len(ids), "limit": page_size, "offset": start,
                        "results": [_job_dict(row, now) for row in
                                    _page_by_ids(db, name, list(ids[start:start + page_size]))]}
            else:
                count = _counts.get(db, key, lambda: db.execute(
                    select(func.count()).select_from(TwsPlanJob).where(and_(*where))).scalar_one())
        rows = db.execute(select(TwsPlanJob).where(and_(*where)).order_by(*order).limit(page_size)
                          .offset(start)).scalars().all()
        return {"instance": name, "count": count, "limit": page_size, "offset": start,
                "results": [_job_dict(row, now) for row in rows]}


def job(instance: str | None, job_id: str) -> dict[str, Any] | None:
    """One job with its dependencies (predecessors and successors in the plan) and its run history; None if the
    plan has no such job. The log excerpt is added by the caller (`service.log_excerpt`)."""
    name = resolve_instance(instance)
    now = utcnow()
    with session_scope() as db:
        row = db.get(TwsPlanJob, (name, job_id))
        if row is None:
            return None
        data = _job_dict(row, now)
        pred_ids = [p for p in json.loads(row.predecessors or "[]") if isinstance(p, str)]
        preds = {r.job_id: r for r in db.execute(select(TwsPlanJob).where(
            TwsPlanJob.instance == name, TwsPlanJob.job_id.in_(pred_ids))).scalars()} if pred_ids else {}
        streams = {p: stream_deps.stream_state(db, name, p) for p in pred_ids if is_stream(p)}  # D3
        successors = db.execute(select(TwsPlanJob).where(
            TwsPlanJob.instance == name, TwsPlanJob.predecessors.like(like_pattern(json.dumps(job_id)), escape="\\"))
            .order_by(TwsPlanJob.name).limit(100)).scalars().all()
        key = f"{row.workstation}#{row.job_stream}.{row.name}"
        runs = db.execute(select(TwsJobRun).where(TwsJobRun.instance == name, TwsJobRun.job_key == key)
                          .order_by(TwsJobRun.end.desc()).limit(HISTORY_LIMIT)).scalars().all()
    data["dependencies"] = {
        "predecessors": [streams[p] if p in streams else _dep(preds.get(p), p) for p in pred_ids],
        "successors": [_dep(s, s.job_id) for s in successors],
    }
    data["history"] = [{"job_id": r.job_id, "run_number": r.run_number, "status": r.status, "start": _iso(r.start),
                        "end": _iso(r.end), "duration_s": r.duration_s, "return_code": r.return_code}
                       for r in runs]
    durations = [r.duration_s for r in runs if r.duration_s is not None and r.status in ("SUCC", "SUCCP")]
    data["history_stats"] = {"runs": len(runs), "mean_duration_s": round(sum(durations) / len(durations), 1)
                             if durations else None}
    return data


def _dep(row: TwsPlanJob | None, job_id: str) -> dict[str, Any]:
    if row is None:
        return {"id": job_id, "kind": "job", "name": None, "status": None, "in_plan": False}
    return {"id": row.job_id, "kind": "job", "name": row.name, "job_stream": row.job_stream,
            "workstation": row.workstation,
            "status": row.status, "start": _iso(row.start), "end": _iso(row.end), "late": row.late,
            "stuck": row.stuck, "in_plan": True}


def critical_jobs(instance: str | None = None, *, at_risk_only: bool = False, limit: int = 200) -> list[dict]:
    """Critical jobs with a deadline, least likely to make it first."""
    name = resolve_instance(instance)
    now = utcnow()
    with session_scope() as db:
        query = select(TwsPlanJob).where(TwsPlanJob.instance == name, TwsPlanJob.critical == True,  # noqa: E712
                                         TwsPlanJob.deadline.is_not(None))
        if at_risk_only:
            query = query.where(*_at_risk(now))
        rows = db.execute(query.order_by(TwsPlanJob.confidence.asc(), TwsPlanJob.deadline.asc())
                          .limit(limit)).scalars().all()
        return [_job_dict(row, now) for row in rows]


def workstations(instance: str | None = None) -> list[dict[str, Any]]:
    name = resolve_instance(instance)
    with session_scope() as db:
        rows = db.execute(select(TwsWorkstation).where(TwsWorkstation.instance == name)
                          .order_by(TwsWorkstation.name)).scalars().all()
        return [{"name": r.name, "type": r.type, "link_status": r.link_status, "linked": r.linked,
                 "running": r.running, "offline": r.offline, "updated_at": _iso(r.updated_at)} for r in rows]


# ---- poll history ---------------------------------------------------------------------------------------


def poll_history(instance: str | None = None, since: datetime | None = None, limit: int = 5000) -> list[dict]:
    """One row per poll since `since` (oldest first): for charts (jobs per status over the day) and metrics."""
    name = resolve_instance(instance)
    with session_scope() as db:
        query = select(TwsPollLog).where(TwsPollLog.instance == name)
        if since is not None:
            query = query.where(TwsPollLog.at >= since)
        rows = db.execute(query.order_by(TwsPollLog.at.desc()).limit(limit)).scalars().all()
    return [{"at": _iso(r.at), "ok": r.ok, "duration_ms": r.duration_ms, "error_kind": r.error_kind or None,
             "jobs_changed": r.jobs_changed, "events": r.events, "running": r.running, "completed": r.completed,
             "failed": r.failed, "pending": r.pending, "late": r.late, "stuck": r.stuck, "total": r.total}
            for r in reversed(rows)]
