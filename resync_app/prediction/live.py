"""Deadline prediction inside the poll (issue 17, CONTRACT §13): the glue between the snapshot and the engine.

After each poll has read the plan, `estimate_poll` rebuilds the networks of the critical jobs only — each critical
job and its predecessors, transitively, as the dependency crawl has stored them in `tws_plan_jobs` (a job-stream
predecessor stands for its jobs), overlaid with what this poll just read — reads their run history (the last
`HISTORY_RUNS` runs per job key, kept in a per-process cache that only fetches runs newer than the last it saw) and
runs `prediction.predict` once. Bounded: at most `MAX_NETWORK` jobs, whatever the plan's size, and once per poll,
not per browser.

`risk_of` turns a critical job's estimate into its `risk`/`confidence` (the HWA baseline, `detect.deadline_risk`,
stays for finished jobs and when there is no estimate); `write` stores each network job's estimated end, 80 %
interval and why in the poll's own transaction, only where they changed.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import bindparam, func, select, update

from resync_app.db import get_engine
from resync_app.prediction.types import PastRun, risk_of as risk_of_confidence
from resync_app.tws import detect
from resync_app.tws.detect import DurationStats
from resync_app.tws.models import TwsJobRun, TwsPlanJob
from resync_app.tws.node_refs import is_stream, stream_id
from resync_app.tws.plan_fields import FINAL_STATUSES, JobView

logger = logging.getLogger("resync.prediction.live")

MAX_NETWORK = 20_000  # jobs examined per poll at most (critical jobs first, then their predecessors, by level)
HISTORY_RUNS = 60  # past runs per job key the estimator reads
SAMPLES = 500
_IN_CHUNK = 500
_FIELDS = ("job_id", "name", "job_stream", "job_stream_id", "workstation", "status", "start", "end",
           "scheduled_start", "deadline", "estimated_duration_s", "critical", "predecessors")
_STORED = ("estimated_end", "estimated_end_low", "estimated_end_high", "why")


@dataclass
class Prediction:
    """One poll's estimates (by job id) and what the snapshot held for those jobs before (to write only changes)."""

    estimates: dict[str, Any] = field(default_factory=dict)
    stored: dict[str, tuple] = field(default_factory=dict)


def key_of(workstation: str, job_stream: str, name: str) -> str:
    """The job's identity across plans (`tws_job_runs.job_key`)."""
    return f"{workstation}#{job_stream}.{name}"[:400]


# ---- the network ----------------------------------------------------------------------------------------------


def _refs(text: str | None) -> list[str]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [item for item in items if isinstance(item, str) and item]


class _ChangedRows:
    """This poll's changed snapshot rows by job id, each turned into a dict of `_FIELDS` only when asked for (a
    baseline changes every row of a 50 000-job plan; the networks need a few)."""

    def __init__(self, rows: Sequence[tuple], columns: Sequence[str]) -> None:
        index = {name: i for i, name in enumerate(columns)}
        self._picks = [(name, index[name]) for name in _FIELDS if name in index]
        at = index["job_id"]
        self._rows = {row[at]: row for row in rows}

    def get(self, job_id: str) -> dict[str, Any] | None:
        row = self._rows.get(job_id)
        return None if row is None else {name: row[i] for name, i in self._picks}


def _load_network(instance: str, roots: Sequence[JobView], changed: _ChangedRows
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, tuple]]:
    """The critical jobs and their transitive predecessors: {job id: fields} (this poll's values over the stored
    ones, `preds` resolved to job ids) and the stored estimate columns of each."""
    jobs: dict[str, dict[str, Any]] = {}
    stored: dict[str, tuple] = {}
    views = {view.id: view for view in roots}
    wanted = list(views)
    columns = [getattr(TwsPlanJob, name) for name in _FIELDS + _STORED]
    with get_engine().connect() as conn:
        while wanted and len(jobs) < MAX_NETWORK:
            wanted = wanted[:MAX_NETWORK - len(jobs)]
            found: dict[str, dict[str, Any]] = {}
            for start in range(0, len(wanted), _IN_CHUNK):
                for row in conn.execute(select(*columns).where(
                        TwsPlanJob.instance == instance, TwsPlanJob.job_id.in_(wanted[start:start + _IN_CHUNK]))):
                    found[row[0]] = dict(zip(_FIELDS, row[:len(_FIELDS)]))
                    stored[row[0]] = tuple(row[len(_FIELDS):])
            streams: set[str] = set()
            for job_id in wanted:
                data = _merge(found.get(job_id), changed.get(job_id), views.get(job_id))
                if data is None:
                    continue  # a predecessor outside the current plan
                refs = data["refs"]
                streams.update(stream_id(r) for r in refs if is_stream(r))
                jobs[job_id] = data
            members = _stream_members(conn, instance, sorted(streams))
            nxt: set[str] = set()
            for job_id in wanted:
                data = jobs.get(job_id)
                if data is None:
                    continue
                preds: list[str] = []
                for ref in data.pop("refs"):
                    preds.extend(members.get(stream_id(ref), []) if is_stream(ref) else [ref])
                data["preds"] = [p for p in dict.fromkeys(preds) if p != job_id]
                nxt.update(p for p in data["preds"] if p not in jobs)
            wanted = sorted(nxt)
    for data in jobs.values():
        data["preds"] = [p for p in data["preds"] if p in jobs]
    return jobs, stored


