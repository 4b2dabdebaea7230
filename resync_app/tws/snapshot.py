"""One poll of one instance: fetch the plan, compare it with the stored snapshot, store what changed and the events.

`poll_instance(config, client, now=…)` is the whole poll; the poller calls it on its schedule, tests call it
directly with the simulator's virtual clock. Only jobs whose stored fields changed (a 64-bit fingerprint) or whose
derived flags changed (late, stuck, deadline risk) are written, so a poll of an unchanged 50 000-job plan writes a
summary row and a poll-log row. Everything a poll stores — snapshot rows, events, run history, summary — commits in
one transaction; events are inserted with ON CONFLICT DO NOTHING on their dedupe key, so a second poller or a
repeated poll can never store one twice; their incidents and Teams cards are written in that same transaction
(`poll_commit.seal`). After the commit the new events go to `notify.emit_tws_events` once and the feed topics
`tws.snapshot` / `tws.events` tell live pages.

The first successful poll of an instance — of each incarnation: created, re-created or pointed at another TWS — is
its baseline: stored, counted, never notified.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from resync_app import metrics, notify
from resync_app.db import get_engine, session_scope, utcnow
from resync_app.events import feed
from resync_app.prediction import live as prediction_live
from resync_app.tws import detect, operator_view, poll_commit, stream_deps
from resync_app.tws.detect import Candidate, DurationStats, Known, Thresholds
from resync_app.tws.errors import TWSError
from resync_app.tws.incarnation import event_key
from resync_app.tws.poll_commit import InstanceChanged
from resync_app.tws.models import TwsEvent, TwsJobRun, TwsPlanJob, TwsPollLog, TwsSummary, TwsWorkstation
from resync_app.tws.node_refs import is_stream, node_ref
from resync_app.tws.plan_fields import (
    FAILED_STATUSES, FINAL_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES, WAITING_STATUSES, JobView, job_view,
    workstation_view,
)

logger = logging.getLogger("resync.tws.snapshot")

SNAPSHOT_TOPIC = "tws.snapshot"
EVENTS_TOPIC = "tws.events"
PAGE_SIZE = 1000
_CHUNK = 2000
_BASELINE_CHUNK = 5000
_JOB_COLUMNS = ("instance", "job_id", "name", "job_stream", "job_stream_id", "workstation", "status",
                "external_status", "start", "end", "duration_s", "scheduled_start", "deadline",
                "estimated_duration_s", "critical", "return_code", "run_number", "priority", "predecessors",
                "deps_state", "late", "stuck", "risk", "confidence", "fingerprint", "changed_seq", "updated_at",
                "run_seq")
DEPS_UNKNOWN, DEPS_WANTED, DEPS_KNOWN = 0, 1, 2
DEPS_PER_POLL = 40  # predecessor look-ups per poll (critical jobs first, then their predecessors, …)


def thresholds() -> Thresholds:
    """The TWS Monitoring fields as they are now (read at every poll: changes apply to the next one)."""
    from resync_app.config.store import setting

    return Thresholds(stuck_minutes=int(setting("tws_job_stuck_threshold_minutes")),
                      late_minutes=int(setting("tws_job_late_threshold_minutes")),
                      failure_rate=float(setting("tws_anomaly_failure_rate_threshold")))


# ---- what the poller keeps between polls -------------------------------------------------------------


@dataclass
class InstanceMemory:
    """The previous poll's view of an instance, valid while `poll_seq` matches the summary row."""

    poll_seq: int = -1
    jobs: dict[str, Known] = field(default_factory=dict)
    incarnation: str = ""
    th: Thresholds | None = None  # the thresholds the flags were computed with


