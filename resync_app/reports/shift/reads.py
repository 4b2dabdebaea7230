"""The SQL of the shift report: every figure is counted in the database, on indexes, and every list is a bounded
page (LIST_LIMIT rows) — an 8-hour window of a 50 000-job plan reads a few hundred rows, not the plan.

Sources (the same rows `GET /api/v1/tws/events`, the audit log and `GET /api/v1/tws/jobs` read):
- `tws_events` of the instance in [start, end) — index (instance, type, at), migration 0012;
- `audit_log` entries of TWS job actions (`tws.job.action`, `.failed`, `.refused`) whose target is
  `<instance>/…` — index (action, timestamp), migration 0012; the action itself (rerun, hold, …) is in the
  entry's JSON detail, read with the database's JSON function;
- `tws_plan_jobs`, the snapshot of the plan now: what each job is now, critical deadlines, what is still open.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, not_, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from resync_app.audit.models import AuditEntry
from resync_app.tws.models import TwsEvent, TwsPlanJob
from resync_app.tws.plan_fields import FAILED_STATUSES, FINAL_STATUSES, SUCCESS_STATUSES
from resync_app.tws.queries import _at_risk as at_risk_clause  # the dashboard tile's rule, in SQL

LIST_LIMIT = 500
HOLD_LOOKBACK = timedelta(days=7)  # a hold older than this is not looked for when listing what is still held

E, J, A = TwsEvent.__table__, TwsPlanJob.__table__, AuditEntry.__table__
COUNTED_EVENTS = {"job_started": "started", "job_completed": "completed", "job_abended": "abended",
                  "job_late": "late", "job_stuck": "stuck"}
FLAG_EVENTS = {"job_late": "late", "job_stuck": "stuck", "deadline_at_risk": "at_risk"}
ACTION_RESULTS = {"tws.job.action": "done", "tws.job.action.failed": "failed", "tws.job.action.refused": "refused"}
ACTION_TOTALS = {"rerun": "reruns", "hold": "holds", "release": "releases", "cancel": "cancels"}
OPEN_REASONS = ("abended", "stuck", "late", "at_risk", "held")


def _in(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _events(instance: str, start: datetime, end: datetime, types) -> list:
    kinds = list(types)
    return [E.c.instance == instance, E.c.type.in_(kinds) if len(kinds) > 1 else E.c.type == kinds[0],
            _in(E.c.at, start, end)]


def _prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_action(conn: Connection):
    """The `action` key of an audit entry's JSON detail, in SQL."""
    if conn.dialect.name == "postgresql":
        return cast(A.c.detail, JSONB)["action"].astext
    return cast(func.json_extract(A.c.detail, "$.action"), String)


def _actions_where(conn: Connection, instance: str, start: datetime, end: datetime) -> list:
    return [A.c.action.in_(list(ACTION_RESULTS)), _in(A.c.timestamp, start, end),
            A.c.target.like(_prefix(f"{instance}/"), escape="\\")]


def _run_of(dedupe_key: str | None) -> int | None:
    """The run number a job event was about (its dedupe key ends in `:<run>`)."""
    tail = (dedupe_key or "").rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _now_rows(conn: Connection, instance: str, job_ids: set[str]) -> dict[str, Any]:
    """The plan rows of these jobs as they are now (by primary key)."""
    ids = [i for i in job_ids if i]
    found: dict[str, Any] = {}
    for first in range(0, len(ids), 500):
        for row in conn.execute(select(J).where(J.c.instance == instance, J.c.job_id.in_(ids[first:first + 500]))):
            found[row.job_id] = row
    return found


# ---- what happened in the window ------------------------------------------------------------------------------

def event_totals(conn: Connection, instance: str, start: datetime, end: datetime) -> dict[str, int]:
    """started / completed / abended / late / stuck events, and the critical jobs flagged at risk."""
    totals = {key: 0 for key in COUNTED_EVENTS.values()}
    for kind in COUNTED_EVENTS:  # one index range each
        totals[COUNTED_EVENTS[kind]] = conn.execute(select(func.count()).select_from(E).where(
            *_events(instance, start, end, [kind]))).scalar_one()
    totals["critical_at_risk"] = conn.execute(select(func.count(distinct(E.c.job_id))).where(
        *_events(instance, start, end, ["deadline_at_risk"]))).scalar_one()
    return totals