def _merge(row: dict[str, Any] | None, changed: dict[str, Any] | None, view: JobView | None
           ) -> dict[str, Any] | None:
    """A job's fields: the stored row, overwritten by this poll's changed row, then by its parsed view (critical
    jobs). An empty predecessor list from TWS keeps the crawled one (query results carry none)."""
    if row is None and changed is None and view is None:
        return None
    data: dict[str, Any] = dict(row or {})
    for source in (changed, None if view is None else {name: getattr(view, name if name != "job_id" else "id")
                                                        for name in _FIELDS if name != "predecessors"}):
        if source:
            data.update({k: v for k, v in source.items() if k in _FIELDS and k != "predecessors"})
    refs = _refs(data.get("predecessors"))
    fresh = list(view.predecessors) if view is not None else _refs((changed or {}).get("predecessors"))
    data["refs"] = fresh or refs
    return data


def _stream_members(conn, instance: str, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        for job_id, sid in conn.execute(select(TwsPlanJob.job_id, TwsPlanJob.job_stream_id).where(
                TwsPlanJob.instance == instance, TwsPlanJob.job_stream_id.in_(ids[start:start + _IN_CHUNK]))):
            out.setdefault(sid, []).append(job_id)
    return out


# ---- history --------------------------------------------------------------------------------------------------


class HistoryCache:
    """The last `HISTORY_RUNS` runs per job key of each instance, kept between polls: a poll fetches the keys it
    has not seen yet in full and, for the others, only the runs recorded since (by row id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, tuple[int, dict[str, list]]] = {}

    def forget(self, instance: str | None = None) -> None:
        with self._lock:
            if instance is None:
                self._data.clear()
            else:
                self._data.pop(instance, None)

    def runs(self, instance: str, keys: Iterable[str]) -> dict[str, list]:
        keys = sorted(set(keys))
        with self._lock:
            last_id, known = self._data.get(instance, (0, {}))
        with get_engine().connect() as conn:
            newest = conn.execute(select(TwsJobRun.id).where(TwsJobRun.instance == instance)
                                  .order_by(TwsJobRun.id.desc()).limit(1)).scalar() or 0
            if newest < last_id:  # runs were deleted and the ids went back: start again
                last_id, known = 0, {}
            missing = [k for k in keys if k not in known]
            if last_id and newest > last_id:
                for key, start, end, status in conn.execute(
                        select(TwsJobRun.job_key, TwsJobRun.start, TwsJobRun.end, TwsJobRun.status)
                        .where(TwsJobRun.instance == instance, TwsJobRun.id > last_id,
                               TwsJobRun.start.is_not(None), TwsJobRun.end.is_not(None))
                        .order_by(TwsJobRun.end)):
                    if key in known:
                        known[key] = (known[key] + [PastRun(start=start, end=end, status=status)])[-HISTORY_RUNS:]
            for start_at in range(0, len(missing), _IN_CHUNK):
                chunk = missing[start_at:start_at + _IN_CHUNK]
                for key in chunk:
                    known[key] = []
                recent = select(TwsJobRun.job_key, TwsJobRun.start, TwsJobRun.end, TwsJobRun.status,
                                _row_number().label("rn")).where(
                    TwsJobRun.instance == instance, TwsJobRun.job_key.in_(chunk), TwsJobRun.start.is_not(None),
                    TwsJobRun.end.is_not(None), TwsJobRun.id <= newest).subquery()
                for key, start, end, status in conn.execute(
                        select(recent.c.job_key, recent.c.start, recent.c.end, recent.c.status)
                        .where(recent.c.rn <= HISTORY_RUNS).order_by(recent.c.job_key, recent.c.end)):
                    known[key].append(PastRun(start=_aware(start), end=_aware(end), status=status))
        known = {k: known.get(k, []) for k in keys}  # the keys of this poll's networks only: the cache stays bounded
        with self._lock:
            self._data[instance] = (newest, known)
        return known


def _row_number():
    """The rank of a run among its job's runs, newest first."""
    return func.row_number().over(partition_by=TwsJobRun.job_key, order_by=TwsJobRun.end.desc())


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import timezone

    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)  # a raw SQLite read of a UTCDateTime column


