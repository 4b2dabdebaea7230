"""Storing one poll's outcome in one transaction: the changed plan rows, vanished jobs, finished runs, the
workstations' transitions, the instance's health and failure rate, the new events (ON CONFLICT DO NOTHING on
their dedupe key; their incidents and Teams cards sealed in the same transaction, `poll_commit.seal`), the
summary and a poll-log row; then the announcement (metrics, `notify.emit_tws_events`, the feed topics
`tws.snapshot` / `tws.events`). A failed poll stores the stale state and one event."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from resync_app import metrics, notify
from resync_app.db import get_engine, session_scope, utcnow
from resync_app.events import feed
from resync_app.prediction import live as prediction_live
from resync_app.tws import detect, operator_view, poll_commit
from resync_app.tws.dependency_crawl import DEPS_KNOWN, DEPS_UNKNOWN
from resync_app.tws.detect import Candidate, Thresholds
from resync_app.tws.incarnation import event_key
from resync_app.tws.models import TwsEvent, TwsJobRun, TwsPlanJob, TwsPollLog, TwsSummary, TwsWorkstation
from resync_app.tws.plan_fields import FAILED_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES, WAITING_STATUSES
from resync_app.tws.poll_collect import JOB_COLUMNS, PageCollector

logger = logging.getLogger("resync.tws.snapshot")

SNAPSHOT_TOPIC = "tws.snapshot"
EVENTS_TOPIC = "tws.events"
_CHUNK = 2000
_BASELINE_CHUNK = 5000


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


def summary_row(db, instance: str) -> TwsSummary:
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
    values = {name: base.excluded[name] for name in JOB_COLUMNS if name not in ("instance", "job_id")}
    # Query results carry no dependencies: keep the predecessors the crawl found unless TWS sent some.
    values["predecessors"] = case((base.excluded.predecessors == "[]", table.c.predecessors),
                                  else_=base.excluded.predecessors)
    values["deps_state"] = case((base.excluded.deps_state == DEPS_KNOWN, DEPS_KNOWN),
                                (table.c.deps_state == DEPS_UNKNOWN, base.excluded.deps_state),
                                else_=table.c.deps_state)
    stmt = base.on_conflict_do_update(index_elements=["instance", "job_id"], set_=values)
    for start in range(0, len(rows), _CHUNK):
        db.execute(stmt, [dict(zip(JOB_COLUMNS, row)) for row in rows[start:start + _CHUNK]])


def _publish(instance: str, seq: int, notices: list[notify.TwsEventNotice], *, ok: bool, duration_ms: float) -> None:
    """Announce a finished poll: Prometheus figures, the new events to the notifiers, the feed topics."""
    metrics.observe_tws_poll(instance, duration_ms / 1000, ok)
    for notice in notices:
        metrics.count_event(notice.severity)
    if notices:
        notify.emit_tws_events(notices)
        feed.publish(EVENTS_TOPIC, {"instance": instance, "count": len(notices), "last_id": notices[-1].id})
    feed.publish(SNAPSHOT_TOPIC, {"instance": instance, "seq": seq})


def begin_poll(instance: str, incarnation: str | None = None) -> tuple[int, bool, bool, str]:
    """(this poll's sequence number, is it the baseline, is the engine info wanted, its incarnation). A snapshot of
    another incarnation is dropped first: the first poll after a create, a re-create or a new base_url is a
    baseline."""
    with session_scope() as db:
        incarnation = poll_commit.resolve(db, instance, incarnation)
        summary = summary_row(db, instance)
        summary.incarnation = incarnation
        return (summary.poll_seq + 1, summary.baseline_at is None,
                summary.baseline_at is None or summary.stale_since is not None or summary.engine_info in ("", "{}"),
                incarnation)


def store_failure(instance: str, now: datetime, kind: str, message: str, started: float, leader: str,
                  incarnation: str = "") -> PollResult:
    duration_ms = (time.perf_counter() - started) * 1000
    with session_scope() as db:
        summary = summary_row(db, instance)
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


def store_success(instance: str, c: PageCollector, workstations, engine: dict | None, now: datetime,
                  th: Thresholds, at_risk: int, started: float, leader: str, incarnation: str = "") -> PollResult:
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
        summary = summary_row(db, instance)
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
        summary_row(db, instance)
        db.execute(update(TwsSummary).where(TwsSummary.instance == instance).values(**values))
