"""Job-stream predecessors (issue 16, D3): a job may follow a whole job stream, not only jobs.

`plan/job/{id}/predecessors` answers FlowNodeInPlanV2 nodes, each a JobInPlanV2 or a JobStreamInPlanV2
(`flowNodeType` JOB or JOBSTREAM), and a job's `dependencies` list EXTERNAL_JOBSTREAM entries. The snapshot keeps a
job's predecessors as one JSON list of references (`node_refs.py`): a job's id, or `stream:<job stream id>` for a
job stream. A job stream is not a row of its own: what it is now comes from its jobs in the snapshot (`job_stream_id`):
- its state (`stream_state`): failed when one of its jobs failed (it cannot complete by itself), done when every
  job ended successfully or was cancelled, running when one runs, else waiting;
- for the critical path (`threats.py`) it is a node that ends when the last of its jobs ends (`as_node`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from resync_app.tws.models import TwsPlanJob
from resync_app.tws.node_refs import is_stream, stream_id
from resync_app.tws.statuses import CANCELLED_STATUSES, FAILED_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES

def _members(db, instance: str, reference: str) -> list[TwsPlanJob]:
    return list(db.execute(select(TwsPlanJob).where(
        TwsPlanJob.instance == instance, TwsPlanJob.job_stream_id == stream_id(reference))
        .order_by(TwsPlanJob.name)).scalars())


def _summary(members: list[TwsPlanJob]) -> str:
    """A representative status of the stream: a failed job's status, SUCC when all done, EXEC, else HOLD."""
    failed = [m.status for m in members if m.status in FAILED_STATUSES]
    if failed:
        return failed[0]
    if all(m.status in SUCCESS_STATUSES or m.status in CANCELLED_STATUSES for m in members):
        return "SUCC"
    if any(m.status in RUNNING_STATUSES or m.status in SUCCESS_STATUSES for m in members):
        return "EXEC"
    return "HOLD"


def stream_state(db, instance: str, reference: str) -> dict[str, Any]:
    """What the drawer shows for a job-stream predecessor (`kind: "stream"`)."""
    members = _members(db, instance, reference)
    if not members:
        return {"id": stream_id(reference), "kind": "stream", "name": None, "status": None, "in_plan": False}
    done = sum(1 for m in members if m.status in SUCCESS_STATUSES or m.status in CANCELLED_STATUSES)
    return {"id": stream_id(reference), "kind": "stream", "name": members[0].job_stream,
            "job_stream": members[0].job_stream, "workstation": members[0].workstation,
            "status": _summary(members), "jobs": len(members), "jobs_done": done, "in_plan": True}


def as_node(db, instance: str, reference: str) -> tuple[TwsPlanJob | None, list[str]]:
    """A job stream as a node of the critical path: an unsaved row that stands for it (not started: it ends when
    its jobs end; its status a failed job's, or SUCC when all are done) and the ids of its jobs, its predecessors
    there. (None, []) when the snapshot has none of its jobs."""
    members = _members(db, instance, reference)
    if not members:
        return None, []
    status = _summary(members)
    ends = [m.end for m in members if m.end is not None]
    row = TwsPlanJob(instance=instance, job_id=reference, name=members[0].job_stream,
                     job_stream=members[0].job_stream, job_stream_id=stream_id(reference),
                     workstation=members[0].workstation, status=status, start=None,
                     end=max(ends) if status == "SUCC" and ends else None, estimated_duration_s=0.0,
                     predecessors="[]")
    return row, [m.job_id for m in members]


def member_ids(db, instance: str, references: list[str]) -> list[str]:
    """The ids of the jobs of these job streams (the crawl wants their predecessors too)."""
    ids = [stream_id(r) for r in references if is_stream(r)]
    if not ids:
        return []
    return list(db.execute(select(TwsPlanJob.job_id).where(
        TwsPlanJob.instance == instance, TwsPlanJob.job_stream_id.in_(ids))).scalars())


__all__ = ["as_node", "member_ids", "stream_state"]
