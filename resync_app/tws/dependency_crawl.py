"""The dependency crawl: query results carry no dependencies, so after each successful poll the poller looks up
the predecessors of a few jobs whose dependencies are wanted (critical jobs first, then the jobs they depend on,
transitively) and stores them on their plan rows (`deps_state`)."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select, update

from resync_app.db import get_engine, session_scope
from resync_app.tws import stream_deps
from resync_app.tws.errors import TWSError
from resync_app.tws.models import TwsPlanJob
from resync_app.tws.node_refs import is_stream, node_ref

DEPS_UNKNOWN, DEPS_WANTED, DEPS_KNOWN = 0, 1, 2
DEPS_PER_POLL = 40  # predecessor look-ups per poll (critical jobs first, then their predecessors, …)


async def crawl_dependencies(instance: str, client, budget: int = DEPS_PER_POLL) -> int:
    """Look up the predecessors of up to `budget` jobs whose dependencies are wanted (critical jobs, then the jobs
    they depend on, transitively): query results carry no dependencies, and the critical path needs them. The
    poller runs it after each successful poll, once the snapshot is stored and announced."""
    wanted = await asyncio.to_thread(_wanted_dependencies, instance, budget)
    if not wanted:
        return 0
    gate = asyncio.Semaphore(8)

    async def one(job_id: str) -> tuple[str, list[str] | None]:
        async with gate:
            try:
                nodes = await client.predecessors(job_id, depth=1)
            except TWSError as exc:
                return job_id, [] if exc.kind == "not_found" else None
        return job_id, [found for found in map(node_ref, nodes) if found]  # jobs, and `stream:<id>` (D3)

    found = [(job_id, preds) for job_id, preds in await asyncio.gather(*(one(j) for j in wanted))
             if preds is not None]
    await asyncio.to_thread(_store_dependencies, instance, found)
    return len(found)


def _wanted_dependencies(instance: str, budget: int) -> list[str]:
    with get_engine().connect() as conn:
        return list(conn.execute(select(TwsPlanJob.job_id).where(
            TwsPlanJob.instance == instance, TwsPlanJob.deps_state == DEPS_WANTED).limit(budget)).scalars())


def _store_dependencies(instance: str, found: list[tuple[str, list[str]]]) -> None:
    if not found:
        return
    with session_scope() as db:
        for job_id, preds in found:
            db.execute(update(TwsPlanJob).where(TwsPlanJob.instance == instance, TwsPlanJob.job_id == job_id)
                       .values(predecessors=json.dumps(preds), deps_state=DEPS_KNOWN))
        upstream = {p for _, preds in found for p in preds}
        streams = [p for p in upstream if is_stream(p)]
        upstream = sorted((upstream - set(streams)) | set(stream_deps.member_ids(db, instance, streams)))
        for start in range(0, len(upstream), 500):
            db.execute(update(TwsPlanJob).where(
                TwsPlanJob.instance == instance, TwsPlanJob.job_id.in_(upstream[start:start + 500]),
                TwsPlanJob.deps_state == DEPS_UNKNOWN).values(deps_state=DEPS_WANTED))