class SnapshotCache:
    """Per-instance memories (one per poller process; reloaded from the database after a leader change)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memories: dict[str, InstanceMemory] = {}

    def get(self, instance: str) -> InstanceMemory | None:
        with self._lock:
            return self._memories.get(instance)

    def put(self, instance: str, memory: InstanceMemory) -> None:
        with self._lock:
            self._memories[instance] = memory

    def forget(self, instance: str | None = None) -> None:
        with self._lock:
            if instance is None:
                self._memories.clear()
            else:
                self._memories.pop(instance, None)


def _load_memory(instance: str, poll_seq: int) -> InstanceMemory:
    memory = InstanceMemory(poll_seq=poll_seq)
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(TwsPlanJob.job_id, TwsPlanJob.fingerprint, TwsPlanJob.status, TwsPlanJob.run_number,
                   TwsPlanJob.late, TwsPlanJob.stuck, TwsPlanJob.risk, TwsPlanJob.confidence, TwsPlanJob.run_seq)
            .where(TwsPlanJob.instance == instance))
        for job_id, fp, status, run, late, stuck, risk, confidence, seq in rows:
            memory.jobs[job_id] = Known(fp, status, run, bool(late), bool(stuck), risk or "", confidence,
                                        run_seq=seq or 0)
    return memory


# ---- results ----------------------------------------------------------------------------------------


@dataclass
class PollResult:
    instance: str
    ok: bool
    baseline: bool = False
    duration_ms: float = 0.0
    jobs: int = 0
    jobs_changed: int = 0
    jobs_removed: int = 0
    events: list[notify.TwsEventNotice] = field(default_factory=list)
    error: str = ""
    error_kind: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    running: int = 0
    pending: int = 0
    failed_new: int = 0
    poll_seq: int = 0


# ---- the poll ---------------------------------------------------------------------------------------


class _Collector:
    """Accumulates one poll's jobs: counts, changed rows, events, finished runs."""

    def __init__(self, instance: str, memory: InstanceMemory, now: datetime, th: Thresholds, baseline: bool,
                 seq: int) -> None:
        self.instance, self.memory, self.now, self.th, self.baseline, self.seq = (
            instance, memory, now, th, baseline, seq)
        self.seen: dict[str, Known] = {}
        self.rows: list[tuple] = []
        self.events: list[Candidate] = []
        self.runs: list[dict[str, Any]] = []
        self.status_counts: Counter[str] = Counter()
        self.late = self.stuck = 0
        self.critical: list[tuple[JobView, Known | None, bool, bool, int, int | None]] = []
        self.failed_new = 0
        self.prediction = prediction_live.Prediction()  # the critical networks' estimates (issue 17)

    def add_page(self, page: list[dict]) -> None:
        """Take one page of JobInPlanV2 dicts. A job whose JSON is byte-for-byte what this process saw last poll,
        whose time-based flags cannot have flipped yet and whose risk does not move with the clock is counted
        without being parsed again: at 50 000 jobs that is most of a poll's cost."""
        previous, seen, now, counts = self.memory.jobs, self.seen, self.now, self.status_counts
        fast = self.memory.th == self.th  # changed thresholds: every flag is re-evaluated once
        dumps = orjson.dumps
        late = stuck = 0
        for raw in page:
            job_id = raw.get("id")
            if not isinstance(job_id, str) or not job_id or job_id in seen:
                continue  # a page boundary moved under us: each job once
            digest = hash(dumps(raw))
            prev = previous.get(job_id)
            if fast and prev is not None and prev.raw == digest and not prev.volatile \
                    and (prev.recheck is None or now <= prev.recheck):
                seen[job_id] = prev
                counts[prev.status] += 1
                late += prev.late
                stuck += prev.stuck
                continue
            self._add(job_view(raw), prev, digest)
        self.late += late
        self.stuck += stuck

    def _add(self, view: JobView, prev: Known | None, digest: int | None) -> None:
        view.run_seq = detect.run_seq(prev, view)
        fp = detect.fingerprint(view)
        late = detect.is_late(view, self.now, self.th)
        stuck = detect.is_stuck(view, self.now, self.th)
        self.status_counts[view.status] += 1
        self.late += late
        self.stuck += stuck
        if view.critical and view.deadline is not None:
            self.critical.append((view, prev, late, stuck, fp, digest))  # risk needs the run history: later
            self.seen[view.id] = self._known(view, fp, late, stuck, "", None, digest)
            return
        self._settle(view, prev, late, stuck, fp, "", None, digest)

    def _known(self, view: JobView, fp: int, late: bool, stuck: bool, risk: str, confidence: float | None,
               digest: int | None) -> Known:
        volatile = view.critical and view.deadline is not None and view.status not in SUCCESS_STATUSES
        return Known(fp, view.status, view.run_number, late, stuck, risk, confidence, digest,
                     detect.recheck_at(view, late, stuck, self.th), volatile, view.run_seq)

    def _settle(self, view: JobView, prev: Known | None, late: bool, stuck: bool, fp: int, risk: str,
                confidence: float | None, digest: int | None) -> None:
        known = self._known(view, fp, late, stuck, risk, confidence, digest)
        self.seen[view.id] = known
        changed = prev is None or prev.fingerprint != fp or prev.late != late or prev.stuck != stuck \
            or prev.risk != risk or prev.run_seq != view.run_seq or (confidence is not None and (
                prev.confidence is None or abs(prev.confidence - confidence) >= 0.01))
        if not changed:
            known.confidence = prev.confidence  # what the row still says
            return
        self.rows.append(_row(self.instance, view, late, stuck, risk, confidence, fp, self.seq, self.now))
        finished_now = view.status in FINAL_STATUSES and (
            prev is None or prev.status not in FINAL_STATUSES or prev.run_seq != view.run_seq)
        if finished_now and view.start is not None and view.end is not None:
            self.runs.append(_run_row(self.instance, view, self.now))
        if self.baseline:
            return
        found = detect.job_events(self.instance, prev, view, late=late, stuck=stuck, risk=risk,
                                  confidence=confidence, th=self.th, now=self.now,
                                  estimate=self.prediction.estimates.get(view.id))
        self.failed_new += sum(1 for c in found if c.type == "job_abended")
        self.events.extend(found)

    def settle_critical(self, stats: dict[str, DurationStats]) -> int:
        """Risk of the critical jobs (needs their run history); returns how many are at risk now."""
        at_risk = 0
        for view, prev, late, stuck, fp, digest in self.critical:
            risk, confidence = prediction_live.risk_of(view, self.now, stats.get(view.key),
                                                       self.prediction.estimates.get(view.id))
            if detect.counts_as_at_risk(view, risk, self.now):
                at_risk += 1
            self._settle(view, prev, late, stuck, fp, risk, confidence, digest)
        return at_risk


