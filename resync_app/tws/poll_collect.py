"""Taking in one poll's pages: what the poller remembers of an instance between polls (`InstanceMemory`), the
next page fetched while this one is compared (`prefetched`) with the cyclic collector held off the old heap
(`gc_frozen`), and `PageCollector`, which compares each job with the memory and gathers the changed rows, the
finished runs and the events. The critical jobs' deadline risk needs their run history (`duration_stats`)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select

from resync_app.db import get_engine
from resync_app.prediction import live as prediction_live
from resync_app.tws import detect
from resync_app.tws.dependency_crawl import DEPS_KNOWN, DEPS_UNKNOWN, DEPS_WANTED
from resync_app.tws.detect import Candidate, DurationStats, Known, Thresholds
from resync_app.tws.models import TwsJobRun, TwsPlanJob
from resync_app.tws.plan_fields import FINAL_STATUSES, SUCCESS_STATUSES, JobView, job_view

JOB_COLUMNS = ("instance", "job_id", "name", "job_stream", "job_stream_id", "workstation", "status",
               "external_status", "start", "end", "duration_s", "scheduled_start", "deadline",
               "estimated_duration_s", "critical", "return_code", "run_number", "priority", "predecessors",
               "deps_state", "late", "stuck", "risk", "confidence", "fingerprint", "changed_seq", "updated_at",
               "run_seq")


@dataclass
class InstanceMemory:
    """The previous poll's view of an instance, valid while `poll_seq` matches the summary row."""

    poll_seq: int = -1
    jobs: dict[str, Known] = field(default_factory=dict)
    incarnation: str = ""
    th: Thresholds | None = None  # the thresholds the flags were computed with


def load_memory(instance: str, poll_seq: int) -> InstanceMemory:
    """An instance's memory as its stored plan rows give it (after a restart or a leader change)."""
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


class PageCollector:
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
        self.rows.append(job_row(self.instance, view, late, stuck, risk, confidence, fp, self.seq, self.now))
        finished_now = view.status in FINAL_STATUSES and (
            prev is None or prev.status not in FINAL_STATUSES or prev.run_seq != view.run_seq)
        if finished_now and view.start is not None and view.end is not None:
            self.runs.append(run_row(self.instance, view, self.now))
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


def job_row(instance: str, view: JobView, late: bool, stuck: bool, risk: str, confidence: float | None,
            fp: int, seq: int, now: datetime) -> tuple:
    """A plan-job row in `JOB_COLUMNS` order."""
    duration = (view.end - view.start).total_seconds() if view.start and view.end else None
    return (instance, view.id, view.name[:200], view.job_stream[:200], view.job_stream_id[:200],
            view.workstation[:200], view.status[:24], view.common_status[:32], view.start, view.end, duration,
            view.scheduled_start, view.deadline, view.estimated_duration_s, view.critical, view.return_code,
            view.run_number, view.priority, json.dumps(view.predecessors),
            DEPS_KNOWN if view.predecessors
            else DEPS_WANTED if view.critical and view.status not in SUCCESS_STATUSES else DEPS_UNKNOWN,
            late, stuck, risk, confidence, fp, seq, now, view.run_seq)


def run_row(instance: str, view: JobView, now: datetime) -> dict[str, Any]:
    """A run-history row of a run that ended."""
    duration = (view.end - view.start).total_seconds() if view.start and view.end else None
    return {"instance": instance, "job_key": view.key[:400], "job_id": view.id,
            "run_number": view.run_number or view.run_seq,  # a run that ended unnumbered: Resync's count
            "status": view.status[:24], "start": view.start, "end": view.end, "duration_s": duration,
            "return_code": view.return_code, "recorded_at": now}


def duration_stats(instance: str, keys: list[str]) -> dict[str, DurationStats]:
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
