"""Incidents: the problem events of one instance that share a cause within the incident window, as one problem.

When a workstation unlinks, 30 jobs on it may abend within a minute: that is one incident, not 30 problems.
`assign` runs inside the poll's transaction (`poll_commit.seal`), after the new events are stored, serialised per
instance in the database (an advisory lock on PostgreSQL, SQLite's single writer): whichever worker polls, the
grouping is decided once, against what the database holds.

Rules (`teams_incident_window_seconds` of the Teams configuration, default 120 s; 0 = no incidents):
- Only problem events are grouped (abended, stuck, late, deadline at risk, workstation unlinked/offline, instance
  degraded/critical/unreachable, failure rate high); starts, completions and recoveries never are.
- The cause of a workstation event is its workstation. A job event joins the open incident of its workstation,
  else that of its job stream; with neither open it starts one for whichever of the two has more problem events in
  this poll (ties: the workstation). An instance-wide event (health, failure rate, unreachable) joins the
  instance's open incident with the most events, if any — it is usually the consequence of it — else starts one
  whose cause is the instance itself.
- An incident stays open while its events keep coming: it takes an event that arrives within the window of its
  last one, and is closed by the first event after that (which starts a new incident).

`list_incidents` is `GET /api/v1/tws/incidents`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from resync_app.db import serialize, session_scope
from resync_app.notify import TwsEventNotice
from resync_app.tws.incident_models import TwsIncident
from resync_app.tws.models import TwsEvent

DEFAULT_WINDOW_S = 120
MAX_WINDOW_S = 3600
WORKSTATION, JOB_STREAM, INSTANCE = "workstation", "job_stream", "instance"
WORKSTATION_TYPES = frozenset({"workstation_unlinked", "workstation_offline"})
INSTANCE_TYPES = frozenset({"instance_degraded", "instance_critical", "instance_unreachable", "failure_rate_high"})
JOB_TYPES = frozenset({"job_abended", "job_stuck", "job_late", "deadline_at_risk"})
PROBLEM_TYPES = WORKSTATION_TYPES | INSTANCE_TYPES | JOB_TYPES
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
# How a title names the events of a type (most telling first: the title leads with the first one present)
PHRASES = {"job_abended": ("job abended", "jobs abended"), "workstation_offline": ("workstation offline",) * 2,
           "workstation_unlinked": ("workstation unlinked",) * 2, "instance_unreachable": ("instance unreachable",) * 2,
           "instance_critical": ("instance critical",) * 2, "failure_rate_high": ("failure rate high",) * 2,
           "job_stuck": ("job stuck", "jobs stuck"), "deadline_at_risk": ("deadline at risk", "deadlines at risk"),
           "job_late": ("job late", "jobs late"), "instance_degraded": ("instance degraded",) * 2}
_T = TwsIncident.__table__


def lock_name(instance: str) -> str:
    """The name under which incident decisions of `instance` are serialised (`db.serialize`)."""
    return f"tws.incidents:{instance}"


def window_seconds(conn) -> int:
    """The incident window now (the Teams configuration's `teams_incident_window_seconds`)."""
    from resync_app.teams.models import TeamsSettings

    value = conn.execute(select(TeamsSettings.teams_incident_window_seconds)
                         .where(TeamsSettings.id == 1)).scalar_one_or_none()
    return DEFAULT_WINDOW_S if value is None else int(value)


def where_of(kind: str, name: str) -> str:
    return name if kind == WORKSTATION else f"job stream {name}" if kind == JOB_STREAM else name


def title_of(kind: str, name: str, counts: dict[str, int]) -> str:
    """"12 jobs abended on CPU_LINUX01", "Workstation CPU_LINUX01 unlinked (+2 more events)", …"""
    present = [t for t in PHRASES if counts.get(t)]
    if not present:
        return f"Incident on {where_of(kind, name)}"
    lead = present[0]
    n = counts[lead]
    if lead in WORKSTATION_TYPES and kind == WORKSTATION:
        head = f"Workstation {name} {'offline' if lead == 'workstation_offline' else 'unlinked'}"
    elif lead in INSTANCE_TYPES and kind == INSTANCE:
        head = f"TWS instance {name}: {PHRASES[lead][0].replace('instance ', '')}"
    else:
        phrase = PHRASES[lead][0 if n == 1 else 1]
        head = f"{n} {phrase} on {where_of(kind, name)}" if lead in JOB_TYPES else f"{phrase} on {where_of(kind, name)}"
    rest = sum(counts.values()) - n
    return head + (f" (+{rest} more event{'s' if rest != 1 else ''})" if rest else "")


def _open_cause(kind: str, name: str) -> str:
    return f"{kind}:{name}"[:240]


def assign(conn, instance: str, notices: list[TwsEventNotice], now: datetime) -> list[TwsEventNotice]:
    """Group the new problem events of one poll into incidents (in the caller's transaction); returns the notices,
    those that joined an incident with its id."""
    problems = [n for n in notices if n.type in PROBLEM_TYPES]
    if not problems:
        return notices
    window = window_seconds(conn)
    if window <= 0:
        return notices
    serialize(conn, lock_name(instance))
    cutoff = now - timedelta(seconds=window)
    conn.execute(update(_T).where(_T.c.instance == instance, _T.c.open_cause.is_not(None), _T.c.last_at < cutoff)
                 .values(open_cause=None))
    open_rows = {row.open_cause: row for row in conn.execute(
        select(_T).where(_T.c.instance == instance, _T.c.open_cause.is_not(None)))}

    jobs = [n for n in problems if n.type in JOB_TYPES and (n.workstation or n.job_stream)]
    job_ids = {n.id for n in jobs}
    per_ws = Counter(n.workstation for n in problems if n.workstation and n.type not in INSTANCE_TYPES)
    per_stream = Counter(n.job_stream for n in jobs if n.job_stream)
    groups: dict[tuple[str, str], list[TwsEventNotice]] = {}
    instance_wide: list[TwsEventNotice] = []
    for n in problems:
        if n.type in WORKSTATION_TYPES and n.workstation:
            cause = (WORKSTATION, n.workstation)
        elif n.id in job_ids:
            ws, stream = n.workstation, n.job_stream
            if ws and _open_cause(WORKSTATION, ws) in open_rows:
                cause = (WORKSTATION, ws)
            elif stream and _open_cause(JOB_STREAM, stream) in open_rows:
                cause = (JOB_STREAM, stream)
            elif ws and (not stream or per_ws[ws] >= per_stream[stream]):
                cause = (WORKSTATION, ws)
            else:
                cause = (JOB_STREAM, stream)
        else:
            instance_wide.append(n)
            continue
        groups.setdefault(cause, []).append(n)
    if instance_wide:
        sizes = {(row.cause_kind, row.cause_name): row.events for row in open_rows.values()}
        for cause, members in groups.items():
            sizes[cause] = sizes.get(cause, 0) + len(members)
        target = max(sizes, key=lambda c: (sizes[c], c != (INSTANCE, instance))) if sizes else (INSTANCE, instance)
        groups.setdefault(target, []).extend(instance_wide)

    incident_of: dict[int, int] = {}
    for (kind, name), members in groups.items():
        row = open_rows.get(_open_cause(kind, name))
        incident_id = _extend(conn, instance, kind, name, row, members, now, window)
        for n in members:
            incident_of[n.id] = incident_id
    for incident_id in set(incident_of.values()):
        ids = [event_id for event_id, inc in incident_of.items() if inc == incident_id]
        conn.execute(update(TwsEvent.__table__).where(TwsEvent.__table__.c.id.in_(ids)).values(incident_id=incident_id))
    return [replace(n, incident_id=incident_of[n.id]) if n.id in incident_of else n for n in notices]


def _extend(conn, instance: str, kind: str, name: str, row, members: list[TwsEventNotice], now: datetime,
            window: int) -> int:
    """Add `members` to the open incident `row` (or a new one); returns its id."""
    counts: Counter[str] = Counter(json.loads(row.counts_json) if row is not None else {})
    counts.update(n.type for n in members)
    severities = [n.severity for n in members] + ([row.severity] if row is not None else [])
    values = {"last_at": now, "counts_json": json.dumps(dict(sorted(counts.items()))),
              "severity": max(severities, key=lambda s: SEVERITY_RANK.get(s, 0)),
              "title": title_of(kind, name, counts)[:300], "window_s": window}
    if row is not None:
        conn.execute(update(_T).where(_T.c.id == row.id).values(events=row.events + len(members), **values))
        return row.id
    result = conn.execute(_T.insert().values(instance=instance, cause_kind=kind, cause_name=name[:200],
                                             open_cause=_open_cause(kind, name), first_at=now, events=len(members),
                                             card_seq=0, cards_rendered=0, **values))
    return int(result.inserted_primary_key[0])


def close_all(conn, instance: str) -> None:
    """Close every open incident of `instance` (it was deleted, re-created or re-pointed)."""
    conn.execute(update(_T).where(_T.c.instance == instance, _T.c.open_cause.is_not(None)).values(open_cause=None))


# ---- reading -----------------------------------------------------------------------------------------------


def incident_dict(row) -> dict[str, Any]:
    return {"id": row.id, "instance": row.instance,
            "cause": INSTANCE if row.cause_kind == INSTANCE else f"{row.cause_kind}:{row.cause_name}",
            "first_at": row.first_at.isoformat(), "last_at": row.last_at.isoformat(), "events": row.events,
            "severity": row.severity, "title": row.title}


def list_incidents(instance: str | None = None, *, since: Any = None, limit: Any = 50, offset: Any = 0
                   ) -> dict[str, Any]:
    """`GET /api/v1/tws/incidents`: newest activity first; `since` keeps those active since then (last event at
    or after it); without `instance`, every instance's. Raises QueryInvalid / UnknownInstance."""
    from resync_app.tws import queries

    errors: dict[str, str] = {}
    since_at = queries.parse_time(since, "since", errors)
    page_size, start = queries._limit(limit, errors), queries._offset(offset, errors)
    if errors:
        raise queries.QueryInvalid(errors)
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