def _row(instance: str, view: JobView, late: bool, stuck: bool, risk: str, confidence: float | None, fp: int,
         seq: int, now: datetime) -> tuple:
    duration = (view.end - view.start).total_seconds() if view.start and view.end else None
    return (instance, view.id, view.name[:200], view.job_stream[:200], view.job_stream_id[:200],
            view.workstation[:200], view.status[:24], view.common_status[:32], view.start, view.end, duration,
            view.scheduled_start, view.deadline, view.estimated_duration_s, view.critical, view.return_code,
            view.run_number, view.priority, json.dumps(view.predecessors),
            DEPS_KNOWN if view.predecessors
            else DEPS_WANTED if view.critical and view.status not in SUCCESS_STATUSES else DEPS_UNKNOWN,
            late, stuck, risk, confidence, fp, seq, now, view.run_seq)


def _run_row(instance: str, view: JobView, now: datetime) -> dict[str, Any]:
    duration = (view.end - view.start).total_seconds() if view.start and view.end else None
    return {"instance": instance, "job_key": view.key[:400], "job_id": view.id,
            "run_number": view.run_number or view.run_seq,  # a run that ended unnumbered: Resync's count
            "status": view.status[:24], "start": view.start, "end": view.end, "duration_s": duration,
            "return_code": view.return_code, "recorded_at": now}


def _duration_stats(instance: str, keys: list[str]) -> dict[str, DurationStats]:
    """Mean and spread of the successful runs of these jobs (one grouped query)."""
    if not keys:
        return {}
    out: dict[str, DurationStats] = {}
    with get_engine().connect() as conn:
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = conn.execute(
                select(TwsJobRun.job_key, func.count(), func.avg(TwsJobRun.duration_s),
                       func.avg(TwsJobRun.duration_s * TwsJobRun.duration_s))
                .where(TwsJobRun.instance == instance, TwsJobRun.job_key.in_(chunk),
                       TwsJobRun.status.in_(SUCCESS_STATUSES), TwsJobRun.duration_s.is_not(None))
                .group_by(TwsJobRun.job_key))
            for key, n, mean, mean_sq in rows:
                n, mean, mean_sq = int(n), float(mean or 0.0), float(mean_sq or 0.0)
                var = max(mean_sq - mean * mean, 0.0) * (n / (n - 1)) if n > 1 else 0.0
                out[key] = DurationStats(runs=n, mean_s=mean, stdev_s=math.sqrt(var))
    return out


def _summary(db, instance: str) -> TwsSummary:
    row = db.get(TwsSummary, instance)
    if row is None:
        row = TwsSummary(instance=instance)
        db.add(row)
        db.flush()
    return row