def abended(conn: Connection, instance: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """The abends of the window, oldest first, each with what the job is now."""
    joined = E.outerjoin(J, and_(J.c.instance == E.c.instance, J.c.job_id == E.c.job_id))
    rows = conn.execute(select(E.c.at, E.c.job, E.c.job_id, E.c.job_stream, E.c.workstation, E.c.status,
                               E.c.return_code, E.c.dedupe_key, J.c.status.label("now_status"),
                               J.c.run_number.label("now_run"), J.c.return_code.label("now_return_code"))
                        .select_from(joined).where(*_events(instance, start, end, ["job_abended"]))
                        .order_by(E.c.at, E.c.id).limit(limit))
    return [{"at": r.at, "job": r.job or "", "job_id": r.job_id or "", "job_stream": r.job_stream or "",
             "workstation": r.workstation or "", "status": r.status, "return_code": r.return_code,
             "run": _run_of(r.dedupe_key), "now_status": r.now_status, "now_run": r.now_run,
             "now_return_code": r.now_return_code} for r in rows]


def flagged(conn: Connection, instance: str, start: datetime, end: datetime,
            limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many jobs, the first `limit` of them): jobs flagged late, stuck or at risk of missing their deadline
    in the window, with the first time and what they are now."""
    where = _events(instance, start, end, FLAG_EVENTS)
    count = conn.execute(select(func.count(distinct(E.c.job_id))).where(*where)).scalar_one()
    first_at = func.min(E.c.at).label("first_at")
    marks = [func.max(case((E.c.type == kind, 1), else_=0)).label(flag) for kind, flag in FLAG_EVENTS.items()]
    rows = conn.execute(select(E.c.job_id, first_at, func.max(E.c.job).label("job"),
                               func.max(E.c.job_stream).label("job_stream"),
                               func.max(E.c.workstation).label("workstation"), *marks)
                        .where(*where).group_by(E.c.job_id).order_by(first_at, E.c.job_id).limit(limit)).all()
    now = _now_rows(conn, instance, {r.job_id for r in rows})
    out = []
    for r in rows:
        plan = now.get(r.job_id)
        out.append({"at": r.first_at, "job": r.job or "", "job_id": r.job_id or "", "job_stream": r.job_stream or "",
                    "workstation": r.workstation or "", "flags": [f for f in FLAG_EVENTS.values() if getattr(r, f)],
                    "now_status": plan.status if plan is not None else None, "now_late": bool(plan and plan.late),
                    "now_stuck": bool(plan and plan.stuck)})
    return count, out


def _missed_where(instance: str, start: datetime, end: datetime, now: datetime) -> list:
    """Critical jobs whose deadline fell in the window (and has passed) without a successful end by it."""
    made_it = and_(J.c.status.in_(SUCCESS_STATUSES), or_(J.c.end.is_(None), J.c.end <= J.c.deadline))
    return [J.c.instance == instance, J.c.critical == True, J.c.deadline >= start,  # noqa: E712
            J.c.deadline < min(end, now), not_(made_it)]


def missed(conn: Connection, instance: str, start: datetime, end: datetime, now: datetime,
           limit: int) -> tuple[int, list[dict[str, Any]]]:
    where = _missed_where(instance, start, end, now)
    count = conn.execute(select(func.count()).select_from(J).where(*where)).scalar_one()
    rows = conn.execute(select(J).where(*where).order_by(J.c.deadline, J.c.job_id).limit(limit))
    return count, [{"deadline": r.deadline, "job": r.name, "job_id": r.job_id, "job_stream": r.job_stream,
                    "workstation": r.workstation, "end": r.end, "now_status": r.status,
                    "late_by_s": round(((r.end if r.end is not None and r.status in SUCCESS_STATUSES else now)
                                        - r.deadline).total_seconds())} for r in rows]


def action_totals(conn: Connection, instance: str, start: datetime, end: datetime) -> dict[str, int]:
    """reruns / holds / releases / cancels that TWS accepted, and the requests it refused or that failed."""
    totals = {key: 0 for key in ACTION_TOTALS.values()}
    totals["actions_failed"] = 0
    action = _json_action(conn)
    for kind, what, n in conn.execute(select(A.c.action, action, func.count()).where(
            *_actions_where(conn, instance, start, end)).group_by(A.c.action, action)):
        if ACTION_RESULTS[kind] != "done":
            totals["actions_failed"] += n
        elif what in ACTION_TOTALS:
            totals[ACTION_TOTALS[what]] += n
    return totals


def actions(conn: Connection, instance: str, start: datetime, end: datetime, limit: int) -> list[dict[str, Any]]:
    """The audited job actions of the window, oldest first: who, what, on which job, the result, the job now."""
    rows = conn.execute(select(A).where(*_actions_where(conn, instance, start, end))
                        .order_by(A.c.timestamp, A.c.id).limit(limit)).all()
    details = [json.loads(r.detail or "{}") for r in rows]
    now = _now_rows(conn, instance, {str(d.get("job_id") or "") for d in details})
    out = []
    for r, d in zip(rows, details):
        job_id = str(d.get("job_id") or "")
        plan = now.get(job_id)
        out.append({"at": r.timestamp, "user": r.actor, "action": str(d.get("action") or ""),
                    "job": str(d.get("job") or r.target.split("/", 1)[-1]), "job_id": job_id,
                    "job_name": plan.name if plan is not None else None,
                    "result": ACTION_RESULTS[r.action], "error": d.get("error") or d.get("reason"),
                    "now_status": plan.status if plan is not None else None})
    return out


# ---- what is open now -----------------------------------------------------------------------------------------

def _held_job_ids(conn: Connection, instance: str, now: datetime) -> list[str]:
    """Jobs whose last accepted hold/release (within HOLD_LOOKBACK) was a hold."""
    action = _json_action(conn)
    where = [A.c.action == "tws.job.action", _in(A.c.timestamp, now - HOLD_LOOKBACK, now + timedelta(seconds=1)),
             A.c.target.like(_prefix(f"{instance}/"), escape="\\"), action.in_(("hold", "release"))]
    last = select(func.max(A.c.id).label("id")).where(*where).group_by(A.c.target).subquery()
    rows = conn.execute(select(A.c.detail).join(last, A.c.id == last.c.id).where(action == "hold")
                        .limit(LIST_LIMIT))
    return [str(json.loads(detail or "{}").get("job_id") or "") for (detail,) in rows]


def open_now(conn: Connection, instance: str, now: datetime, limit: int) -> tuple[dict[str, int], list[dict]]:
    """What the next shift inherits: jobs abended, stuck, late or critical and at risk now, and jobs held by an
    operator and not released. ({reason: count, "total": distinct jobs}, the first `limit` jobs)."""
    conditions = {"abended": [J.c.status.in_(FAILED_STATUSES)], "stuck": [J.c.stuck == True],  # noqa: E712
                  "late": [J.c.late == True], "at_risk": at_risk_clause(now)}  # noqa: E712
    counts: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    rows: dict[str, Any] = {}
    for reason, where in conditions.items():  # each on its own index
        counts[reason] = conn.execute(select(func.count()).select_from(J).where(
            J.c.instance == instance, *where)).scalar_one()
        for row in conn.execute(select(J).where(J.c.instance == instance, *where).order_by(J.c.name, J.c.job_id)
                                .limit(limit)):
            rows.setdefault(row.job_id, row)
            reasons.setdefault(row.job_id, []).append(reason)
    held = _now_rows(conn, instance, set(_held_job_ids(conn, instance, now)))
    held = {job_id: row for job_id, row in held.items() if row.status not in FINAL_STATUSES}
    counts["held"] = len(held)
    for job_id, row in held.items():
        rows.setdefault(job_id, row)
        reasons.setdefault(job_id, []).append("held")
    any_reason = or_(*[and_(*where) for where in conditions.values()])
    flagged_total = conn.execute(select(func.count()).select_from(J).where(J.c.instance == instance, any_reason)) \
        .scalar_one()
    held_and_flagged = conn.execute(select(func.count()).select_from(J).where(
        J.c.instance == instance, J.c.job_id.in_(list(held)), any_reason)).scalar_one() if held else 0
    counts["total"] = flagged_total + len(held) - held_and_flagged
    order = {reason: n for n, reason in enumerate(OPEN_REASONS)}
    listed = sorted(rows.values(), key=lambda r: (order[reasons[r.job_id][0]], r.name, r.job_id))[:limit]
    return counts, [{"job": r.name, "job_id": r.job_id, "job_stream": r.job_stream, "workstation": r.workstation,
                     "status": r.status, "reasons": reasons[r.job_id], "start": r.start, "end": r.end,
                     "scheduled_start": r.scheduled_start, "deadline": r.deadline} for r in listed]
