"""Teams cards of incidents (`tws/incidents.py`): one card per incident, then at most one follow-up per window.

- `plan(conn, events)` runs in the poll's transaction (the Teams event writer) for the matching events that joined
  an incident. It marks them as waiting for a card (`tws_events.card_no` = 0) and queues the incident's first card
  (due now) if it has none; if its newest card is queued but not rendered yet, that card will list them; once that
  card is rendered, one follow-up card is queued, due a window after the previous card (`not_before`).
- `render(conn, row)` is the outbox's renderer, run when a dispatcher first claims an incident card: it fixes the
  card's content — the incident's waiting events — and marks them listed (`card_no` = the card's number).

Both serialise on the incident lock of the instance (`incidents.lock_name`), so an event is listed on exactly one
card whichever worker polls and whichever dispatcher claims.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select, update

from resync_app.db import serialize, utcnow
from resync_app.notify import TwsEventNotice
from resync_app.teams import cards, outbox
from resync_app.teams import config as teams_config
from resync_app.tws.incident_models import TwsIncident
from resync_app.tws.incidents import INSTANCE, JOB_STREAM, PHRASES, SEVERITY_RANK, lock_name, title_of
from resync_app.tws.models import TwsEvent

FIRST_FEW = 8  # events listed by name on a card
MONITORING_FILTER = {"job_abended": "ABEND", "job_stuck": "stuck", "job_late": "late", "deadline_at_risk": "at_risk"}
_E = TwsEvent.__table__
_I = TwsIncident.__table__


def source_key(incident_id: int, number: int) -> str:
    return f"incident:{incident_id}:{number}"


def lead_type(counts: dict[str, int]) -> str:
    return next((t for t in PHRASES if counts.get(t)), next(iter(counts), ""))


# ---- queueing (in the poll's transaction) ------------------------------------------------------------------


def plan(conn, events: list[TwsEventNotice]) -> int:
    """Queue the cards of the incidents these matching events joined; returns how many rows were queued."""
    if not events:
        return 0
    fresh = set(conn.execute(select(_E.c.id).where(_E.c.id.in_([e.id for e in events]), _E.c.card_no.is_(None)))
                .scalars())
    todo = [e for e in events if e.id in fresh]
    if not todo:
        return 0  # handed over twice: already planned
    for instance in sorted({e.instance for e in todo}):
        serialize(conn, lock_name(instance))
    conn.execute(update(_E).where(_E.c.id.in_(sorted(fresh))).values(card_no=0))
    now = utcnow()
    added = 0
    for incident_id in sorted({e.incident_id for e in todo if e.incident_id is not None}):
        row = conn.execute(select(_I).where(_I.c.id == incident_id)).one()
        if row.card_seq == 0:
            number, due = 1, now
        elif row.cards_rendered < row.card_seq and _waiting(conn, incident_id, row.card_seq):
            continue  # its newest card is queued and not rendered yet: it will list these events
        else:  # (its newest card was rendered, or expired unrendered while Teams was off)
            number = row.card_seq + 1
            due = max(now, (row.card_due_at or now) + timedelta(seconds=max(0, row.window_s)))
        counts = {e.type: 1 for e in todo if e.incident_id == incident_id}
        added += outbox.enqueue([outbox.NewCard(
            source_key=source_key(incident_id, number), kind="incident", card=None, title=row.title,
            event_type=lead_type(counts), severity=row.severity, instance=row.instance, not_before=due)],
            now=now, conn=conn)
        conn.execute(update(_I).where(_I.c.id == incident_id).values(card_seq=number, card_due_at=due))
    return added


def _waiting(conn, incident_id: int, number: int) -> bool:
    """Whether the incident's card `number` is still queued (not expired while Teams was off)."""
    status = conn.execute(select(outbox.TABLE.c.status).where(
        outbox.TABLE.c.source_key == source_key(incident_id, number))).scalar_one_or_none()
    return status in ("pending", "sending")


# ---- rendering (when a dispatcher first claims the card) -------------------------------------------------