def _dialect_insert(table):
    return (postgresql.insert if get_engine().dialect.name == "postgresql" else sqlite.insert)(table)


def _insert_events(db, candidates: list[Candidate], now: datetime, instance: str, incarnation: str = ""
                   ) -> list[notify.TwsEventNotice]:
    """Insert the candidates that are new (by dedupe key, namespaced by the incarnation) and return them as
    notices, in order."""
    if not candidates:
        return []
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(event_key(incarnation, candidate.dedupe_key), candidate)
    table = TwsEvent.__table__
    stmt = _dialect_insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(
        table.c.id, table.c.dedupe_key)
    rows = [{"at": now, "instance": instance, "type": c.type, "severity": c.severity, "message": c.message,
             "job": c.job, "job_id": c.job_id, "job_stream": c.job_stream, "workstation": c.workstation,
             "status": c.status, "return_code": c.return_code, "dedupe_key": key}
            for key, c in unique.items()]
    inserted: dict[str, int] = {}
    for start in range(0, len(rows), _CHUNK):
        for event_id, key in db.execute(stmt, rows[start:start + _CHUNK]):
            inserted[key] = event_id
    notices = [
        notify.TwsEventNotice(id=inserted[key], at=now, instance=instance, type=c.type, severity=c.severity,
                              message=c.message, job=c.job, job_id=c.job_id, job_stream=c.job_stream,
                              workstation=c.workstation, status=c.status, return_code=c.return_code, dedupe_key=key)
        for key, c in unique.items() if key in inserted
    ]
    notices.sort(key=lambda n: n.id)
    return notices


def _upsert_jobs(db, rows: list[tuple]) -> None:
    table = TwsPlanJob.__table__
    base = _dialect_insert(table)
    values = {name: base.excluded[name] for name in _JOB_COLUMNS if name not in ("instance", "job_id")}
    # Query results carry no dependencies: keep the predecessors the crawl found unless TWS sent some.
    values["predecessors"] = case((base.excluded.predecessors == "[]", table.c.predecessors),
                                  else_=base.excluded.predecessors)
    values["deps_state"] = case((base.excluded.deps_state == DEPS_KNOWN, DEPS_KNOWN),
                                (table.c.deps_state == DEPS_UNKNOWN, base.excluded.deps_state),
                                else_=table.c.deps_state)
    stmt = base.on_conflict_do_update(index_elements=["instance", "job_id"], set_=values)
    for start in range(0, len(rows), _CHUNK):
        db.execute(stmt, [dict(zip(_JOB_COLUMNS, row)) for row in rows[start:start + _CHUNK]])


def _publish(instance: str, seq: int, notices: list[notify.TwsEventNotice], *, ok: bool, duration_ms: float) -> None:
    """Announce a finished poll: Prometheus figures, the new events to the notifiers, the feed topics."""
    metrics.observe_tws_poll(instance, duration_ms / 1000, ok)
    for notice in notices:
        metrics.count_event(notice.severity)
    if notices:
        notify.emit_tws_events(notices)
        feed.publish(EVENTS_TOPIC, {"instance": instance, "count": len(notices), "last_id": notices[-1].id})
    feed.publish(SNAPSHOT_TOPIC, {"instance": instance, "seq": seq})