history_cache = HistoryCache()


# ---- the poll's hook --------------------------------------------------------------------------------------------


def estimate_poll(instance: str, roots: Sequence[JobView], changed_rows: Sequence[tuple], columns: Sequence[str],
                  now: datetime) -> Prediction:
    """Estimates for the critical jobs `roots` and their networks (`changed_rows`: this poll's changed snapshot
    rows, as tuples of `columns`). Never raises: a failure is logged and the poll keeps the HWA baseline."""
    if not roots:
        return Prediction()
    try:
        return _estimate(instance, roots, changed_rows, columns, now)
    except Exception:  # the prediction must never cost a poll
        logger.exception("deadline prediction for %s failed; the baseline risk is used", instance)
        return Prediction()


def _estimate(instance: str, roots: Sequence[JobView], changed_rows: Sequence[tuple], columns: Sequence[str],
              now: datetime) -> Prediction:
    from resync_app.prediction import predict
    from resync_app.prediction.types import PlanNode

    jobs, stored = _load_network(instance, roots, _ChangedRows(changed_rows, columns))
    nodes = [PlanNode(key=job_id, name=d.get("name") or "", job_stream=d.get("job_stream") or "",
                      workstation=d.get("workstation") or "", critical=bool(d.get("critical")),
                      deadline=_aware(d.get("deadline")), scheduled_start=_aware(d.get("scheduled_start")),
                      predecessors=d["preds"], status=d.get("status") or "", start=_aware(d.get("start")),
                      end=_aware(d.get("end")), estimated_duration_s=d.get("estimated_duration_s"))
             for job_id, d in jobs.items()]
    history = history_cache.runs(instance, (key_of(n.workstation, n.job_stream, n.name) for n in nodes))
    estimates = predict(nodes, history, now, samples=SAMPLES, seed=0)
    return Prediction(estimates=dict(estimates), stored=stored)


def risk_of(view: JobView, now: datetime, stats: DurationStats | None, estimate: Any | None
            ) -> tuple[str, float | None]:
    """(risk, confidence) of a critical job: from its estimate (P(end ≤ deadline) over its network) while it can
    still run; the baseline (`detect.deadline_risk`) once it has finished, failed or been cancelled, and when there
    is no estimate."""
    if estimate is None or view.status in FINAL_STATUSES or estimate.confidence is None:
        return detect.deadline_risk(view, now, stats)
    confidence = round(min(1.0, max(0.0, float(estimate.confidence))), 3)
    risk = estimate.risk if estimate.risk in detect.RISK_LEVELS else risk_of_confidence(confidence)
    return risk, confidence


# ---- storing ------------------------------------------------------------------------------------------------------


def why_json(estimate: Any) -> str:
    return json.dumps([{"cause": w.cause, "job": w.job, "minutes": round(float(w.minutes), 1)}
                       for w in (estimate.why or [])])


def _second(moment: datetime | None) -> datetime | None:
    return moment.replace(microsecond=0) if moment is not None else None


def _values(estimate: Any) -> tuple:
    return (_second(estimate.estimated_end), _second(estimate.low), _second(estimate.high), why_json(estimate))


def write(db, instance: str, prediction: Prediction) -> int:
    """Store the estimates that changed (in the caller's transaction, after the poll's rows); how many rows."""
    params = []
    for job_id, estimate in prediction.estimates.items():
        values = _values(estimate)
        before = prediction.stored.get(job_id)
        if before is not None and tuple(_aware(v) if isinstance(v, datetime) else v for v in before) == values:
            continue
        params.append({"i": instance, "j": job_id, "ee": values[0], "lo": values[1], "hi": values[2],
                       "why": values[3]})
    if not params:
        return 0
    table = TwsPlanJob.__table__
    stmt = update(table).where(table.c.instance == bindparam("i"), table.c.job_id == bindparam("j")).values(
        estimated_end=bindparam("ee"), estimated_end_low=bindparam("lo"), estimated_end_high=bindparam("hi"),
        why=bindparam("why"))
    for start in range(0, len(params), 2000):
        db.execute(stmt, params[start:start + 2000])
    return len(params)


# ---- reading ------------------------------------------------------------------------------------------------------


def row_fields(row: Any) -> dict[str, Any]:
    """The §13 fields of a snapshot row (`queries._job_dict`): estimate, interval and why (risk and confidence are
    already there)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    try:
        why = json.loads(getattr(row, "why", None) or "[]")
    except ValueError:
        why = []
    return {"estimated_end": iso(getattr(row, "estimated_end", None)),
            "estimated_end_low": iso(getattr(row, "estimated_end_low", None)),
            "estimated_end_high": iso(getattr(row, "estimated_end_high", None)),
            "why": why if isinstance(why, list) else []}
