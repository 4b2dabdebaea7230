"""Reading incidents (the operator read `GET /api/v1/tws/incidents` and the Proactive page's list): the read
side of `tws/incidents.py`, which groups events as the poller stores them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from resync_app.db import session_scope
from resync_app.tws import queries
from resync_app.tws.query_params import QueryInvalid, parse_limit, parse_offset, parse_time
from resync_app.tws.incident_models import TwsIncident
from resync_app.tws.incidents import INSTANCE

_T = TwsIncident.__table__


def incident_dict(row) -> dict[str, Any]:
    return {"id": row.id, "instance": row.instance,
            "cause": INSTANCE if row.cause_kind == INSTANCE else f"{row.cause_kind}:{row.cause_name}",
            "first_at": row.first_at.isoformat(), "last_at": row.last_at.isoformat(), "events": row.events,
            "severity": row.severity, "title": row.title}


def list_incidents(instance: str | None = None, *, since: Any = None, limit: Any = 50, offset: Any = 0
                   ) -> dict[str, Any]:
    """`GET /api/v1/tws/incidents`: newest activity first; `since` keeps those active since then (last event at
    or after it); without `instance`, every instance's. Raises QueryInvalid / UnknownInstance."""
    errors: dict[str, str] = {}
    since_at = parse_time(since, "since", errors)
    page_size, start = parse_limit(limit, errors), parse_offset(offset, errors)
    if errors:
        raise QueryInvalid(errors)
    where = []
    if instance:
        where.append(_T.c.instance == queries.resolve_instance(instance))
    if since_at is not None:
        where.append(_T.c.last_at >= since_at)
    with session_scope() as db:
        count = db.execute(select(func.count()).select_from(_T).where(*where)).scalar_one()
        rows = db.execute(select(_T).where(*where).order_by(_T.c.last_at.desc(), _T.c.id.desc())
                          .limit(page_size).offset(start)).all()
    return {"count": count, "results": [incident_dict(row) for row in rows]}