def render(conn, row) -> tuple[dict[str, Any], str, str, str] | None:
    """The outbox renderer: (card, title, severity, event type) of an incident card, or None (nothing to list)."""
    if row.kind != "incident":
        return None
    _, incident_id_text, number_text = row.source_key.rsplit(":", 2)
    incident_id, number = int(incident_id_text), int(number_text)
    serialize(conn, lock_name(row.instance))
    incident = conn.execute(select(_I).where(_I.c.id == incident_id)).one_or_none()
    if incident is None:
        return None
    conn.execute(update(_I).where(_I.c.id == incident_id, _I.c.cards_rendered < number)
                 .values(cards_rendered=number))
    waiting = (_E.c.incident_id == incident_id, _E.c.card_no == 0)
    counts = {t: int(n) for t, n in conn.execute(select(_E.c.type, func.count()).where(*waiting)
                                                  .group_by(_E.c.type)).all()}
    if not counts:
        return None
    first = conn.execute(select(_E).where(*waiting).order_by(_E.c.id).limit(FIRST_FEW)).all()
    first_at, last_at = conn.execute(select(func.min(_E.c.at), func.max(_E.c.at)).where(*waiting)).one()
    severities = set(conn.execute(select(_E.c.severity).where(*waiting).distinct()).scalars())
    earlier = conn.execute(select(func.count()).select_from(_E).where(_E.c.incident_id == incident_id,
                                                                      _E.c.card_no > 0)).scalar_one()
    conn.execute(update(_E).where(*waiting).values(card_no=number))
    config = teams_config.load(conn)
    severity = max(severities, key=lambda s: SEVERITY_RANK.get(s, 0))
    listed = sum(counts.values())
    if number == 1 and listed == 1:  # a lone event: its own card, as without incidents
        event = _notice(first[0])
        return (cards.tws_event_card(event, config.bot_name, config.avatar_url), cards.event_title(event),
                event.severity, event.type)
    title = title_of(incident.cause_kind, incident.cause_name, counts)
    if number > 1:
        title = f"Update: {title} ({earlier + listed} events in all)"
    card = incident_card(incident, title, counts, first, listed, earlier, first_at, last_at, severity,
                         config.bot_name, config.avatar_url)
    return card, title, severity, lead_type(counts)


def _notice(event) -> TwsEventNotice:
    return TwsEventNotice(id=event.id, at=event.at, instance=event.instance, type=event.type,
                          severity=event.severity, message=event.message, job=event.job, job_id=event.job_id,
                          job_stream=event.job_stream, workstation=event.workstation, status=event.status,
                          return_code=event.return_code, dedupe_key=event.dedupe_key,
                          incident_id=event.incident_id)


def cause_label(kind: str, name: str) -> str:
    return f"Instance {name}" if kind == INSTANCE else f"Job stream {name}" if kind == JOB_STREAM \
        else f"Workstation {name}"


def monitoring_link(incident, counts: dict[str, int]) -> tuple[str, str] | None:
    """The button to /monitoring showing the incident's jobs (`filter` from its events, `q` its workstation or
    job stream), when RESYNC_PUBLIC_URL is set."""
    base = cards.public_url()
    if not base:
        return None
    query = {"filter": next((MONITORING_FILTER[t] for t in PHRASES if counts.get(t) and t in MONITORING_FILTER),
                            "all")}
    if incident.cause_kind != INSTANCE:
        query["q"] = incident.cause_name
    query["instance"] = incident.instance
    return "Open in Resync", f"{base}/monitoring?{urlencode(query)}"


def incident_card(incident, title: str, counts: dict[str, int], first: list, listed: int, earlier: int,
                  first_at: datetime, last_at: datetime, severity: str, bot_name: str = "", avatar_url: str = ""
                  ) -> dict[str, Any]:
    """One card listing an incident's events: counts per type, the first few by name, a link to /monitoring."""
    order = [t for t in PHRASES if counts.get(t)] + sorted(t for t in counts if t not in PHRASES)
    text = " · ".join(f"{cards.EVENT_TITLES.get(t, t)}: {counts[t]}" for t in order)
    facts = [("Instance", incident.instance), ("Cause", cause_label(incident.cause_kind, incident.cause_name)),
             ("Events", f"{listed} on this card" + (f", {earlier + listed} in all" if earlier else "")),
             ("Severity", severity), ("First", cards.when(first_at)), ("Last", cards.when(last_at))]
    lines = []
    for event in first:
        subject = event.job or event.workstation or event.instance
        detail = [cards.EVENT_TITLES.get(event.type, event.type)]
        if event.status:
            detail.append(event.status + ("" if event.return_code is None else f" (rc {event.return_code})"))
        if event.job_stream:
            detail.append(f"stream {event.job_stream}")
        lines.append((subject, " · ".join(detail)))
    more = listed - len(first)
    return cards.adaptive_card(title, text, facts, severity, bot_name=bot_name, avatar_url=avatar_url,
                               link=monitoring_link(incident, counts), lines=lines,
                               note=f"… and {more} more" if more > 0 else "")