async def poll_instance(instance: str, client, *, now: datetime | None = None, cache: SnapshotCache | None = None,
                        leader: str = "", th: Thresholds | None = None, incarnation: str | None = None
                        ) -> PollResult:
    """Poll one instance through `client` (an open HWAClient) and store the outcome; never raises for TWS
    trouble (an outage becomes the stale state and one event). `incarnation`: the instance configuration the
    client was made from (the poller passes it; None = whatever the instance is now). A poll whose instance was
    re-created or re-pointed meanwhile stores nothing (`error_kind` "changed")."""
    started = time.perf_counter()
    now = now or utcnow()
    th = th or thresholds()
    cache = cache or SnapshotCache()
    try:
        seq, baseline, needs_engine, incarnation = await asyncio.to_thread(_begin, instance, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)
    memory = cache.get(instance)
    if memory is None or memory.poll_seq != seq - 1 or memory.incarnation != incarnation:
        memory = await asyncio.to_thread(_load_memory, instance, seq - 1)
    collector = _Collector(instance, memory, now, th, baseline, seq)
    try:
        engine = await client.engine_info() if needs_engine else None
        workstations = [workstation_view(obj) for obj in await client.workstations()]
        with gc_frozen():  # a 50 000-job plan is millions of objects: the collector skips what existed before
            async for page in prefetched(client.iter_jobs(page_size=PAGE_SIZE)):
                collector.add_page(page)
    except TWSError as exc:
        cache.forget(instance)
        return await _stored_failure(instance, now, exc.kind, str(exc), started, leader, incarnation, cache)
    except Exception as exc:  # a bug or a surprise answer must not kill the poller: recorded like an outage
        logger.exception("poll of %s failed unexpectedly", instance)
        cache.forget(instance)
        return await _stored_failure(instance, now, "error", f"{type(exc).__name__}: {exc}"[:300], started, leader,
                                     incarnation, cache)
    collector.prediction = await asyncio.to_thread(prediction_live.estimate_poll, instance,
                                                   [view for view, *_ in collector.critical], collector.rows,
                                                   _JOB_COLUMNS, now)
    keys = sorted({view.key for view, *_ in collector.critical if view.id not in collector.prediction.estimates})
    at_risk = collector.settle_critical(await asyncio.to_thread(_duration_stats, instance, keys))
    try:
        result = await asyncio.to_thread(_store_success, instance, collector, workstations, engine, now, th, at_risk,
                                         started, leader, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)
    cache.put(instance, InstanceMemory(poll_seq=result.poll_seq, jobs=collector.seen, th=th, incarnation=incarnation))
    return result


async def _stored_failure(instance: str, now: datetime, kind: str, message: str, started: float, leader: str,
                          incarnation: str, cache: SnapshotCache) -> PollResult:
    try:
        return await asyncio.to_thread(_store_failure, instance, now, kind, message, started, leader, incarnation)
    except InstanceChanged:
        return _changed(instance, cache, started)


def _changed(instance: str, cache: SnapshotCache, started: float) -> PollResult:
    """The outcome of a poll whose instance was re-configured while it ran: nothing stored."""
    cache.forget(instance)
    logger.info("poll of %s discarded: the instance was re-created or re-pointed meanwhile", instance)
    return PollResult(instance=instance, ok=False, duration_ms=(time.perf_counter() - started) * 1000,
                      error="The instance was re-created or pointed at another TWS during this poll: nothing of it "
                            "was stored.", error_kind="changed")


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


_END = object()
_gc_lock = threading.Lock()
_gc_holders = [0]  # how many polls are inside `gc_frozen` right now


