"""Data Retention for the TWS side (the leader runs it hourly; `cleanup(now=…)` is also callable directly).

- `tws_retention_days_full`: job run history (`tws_job_runs`, by the run's end, else when it was recorded);
- `tws_retention_days_summary`: events (`tws_events`), incidents (`tws_incidents`, by their last event) and the
  per-poll summaries (`tws_poll_log`);
- `tws_retention_days_patterns`: patterns — none are stored yet, so nothing to remove.
A row is removed when it is strictly older than `now − days`. Snapshot rows of instances that are no longer
configured are removed too (the snapshot is the current plan, not history).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from resync_app.db import session_scope, utcnow
from resync_app.tws.incident_models import TwsIncident
from resync_app.tws.models import (
    TwsEvent, TwsInstance, TwsJobRun, TwsPlanJob, TwsPollerControl, TwsPollLog, TwsSummary, TwsWorkstation,
)

logger = logging.getLogger("resync.tws.retention")


def cleanup(now: datetime | None = None, *, days_full: int | None = None,
            days_summary: int | None = None) -> dict[str, int]:
    """Remove what the retention fields say is too old; returns the number of rows removed per table."""
    from resync_app.config.store import setting

    now = now or utcnow()
    days_full = int(days_full if days_full is not None else setting("tws_retention_days_full"))
    days_summary = int(days_summary if days_summary is not None else setting("tws_retention_days_summary"))
    full_cut = now - timedelta(days=days_full)
    summary_cut = now - timedelta(days=days_summary)
    removed: dict[str, int] = {}
    with session_scope() as db:
        removed["tws_job_runs"] = db.execute(delete(TwsJobRun).where(or_(
            TwsJobRun.end < full_cut, (TwsJobRun.end.is_(None)) & (TwsJobRun.recorded_at < full_cut)))).rowcount
        removed["tws_events"] = db.execute(delete(TwsEvent).where(TwsEvent.at < summary_cut)).rowcount
        removed["tws_incidents"] = db.execute(delete(TwsIncident).where(TwsIncident.last_at < summary_cut)).rowcount
        removed["tws_poll_log"] = db.execute(delete(TwsPollLog).where(TwsPollLog.at < summary_cut)).rowcount
        configured = select(TwsInstance.name)
        for model in (TwsPlanJob, TwsWorkstation, TwsSummary, TwsPollerControl):
            removed[model.__tablename__] = db.execute(
                delete(model).where(model.instance.not_in(configured))).rowcount
    if any(removed.values()):
        logger.info("TWS retention cleanup removed %s", {k: v for k, v in removed.items() if v})
    return removed

