"""Write and read the general audit log (CONTRACT §7: `GET /api/v1/admin/audit`)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from resync_app.audit.models import AuditEntry
from resync_app.db import session_scope

MAX_LIMIT = 1000
_SECRET_MARKERS = ("password", "api_key", "secret", "token", "webhook_url", "key")


def _scrub(detail: dict[str, Any]) -> dict[str, Any]:
    """Replace values of secret-looking keys by "changed" so no secret reaches the log."""
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, dict):
            clean[key] = _scrub(value)
        elif any(marker in key.lower() for marker in _SECRET_MARKERS) and key.lower() not in ("key_hint",):
            clean[key] = "changed" if value not in (None, "") else value
        else:
            clean[key] = value
    return clean


def _clean(text: str | None) -> str:
    """No NUL characters: PostgreSQL refuses them in text (in the JSON detail they are escaped already)."""
    return (text or "").replace("\x00", "")


def record(
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    client: str = "",
    session: Session | None = None,
) -> None:
    """Append one audit entry, inside `session` when given (so it commits with the change it describes)."""
    entry = AuditEntry(
        actor=_clean(actor)[:150],
        action=_clean(action)[:64],
        target=_clean(target)[:255],
        detail=json.dumps(_scrub(detail or {}), default=str, sort_keys=True),
        client=_clean(client)[:64],
    )
    if session is not None:
        session.add(entry)
        return
    with session_scope() as own:
        own.add(entry)


def record_repeated(actor: str, action: str, target: str, window: str, detail: dict[str, Any] | None = None,
                    client: str = "") -> None:
    """Count a repeated event in one entry per `window` instead of one entry each (`detail.count`), so that
    a flood of the same thing (attempts on a locked username) cannot flood the log. The newest entry of this
    action and target is updated while it belongs to the same window; a new window gets a new entry.
    Serialised per action and target, so concurrent repeats neither race nor make duplicates."""
    from resync_app.db import serialize, utcnow

    now = utcnow().isoformat(timespec="seconds")
    channel = (detail or {}).get("channel")
    with session_scope() as session:
        serialize(session, f"resync:audit:{action}:{target}")
        newest = session.exec(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target == _clean(
            target)[:255]).order_by(AuditEntry.id.desc()).limit(1)).first()
        previous = json.loads(newest.detail or "{}") if newest is not None else {}
        if newest is not None and previous.get("window") == window:
            previous["count"] = int(previous.get("count", 1)) + 1
            previous["last_at"] = now
            if channel and channel not in previous.get("channels", []):
                previous["channels"] = sorted([*previous.get("channels", []), channel])
            newest.detail = json.dumps(previous, default=str, sort_keys=True)
            session.add(newest)
            return
        first = {k: v for k, v in (detail or {}).items() if k != "channel"}
        first.update(window=window, count=1, first_at=now, last_at=now, channels=[channel] if channel else [])
        record(actor, action, target=target, detail=first, client=client, session=session)


def entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    """The JSON shape of one entry (timestamps ISO-8601 with offset)."""
    return {
        "id": entry.id,
        "timestamp": entry.timestamp.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": json.loads(entry.detail or "{}"),
        "client": entry.client,
    }


def recent(limit: int = 100, action_prefix: str | None = None) -> list[dict[str, Any]]:
    """Newest entries first, at most `limit` (capped at 1000)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    with session_scope() as session:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
        return [entry_to_dict(row) for row in session.exec(query)]
