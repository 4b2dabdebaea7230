"""Reading the TWS events the poller stored (CONTRACT §9 `GET /api/v1/tws/events`): filtered by instance, severity,
type, time, text or incident, newest first; the operator view (`operator_view.event`) unless an admin page asks
for the detail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from resync_app.db import session_scope
from resync_app.notify import SEVERITIES, TWS_EVENT_TYPES
from resync_app.tws import operator_view
from resync_app.tws.models import TwsEvent
from resync_app.tws.queries import resolve_instance
from resync_app.tws.query_params import (
    DEFAULT_LIMIT, QueryInvalid, contains_text, like_pattern, parse_incident_id, parse_limit, parse_offset, parse_time,
    split_values,
)


def event_dict(row: TwsEvent) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat() if row.at is not None else None, "instance": row.instance,
            "type": row.type, "severity": row.severity,
            "job": row.job, "job_id": row.job_id, "job_stream": row.job_stream, "workstation": row.workstation,
            "status": row.status, "return_code": row.return_code, "message": row.message,
            "incident_id": row.incident_id}


def events(instance: str | None = None, *, severity: str | list[str] | None = None,
           type: str | list[str] | None = None, since: Any = None, until: Any = None, q: str | None = None,
           limit: Any = DEFAULT_LIMIT, offset: Any = 0, all_instances: bool = False,
           count: bool = True, incident: Any = None, detail: bool = False) -> dict[str, Any]:
    """`GET /api/v1/tws/events`: newest first. `instance` None = every instance (all_instances) or the primary;
    `incident`: only the events of that incident. Operator view (`operator_view.event`) unless `detail` (admin
    pages)."""
    errors: dict[str, str] = {}
    severities = [s.lower() for s in split_values(severity)]
    if any(s not in SEVERITIES for s in severities):
        errors["severity"] = f"use one or more of {', '.join(SEVERITIES)}"
    types = [t.lower() for t in split_values(type)]
    unknown = [t for t in types if t not in TWS_EVENT_TYPES]
    if unknown:
        errors["type"] = f"unknown type {', '.join(unknown)}; use one of {', '.join(TWS_EVENT_TYPES)}"
    since_at, until_at = parse_time(since, "since", errors), parse_time(until, "until", errors)
    page_size, start = parse_limit(limit, errors), parse_offset(offset, errors)
    if q is not None and len(q) > 200:
        errors["q"] = "at most 200 characters"
    incident_id = parse_incident_id(incident, errors)
    if errors:
        raise QueryInvalid(errors)
    where = [] if incident_id is None else [TwsEvent.incident_id == incident_id]
    name = None
    if instance or not all_instances:
        name = resolve_instance(instance)
        where.append(TwsEvent.instance == name)
    if severities:
        where.append(TwsEvent.severity.in_(severities))
    if types:
        where.append(TwsEvent.type.in_(types))
    if since_at is not None:
        where.append(TwsEvent.at >= since_at)
    if until_at is not None:
        where.append(TwsEvent.at < until_at)
    if q and q.strip():
        pattern = like_pattern(q.strip())
        in_message = contains_text(TwsEvent.message, pattern)
        if not detail:  # an old outage message held TWS' error text: operators cannot probe it by searching
            in_message = and_(in_message, TwsEvent.type != "instance_unreachable")
        where.append(or_(in_message, contains_text(TwsEvent.job, pattern),
                         contains_text(TwsEvent.workstation, pattern)))
    condition = and_(*where) if where else None
    with session_scope() as db:
        query = select(TwsEvent)
        count_query = select(func.count()).select_from(TwsEvent)
        if condition is not None:
            query, count_query = query.where(condition), count_query.where(condition)
        rows = db.execute(query.order_by(TwsEvent.id.desc()).limit(page_size).offset(start)).scalars().all()
        total = db.execute(count_query).scalar_one() if count else None
        return {"instance": name, "count": total, "limit": page_size, "offset": start,
                "results": [event_dict(row) if detail else operator_view.event(event_dict(row)) for row in rows]}


def latest_event_id() -> int:
    with session_scope() as db:
        return db.execute(select(func.max(TwsEvent.id))).scalar() or 0
