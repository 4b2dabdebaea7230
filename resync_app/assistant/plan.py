"""The assistant's `PlanReader` bound to the TWS read layer (`tws/queries.py`, `tws/threats.py`, the log excerpt of
`tws/service.py`): what the fast path and the chat's tools read. Every read comes from the shared snapshot; the
job log is the one on-demand TWS call, made only when asked for (`with_log`). Database reads run in a thread so
the event loop keeps streaming other answers meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

from resync_app.tws import event_queries, queries, threats
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.plan_fields import SUCCESS_STATUSES


class SnapshotReader:
    """`PlanReader` over the snapshot. `with_log`: `job()` also fetches the job's log excerpt from TWS."""

    def __init__(self, *, with_log: bool = False) -> None:
        self.with_log = with_log

    async def summary(self, instance: str | None) -> dict | None:
        """The summary, or None when no instance is configured or it was never polled."""
        try:
            data = await asyncio.to_thread(queries.summary, instance)
        except UnknownInstance:
            return None
        return data if data.get("polled") else None

    async def jobs(self, instance: str | None, **filters: Any) -> dict:
        return await asyncio.to_thread(lambda: queries.jobs(instance, **filters))

    async def job(self, instance: str | None, job: str) -> dict | None:
        """The job (an id, NAME, STREAM.NAME or WS#STREAM.NAME) with dependencies as the fast path reads them
        (predecessors, `satisfied` when they ended well), history and, `with_log`, the log excerpt."""
        job_id = await asyncio.to_thread(threats.find_job_id, instance, job)
        if job_id is None:
            return None
        data = await asyncio.to_thread(queries.job, instance, job_id)
        if data is None:
            return None
        data["successors"] = data["dependencies"]["successors"]
        data["dependencies"] = [
            {**dep, "satisfied": dep.get("status") in SUCCESS_STATUSES, "type": "predecessor"}
            for dep in data["dependencies"]["predecessors"]]
        data["log_excerpt"] = await self.log(instance, job_id) if self.with_log else None
        return data

    async def log(self, instance: str | None, job_id: str) -> str | None:
        from resync_app.tws import service

        name = await asyncio.to_thread(queries.resolve_instance, instance)
        excerpt = await service.log_excerpt(name, job_id)
        return excerpt.get("text") or (f"(the log could not be read: {excerpt['error']})" if excerpt.get("error")
                                       else None)

    async def events(self, instance: str | None, **filters: Any) -> dict:
        return await asyncio.to_thread(lambda: event_queries.events(instance, **filters))

    async def deadline_threats(self, instance: str | None, job: str) -> dict | None:
        return await asyncio.to_thread(threats.deadline_threats, instance, job)

    async def shift_report(self, instance: str | None, *, start, end) -> dict | None:
        """The shift report of [start, end) (`reports.shift`; no user names), or None without an instance."""
        from resync_app.reports import shift
        from resync_app.settings import get_settings

        window = shift.Window(start, end, get_settings().timezone)
        try:
            return await asyncio.to_thread(lambda: shift.build(instance, window, show_users=False, limit=20))
        except UnknownInstance:
            return None

    async def workstations(self, instance: str | None) -> dict:
        rows = await asyncio.to_thread(queries.workstations, instance)
        return {"count": len(rows), "results": [{**r, "status": r.get("link_status")} for r in rows]}
