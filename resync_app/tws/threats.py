"""What threatens a critical job's deadline: its critical path through the predecessors the poller has crawled.

The poller's `risk`/`confidence` of a job (see `detect.deadline_risk`) looks at the job alone. This module adds
what sits upstream: a job cannot start before its predecessors end, so

- a predecessor may be a whole job stream (issue 16, D3): a node with no duration of its own whose predecessors are
  the stream's jobs, so it ends when its last job ends, and a failed job in it blocks it;
- forward pass: estimated end of each job of the sub-plan behind the critical job
    finished     → its real end (a failed or cancelled predecessor never ends by itself: it blocks the path);
    running      → max(start + μ, now);
    not started  → max(now, scheduled start, latest estimated end of its predecessors) + μ;
  with μ the mean of the job's past successful runs (else TWS's estimate) and σ their spread (else μ/4, ≥ 60 s),
  exactly as the job-level risk does;
- backward pass: the latest time each predecessor may end for the critical job to still meet its deadline
    LF(critical) = deadline;  LF(p) = min over its successors s on the path of (LF(s) − μ(s));
- slack(p) = LF(p) − estimated end(p): the least slack first is the critical path; a negative slack already
  misses the deadline unless someone acts.
The headline estimate and confidence are the poll's (the Monte Carlo over the whole network, `prediction/live.py`)
when it has one, so the drawer, the chat and the REST rows agree; else the path-aware confidence is
Φ((deadline − estimated end) / σ_path), σ_path = √Σσ² over the unfinished jobs of the
chain that sets the estimated end.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from resync_app.db import session_scope, utcnow
from resync_app.prediction.types import risk_of
from resync_app.tws.detect import DEFAULT_SPREAD_SHARE, MIN_SPREAD_S, normal_cdf
from resync_app.tws import stream_deps
from resync_app.tws.models import TwsJobRun, TwsPlanJob
from resync_app.tws.node_refs import is_stream
from resync_app.tws.plan_fields import CANCELLED_STATUSES, FAILED_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES
from resync_app.tws.queries import resolve_instance
from resync_app.tws.dependency_crawl import DEPS_KNOWN

MAX_NODES = 300  # the sub-plan behind one critical job that is examined at most
BLOCKED = "blocked"


@dataclass
class _Node:
    row: TwsPlanJob
    preds: list[str]
    mean_s: float = 0.0
    spread_s: float = MIN_SPREAD_S
    est_end: datetime | None = None  # None: blocked (failed/cancelled upstream)
    chain_var: float = 0.0  # Σσ² of the unfinished jobs on the chain that sets est_end
    latest_finish: datetime | None = None
    successors: list[str] = field(default_factory=list)
    stream: bool = False  # stands for a whole job stream (stream_deps.as_node): no duration of its own

    @property
    def done(self) -> bool:
        return self.row.status in SUCCESS_STATUSES

    @property
    def failed(self) -> bool:
        return self.row.status in FAILED_STATUSES or self.row.status in CANCELLED_STATUSES


def _key(row: TwsPlanJob) -> str:
    return f"{row.workstation}#{row.job_stream}.{row.name}"


def _find(db, instance: str, job: str) -> TwsPlanJob | None:
    row = db.get(TwsPlanJob, (instance, job))
    if row is not None:
        return row
    name = job.strip().upper()
    stream = None
    if "." in name:  # STREAM.JOB or WS#STREAM.JOB
        stream, name = name.rsplit(".", 1)
        stream = stream.split("#")[-1]
    query = select(TwsPlanJob).where(TwsPlanJob.instance == instance, func.upper(TwsPlanJob.name) == name)
    if stream:
        query = query.where(func.upper(TwsPlanJob.job_stream) == stream)
    # the same job name in several streams: prefer the critical one, then the one due first
    return db.execute(query.order_by(TwsPlanJob.critical.desc(), TwsPlanJob.deadline.asc()).limit(1)).scalar()


def find_job_id(instance: str | None, job: str) -> str | None:
    """The plan job id a reference means (an id, NAME, STREAM.NAME or WS#STREAM.NAME), None if none."""
    name = resolve_instance(instance)
    with session_scope() as db:
        row = _find(db, name, job)
        return row.job_id if row is not None else None


def _load(db, instance: str, root: TwsPlanJob) -> tuple[dict[str, _Node], bool]:
    """The root and its transitive predecessors known in the snapshot; whether the graph is complete."""
    nodes: dict[str, _Node] = {}
    complete = True
    frontier = [root]
    while frontier and len(nodes) < MAX_NODES:
        wanted: set[str] = set()
        for row in frontier:
            if row.job_id in nodes:
                continue
            preds = [p for p in json.loads(row.predecessors or "[]") if isinstance(p, str)]
            if row.deps_state != DEPS_KNOWN and row.status not in SUCCESS_STATUSES:
                complete = False  # predecessors of an unfinished job not crawled yet
            nodes[row.job_id] = _Node(row=row, preds=preds)
            wanted.update(p for p in preds if p not in nodes)
        for reference in sorted(p for p in wanted if is_stream(p)):  # a whole job stream: ends with its last job
            wanted.discard(reference)
            stand_in, members = stream_deps.as_node(db, instance, reference)
            if stand_in is None:
                complete = False  # a job stream outside the current plan
                continue
            nodes[reference] = _Node(row=stand_in, preds=members, stream=True)
            wanted.update(m for m in members if m not in nodes)
        if not wanted:
            break
        found = db.execute(select(TwsPlanJob).where(TwsPlanJob.instance == instance,
                                                    TwsPlanJob.job_id.in_(sorted(wanted)))).scalars().all()
        if len(found) < len(wanted):
            complete = False  # a predecessor outside the current plan (or not polled yet)
        frontier = list(found)
    if frontier and len(nodes) >= MAX_NODES:
        complete = False
    for node in nodes.values():
        node.preds = [p for p in node.preds if p in nodes]
        for pred in node.preds:
            nodes[pred].successors.append(node.row.job_id)
    return nodes, complete


def _durations(db, instance: str, nodes: dict[str, _Node]) -> None:
    keys = sorted({_key(n.row) for n in nodes.values()})
    stats: dict[str, tuple[int, float, float]] = {}
    for start in range(0, len(keys), 500):
        rows = db.execute(
            select(TwsJobRun.job_key, func.count(), func.avg(TwsJobRun.duration_s),
                   func.avg(TwsJobRun.duration_s * TwsJobRun.duration_s))
            .where(TwsJobRun.instance == instance, TwsJobRun.job_key.in_(keys[start:start + 500]),
                   TwsJobRun.status.in_(SUCCESS_STATUSES), TwsJobRun.duration_s.is_not(None))
            .group_by(TwsJobRun.job_key))
        for key, n, mean, mean_sq in rows:
            n, mean, mean_sq = int(n), float(mean or 0.0), float(mean_sq or 0.0)
            var = max(mean_sq - mean * mean, 0.0) * (n / (n - 1)) if n > 1 else 0.0
            stats[key] = (n, mean, math.sqrt(var))
    for node in nodes.values():
        if node.stream:
            node.mean_s, node.spread_s = 0.0, 0.0
            continue
        runs, mean, stdev = stats.get(_key(node.row), (0, 0.0, 0.0))
        node.mean_s = mean if runs >= 1 else float(node.row.estimated_duration_s or 0.0)
        node.spread_s = max(stdev if runs >= 2 else DEFAULT_SPREAD_SHARE * node.mean_s, MIN_SPREAD_S)


def _forward(nodes: dict[str, _Node], job_id: str, now: datetime, seen: set[str]) -> None:
    node = nodes[job_id]
    if node.est_end is not None or job_id in seen:
        return
    seen.add(job_id)
    row = node.row
    if node.done:
        node.est_end, node.chain_var = row.end or now, 0.0
        return
    if node.failed:
        node.est_end = None  # blocked until someone reruns or fixes it
        node.chain_var = 0.0
        return
    mean = timedelta(seconds=node.mean_s)
    if row.status in RUNNING_STATUSES and row.start is not None:
        node.est_end, node.chain_var = max(row.start + mean, now), node.spread_s ** 2
        return
    begin, var = now, 0.0
    if row.scheduled_start is not None and row.scheduled_start > begin:
        begin = row.scheduled_start
    for pred_id in node.preds:
        _forward(nodes, pred_id, now, seen)
        pred = nodes[pred_id]
        if pred.est_end is None:
            node.est_end = None  # a blocked predecessor blocks this job too
            return
        if pred.est_end > begin:
            begin, var = pred.est_end, pred.chain_var
    node.est_end, node.chain_var = begin + mean, var + node.spread_s ** 2


def _backward(nodes: dict[str, _Node], root_id: str, deadline: datetime) -> None:
    nodes[root_id].latest_finish = deadline
    order = [root_id]
    index = 0
    while index < len(order):  # breadth-first from the root: every successor's LF is final before it is used
        current = nodes[order[index]]
        index += 1
        for pred_id in current.preds:
            pred = nodes[pred_id]
            candidate = current.latest_finish - timedelta(seconds=current.mean_s)
            if pred.latest_finish is None or candidate < pred.latest_finish:
                pred.latest_finish = candidate
                order.append(pred_id)


def _reason(node: _Node, now: datetime) -> str:
    row = node.row
    if node.stream:
        return (f"a job stream with a failed job ({row.status}): it blocks the path until that job is rerun or fixed"
                if node.failed else "a job stream: the path waits until every job in it has ended")
    if node.failed:
        return f"{row.status}: it blocks the path until it is rerun or fixed"
    if node.est_end is None:
        return "waiting behind a failed predecessor"
    if row.status in RUNNING_STATUSES:
        over = (now - (row.start or now)).total_seconds() - node.mean_s if row.start else 0
        extra = f", {over / 60:.0f} min over its usual duration" if over > 60 else ""
        return f"running since {row.start:%H:%M}{extra}" if row.start else "running"
    if row.status == "HOLD":
        return "held: it waits for its predecessors or an operator's release"
    if row.late:
        return "late: not started after its scheduled start"
    return f"not started ({row.status})"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def deadline_threats(instance: str | None, job: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The critical path of `job` (a plan job id, NAME, STREAM.NAME or WS#STREAM.NAME): its path-aware estimated
    end and confidence, and the unfinished predecessors that threaten its deadline, least slack first.
    None when the plan has no such job; `{"deadline": None, …}` for a job without a deadline."""
    name = resolve_instance(instance)
    now = now or utcnow()
    with session_scope() as db:
        root = _find(db, name, job)
        if root is None:
            return None
        base = {"instance": name, "job_id": root.job_id, "job": root.name, "job_stream": root.job_stream,
                "workstation": root.workstation, "status": root.status, "critical": root.critical,
                "deadline": _iso(root.deadline), "job_risk": root.risk or None, "job_confidence": root.confidence}
        if root.deadline is None:
            return {**base, "estimated_end": None, "risk": None, "confidence": None, "threats": [], "path": [],
                    "complete": True, "explanation": "This job has no deadline in the plan."}
        nodes, complete = _load(db, name, root)
        _durations(db, name, nodes)
    _forward(nodes, root.job_id, now, set())
    _backward(nodes, root.job_id, root.deadline)
    top = nodes[root.job_id]
    est_end = top.est_end
    if top.done:
        confidence = 1.0 if (root.end or now) <= root.deadline else 0.0
    elif top.est_end is None:
        confidence = 0.0
    elif root.estimated_end is not None and root.confidence is not None:
        # the poll's estimate over the whole network (prediction/live.py, CONTRACT §13): one number everywhere
        est_end, confidence = root.estimated_end, root.confidence
    else:
        sigma = math.sqrt(top.chain_var) if top.chain_var > 0 else MIN_SPREAD_S
        confidence = normal_cdf((root.deadline - top.est_end).total_seconds() / sigma)
    threats = []
    for node in nodes.values():
        if node.row.job_id == root.job_id or node.done or node.latest_finish is None:
            continue
        slack = (node.latest_finish - node.est_end).total_seconds() if node.est_end is not None else None
        threats.append({
            "id": node.row.job_id, "name": node.row.name, "job_stream": node.row.job_stream,
            "workstation": node.row.workstation, "status": node.row.status,
            "estimated_end": _iso(node.est_end), "latest_end": _iso(node.latest_finish),
            "slack_s": round(slack, 1) if slack is not None else None, "reason": _reason(node, now),
            "blocking": node.failed, "kind": "stream" if node.stream else "job",
        })
    # failed jobs first (they block the path), then the jobs waiting behind them, then the least slack
    threats.sort(key=lambda t: (not t["blocking"], t["slack_s"] is not None,
                                t["slack_s"] if t["slack_s"] is not None else 0.0))
    path = _path(nodes, root.job_id)
    return {**base, "estimated_end": _iso(est_end), "confidence": round(confidence, 3),
            "risk": risk_of(confidence), "threats": threats, "path": path, "complete": complete,
            "explanation": _explain(root, top, est_end, confidence, threats, complete)}


def _path(nodes: dict[str, _Node], root_id: str) -> list[str]:
    """The chain that sets the root's estimated end, upstream first: at each step the blocked predecessor, else the
    unfinished one expected to end last."""
    chain = [root_id]
    current = nodes[root_id]
    while not current.done:
        open_preds = [p for p in current.preds if not nodes[p].done]
        if not open_preds:
            break
        blocked = [p for p in open_preds if nodes[p].est_end is None]
        nxt = blocked[0] if blocked else max(open_preds, key=lambda p: nodes[p].est_end)
        if nxt in chain:
            break
        chain.append(nxt)
        current = nodes[nxt]
    return [nodes[j].row.name for j in reversed(chain)]


def _explain(root: TwsPlanJob, top: _Node, est_end: datetime | None, confidence: float, threats: list[dict],
             complete: bool) -> str:
    if top.done:
        return f"{root.name} has finished ({root.status})."
    parts = []
    if top.est_end is None:
        parts.append(f"{root.name} cannot finish without an operator: a job on its path has failed.")
    else:
        parts.append(f"{root.name} is expected to end around {est_end:%H:%M} UTC for a deadline of "
                     f"{root.deadline:%H:%M} UTC ({confidence:.0%} likely in time).")
    negative = [t for t in threats if t["slack_s"] is None or t["slack_s"] < 0]
    if negative:
        names = ", ".join(t["name"] for t in negative[:3])
        parts.append(f"Threatened by {names}.")
    if not complete:
        parts.append("Part of its dependencies is not known yet (the poller looks them up a few per poll).")
    return " ".join(parts)