@contextlib.contextmanager
def gc_frozen():
    """While a poll parses and compares its pages, Python's cyclic collector only looks at objects made since the
    poll began (`gc.freeze`): its passes no longer walk the whole heap — the previous poll's memory of 50 000 jobs,
    the app — each time the page objects trigger one, and cyclic garbage is still freed. Re-entrant."""
    with _gc_lock:
        if _gc_holders[0] == 0:
            gc.freeze()
        _gc_holders[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders[0] -= 1
            if _gc_holders[0] == 0:
                gc.unfreeze()


async def prefetched(pages, depth: int = 1):
    """Iterate `pages` with the next page already being fetched while the caller processes this one (TWS renders
    the next page while we compare this one). At most `depth` pages wait in memory."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        try:
            async for page in pages:
                await queue.put(page)
            await queue.put(_END)
        except Exception as exc:  # handed to the consumer, which raises it
            await queue.put(exc)

    task = asyncio.create_task(produce())
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _begin(instance: str, incarnation: str | None = None) -> tuple[int, bool, bool, str]:
    """(this poll's sequence number, is it the baseline, is the engine info wanted, its incarnation). A snapshot of
    another incarnation is dropped first: the first poll after a create, a re-create or a new base_url is a
    baseline."""
    with session_scope() as db:
        incarnation = poll_commit.resolve(db, instance, incarnation)
        summary = _summary(db, instance)
        summary.incarnation = incarnation
        return (summary.poll_seq + 1, summary.baseline_at is None,
                summary.baseline_at is None or summary.stale_since is not None or summary.engine_info in ("", "{}"),
                incarnation)


def _store_failure(instance: str, now: datetime, kind: str, message: str, started: float, leader: str,
                   incarnation: str = "") -> PollResult:
    duration_ms = (time.perf_counter() - started) * 1000
    with session_scope() as db:
        summary = _summary(db, instance)
        first = summary.stale_since is None
        if first:
            summary.stale_since = now
        summary.consecutive_failures += 1
        summary.last_error, summary.last_error_at = f"{kind}: {message}"[:500], now
        summary.last_poll_at, summary.last_poll_ms = now, duration_ms
        summary.polls_total += 1
        summary.poll_errors_total += 1
        summary.poll_seq += 1
        if leader:
            summary.leader = leader
        summary.updated_at = now
        seq = summary.poll_seq
        plain = operator_view.plain_state(kind)  # the event is an operator read: the detail stays in last_error
        notices = _insert_events(db, [detect.unreachable_event(instance, summary.stale_since, plain)], now,
                                 instance, incarnation) if first else []
        notices = poll_commit.seal(db, instance, incarnation, notices, now)
        db.add(summary)
        db.add(TwsPollLog(instance=instance, at=now, ok=False, duration_ms=duration_ms, error_kind=kind[:40]))
    _publish(instance, seq, notices, ok=False, duration_ms=duration_ms)
    logger.warning("poll of %s failed (%s): %s", instance, kind, message)
    return PollResult(instance=instance, ok=False, duration_ms=duration_ms, events=notices, error=message,
                      error_kind=kind, poll_seq=seq)


def _store_success(instance: str, c: _Collector, workstations, engine: dict | None, now: datetime, th: Thresholds,
                   at_risk: int, started: float, leader: str, incarnation: str = "") -> PollResult:
    counts = c.status_counts
    running = sum(counts[s] for s in RUNNING_STATUSES)
    completed = sum(counts[s] for s in SUCCESS_STATUSES)
    failed = sum(counts[s] for s in FAILED_STATUSES)
    pending = sum(counts[s] for s in WAITING_STATUSES)
    total = sum(counts.values())
    vanished = [job_id for job_id in c.memory.jobs if job_id not in c.seen]
    ws_linked = sum(1 for ws in workstations if ws.linked and not ws.offline)
    ws_down = len(workstations) - ws_linked
    rate = detect.failure_rate(failed, completed)
    high_risk = sum(1 for view, *_ in c.critical
                    if c.seen[view.id].risk == detect.RISK_HIGH
                    and detect.counts_as_at_risk(view, detect.RISK_HIGH, now))
    health = detect.health_of(rate=rate, th=th, ws_total=len(workstations), ws_down=ws_down, stuck=c.stuck,
                              high_risk=high_risk)
    candidates = list(c.events)
    rows = c.rows
    if c.baseline and len(rows) > _BASELINE_CHUNK:
        # A baseline notifies nothing, so its rows may commit in several short transactions: on SQLite other
        # writers (the ledger, a configuration save) never wait for a whole 50 000-job insert.
        for start in range(0, len(rows) - _BASELINE_CHUNK, _BASELINE_CHUNK):
            with session_scope() as db:
                _upsert_jobs(db, rows[start:start + _BASELINE_CHUNK])
        rows = rows[start + _BASELINE_CHUNK:]
    with session_scope() as db:
        summary = _summary(db, instance)
        # workstations: transitions → events (a workstation's counter makes each transition's key unique)
        stored_ws = {row.name: row for row in db.execute(
            select(TwsWorkstation).where(TwsWorkstation.instance == instance)).scalars()}
        seen_ws = set()
        for ws in workstations:
            if not ws.name or ws.name in seen_ws:
                continue
            seen_ws.add(ws.name)
            row = stored_ws.get(ws.name)
            linked = ws.linked
            if row is None:
                db.add(TwsWorkstation(instance=instance, name=ws.name[:200], ws_id=ws.id[:200], type=ws.type[:40],
                                      link_status=ws.link_status[:40], linked=linked, running=ws.running,
                                      offline=ws.offline, change_seq=0, updated_at=now))
                continue
            if (row.linked, row.offline, row.running, row.link_status, row.type) == (
                    linked, ws.offline, ws.running, ws.link_status, ws.type):
                continue
            transition = (row.linked, row.offline) != (linked, ws.offline)
            if transition:
                row.change_seq += 1
                if not c.baseline:
                    candidates.extend(detect.workstation_events(
                        instance, ws.name, was_linked=row.linked, was_offline=row.offline, linked=linked,
                        offline=ws.offline, seq=row.change_seq))
            row.linked, row.offline, row.running = linked, ws.offline, ws.running
            row.link_status, row.type, row.ws_id, row.updated_at = ws.link_status[:40], ws.type[:40], ws.id[:200], now
            db.add(row)
        gone_ws = [name for name in stored_ws if name not in seen_ws]
        if gone_ws:
            db.execute(delete(TwsWorkstation).where(TwsWorkstation.instance == instance,
                                                    TwsWorkstation.name.in_(gone_ws)))
        # the instance: health, failure rate, reachability
        reasons = _health_reason(rate, th, ws_down, len(workstations), c.stuck, high_risk)
        if not c.baseline and summary.health != health:
            event = detect.health_event(instance, summary.health, health, summary.health_seq + 1, reasons)
            if event is not None:
                candidates.append(event)
        if summary.health != health:
            summary.health_seq += 1
        high = rate > th.failure_rate
        if high and not summary.failure_high:
            summary.failure_episode += 1
            if not c.baseline:
                finished = failed + completed
                candidates.append(detect.failure_rate_event(instance, rate, th, summary.failure_episode, failed,
                                                            finished))
        if summary.stale_since is not None:
            candidates.append(detect.reachable_event(instance, summary.stale_since, now))
        # the plan: changed rows, vanished jobs, finished runs
        _upsert_jobs(db, rows)
        prediction_live.write(db, instance, c.prediction)
        for start in range(0, len(vanished), 500):
            db.execute(delete(TwsPlanJob).where(TwsPlanJob.instance == instance,
                                                TwsPlanJob.job_id.in_(vanished[start:start + 500])))
        if c.runs:
            stmt = _dialect_insert(TwsJobRun.__table__).on_conflict_do_nothing(
                index_elements=["instance", "job_id", "run_number"])
            for start in range(0, len(c.runs), _CHUNK):
                db.execute(stmt, c.runs[start:start + _CHUNK])
        notices = _insert_events(db, candidates, now, instance, incarnation)
        notices = poll_commit.seal(db, instance, incarnation, notices, now)
        duration_ms = (time.perf_counter() - started) * 1000
        values = dict(
            as_of=now, stale_since=None, health=health, running=running, completed=completed, failed=failed,
            pending=pending, late=c.late, stuck=c.stuck, total=total, at_risk=at_risk,
            status_counts=json.dumps(dict(sorted(counts.items()))), failure_rate=round(rate, 4), failure_high=high,
            ws_linked=ws_linked, ws_unlinked=ws_down, ws_total=len(workstations), last_poll_at=now,
            last_poll_ms=duration_ms, consecutive_failures=0, polls_total=summary.polls_total + 1,
            poll_seq=c.seq, incarnation=incarnation, updated_at=now)
        if c.baseline:
            values["baseline_at"] = now
        if engine is not None:
            values["engine_info"] = json.dumps(engine, default=str)[:4000]
        if leader:
            values["leader"] = leader
        for key, value in values.items():
            setattr(summary, key, value)
        db.add(summary)
        db.add(TwsPollLog(instance=instance, at=now, ok=True, duration_ms=duration_ms, jobs_changed=len(c.rows),
                          events=len(notices), running=running, completed=completed, failed=failed, pending=pending,
                          late=c.late, stuck=c.stuck, total=total))
    _publish(instance, c.seq, notices, ok=True, duration_ms=duration_ms)
    return PollResult(instance=instance, ok=True, baseline=c.baseline, duration_ms=duration_ms, jobs=total,
                      jobs_changed=len(c.rows), jobs_removed=len(vanished), events=notices,
                      counts=dict(counts), running=running, pending=pending, failed_new=c.failed_new,
                      poll_seq=c.seq)


def _health_reason(rate: float, th: Thresholds, ws_down: int, ws_total: int, stuck: int, high_risk: int) -> str:
    parts = []
    if rate > th.failure_rate / 2:
        parts.append(f"failure rate {rate * 100:.1f}%")
    if ws_down:
        parts.append(f"{ws_down} of {ws_total} workstations unlinked or offline")
    if stuck:
        parts.append(f"{stuck} stuck job(s)")
    if high_risk:
        parts.append(f"{high_risk} critical job(s) at high risk")
    return ", ".join(parts) or "no failures, stuck jobs or unlinked workstations"


def record_poller_state(instance: str, **values: Any) -> None:
    """The poller loop's own fields of the summary row (state, leader, interval, mode, next poll)."""
    values["updated_at"] = utcnow()
    with session_scope() as db:
        _summary(db, instance)
        db.execute(update(TwsSummary).where(TwsSummary.instance == instance).values(**values))
