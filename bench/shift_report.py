"""The shift report on a 50 000-job plan: an 8-hour window, goal ≤ 2 s (issue 18 §3, CONTRACT §15).

The database holds what a busy instance leaves after three days: the 50 000-job plan snapshot
(`tests/support/plan_seed.py`), ≈ 320 000 TWS events (each job started and ended once a day, 4 % abends, late,
stuck and at-risk flags) and ≈ 30 000 audit entries (sign-ins, configuration, 900 job actions), plus a second
instance's events. Timed, median of BENCH_SHIFT_CALLS (10) after warm-up:
- `reports.shift.build` for the 8-hour window ending at the seeded "now" (the JSON), and with its Markdown and CSV;
- `GET /api/v1/reports/shift` in each format through the real ASGI app;
- the same build without migration 0012's indexes (dropped for the measurement, then put back);
- informational: the longest window (7 days).
On SQLite (the default) and, when the server at RESYNC_TEST_PG_URL answers, on a throw-away PostgreSQL database.
The SQLite query plans of the counting queries are kept in the results (`query_plans`: every one on an index).

`python -m bench.shift_report` → bench/results-shift-report.json (exit 1 if the goal is missed).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results-shift-report.json"
GOAL_MS = 2000.0
CALLS = max(3, int(os.environ.get("BENCH_SHIFT_CALLS", "10")))
WARMUP = 2
JOBS = 50_000
DAYS = 3
NOW = datetime(2030, 6, 15, 16, 0, tzinfo=timezone.utc)
INSTANCE = "large"
CHUNK = 5000


def _environment() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="resync-bench-shift-"))
    os.environ.setdefault("RESYNC_DATA_DIR", str(tmp))
    os.environ["RESYNC_TWS_SIMULATOR"] = "0"
    os.environ.setdefault("RATE_LIMIT_PUBLIC_PER_MINUTE", "10000")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return tmp


def _use(url: str) -> None:
    from resync_app import db, settings
    from resync_app.cli import migrate

    os.environ["RESYNC_DATABASE_URL"] = url
    settings.reload_settings()
    db.reset_engine()
    migrate()


def _events(rng: random.Random) -> list[dict]:
    """Three days of a 50 000-job plan's events, oldest first, plus another instance's."""
    rows: list[dict] = []

    def add(at: datetime, kind: str, job: int, run: int, instance: str = INSTANCE, rc: int | None = None) -> None:
        rows.append({"at": at, "instance": instance, "type": kind, "job_id": f"{instance.upper()}{job:06d}",
                     "job": f"JOB_{job:05d}", "job_stream": f"STREAM_{job // 20:04d}",
                     "workstation": f"CPU_{job % 25:02d}", "severity": "critical" if kind == "job_abended" else "info",
                     "status": "ABEND" if kind == "job_abended" else None, "return_code": rc, "message": kind,
                     "dedupe_key": f"{instance}:{kind}:{job}:{run}:{len(rows)}"})

    first_day = (NOW - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(DAYS):
        base = first_day + timedelta(days=day)
        for job in range(JOBS):
            start = base + timedelta(seconds=rng.randrange(86_400))
            if start >= NOW:
                continue
            add(start, "job_started", job, day + 1)
            end = start + timedelta(seconds=rng.uniform(5, 3600))
            if end < NOW:
                abend = rng.random() < 0.04
                add(end, "job_abended" if abend else "job_completed", job, day + 1, rc=12 if abend else 0)
            if rng.random() < 0.02:
                add(start - timedelta(minutes=20), "job_late", job, day + 1)
            if rng.random() < 0.004:
                add(start + timedelta(hours=1), "job_stuck", job, day + 1)
            if job % 97 == 0 and rng.random() < 0.3:
                add(start, "deadline_at_risk", job, day + 1)
    for n in range(2000):
        add(NOW - timedelta(seconds=rng.randrange(86_400)), "job_abended", n, 1, instance="other")
    return [r for r in rows if r["at"] < NOW]


def _audit(rng: random.Random) -> list[dict]:
    rows = []
    for n in range(30_000):
        at = NOW - timedelta(seconds=rng.randrange(DAYS * 86_400))
        if n % 33 == 0:  # ≈ 900 job actions
            job = rng.randrange(JOBS)
            action = ("rerun", "hold", "release", "cancel")[n % 4]
            kind = "tws.job.action" if n % 10 else "tws.job.action.failed"
            target = f"{INSTANCE}/CPU_{job % 25:02d}#STREAM_{job // 20:04d}.JOB_{job:05d}"
            detail = {"job_id": f"LARGE{job:06d}", "job": target.split("/", 1)[1], "action": action}
            if kind.endswith("failed"):
                detail["error"] = "refused"
            rows.append({"timestamp": at, "actor": f"operator{n % 7}", "action": kind, "target": target,
                         "detail": json.dumps(detail, sort_keys=True), "client": "10.0.0.1"})
        else:
            rows.append({"timestamp": at, "actor": f"user{n % 50}", "action": ("auth.login", "config.update")[n % 2],
                         "target": "x", "detail": "{}", "client": "10.0.0.1"})
    return rows


def _seed() -> dict:
    from sqlalchemy import insert

    from resync_app.audit.models import AuditEntry
    from resync_app.db import get_engine
    from resync_app.tws.models import TwsEvent
    from tests.support.plan_seed import seed_plan

    started = time.perf_counter()
    seed_plan(INSTANCE, JOBS, seed=3, now=NOW)
    rng = random.Random(5)
    events, audit = _events(rng), _audit(rng)
    with get_engine().begin() as conn:
        for first in range(0, len(events), CHUNK):
            conn.execute(insert(TwsEvent), events[first:first + CHUNK])
        for first in range(0, len(audit), CHUNK):
            conn.execute(insert(AuditEntry), audit[first:first + CHUNK])
    if get_engine().dialect.name == "postgresql":
        with get_engine().connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("ANALYZE")
    return {"plan_jobs": JOBS, "events": len(events), "audit_entries": len(audit),
            "seed_s": round(time.perf_counter() - started, 1)}


def _median_ms(fn, calls: int = CALLS) -> float:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 1)


def _window(hours: int):
    from resync_app.reports import shift

    return shift.Window(NOW - timedelta(hours=hours), NOW, timezone.utc)


def _timings() -> dict:
    from fastapi.testclient import TestClient

    from resync_app.api.app import create_api
    from resync_app.reports import shift

    window = _window(8)
    report = shift.build(INSTANCE, window, now=NOW)
    out = {"totals_8h": report["totals"], "listed_8h": {k: len(report[k]) for k in
                                                          ("abended", "actions", "late", "missed", "open")},
           "build_ms": _median_ms(lambda: shift.build(INSTANCE, window, now=NOW)),
           "build_md_ms": _median_ms(lambda: shift.markdown(shift.build(INSTANCE, window, now=NOW))),
           "build_csv_ms": _median_ms(lambda: shift.csv_text(shift.build(INSTANCE, window, now=NOW)))}
    params = {"instance": INSTANCE, "from": window.start.isoformat(), "to": window.end.isoformat()}
    with TestClient(create_api(standalone=True)) as client:
        for fmt in shift.FORMATS:
            answer = client.get("/api/v1/reports/shift", params={**params, "format": fmt})
            assert answer.status_code == 200, answer.text
            out[f"api_{fmt}_ms"] = _median_ms(lambda fmt=fmt: client.get("/api/v1/reports/shift",
                                                                          params={**params, "format": fmt}))
    week = _window(shift.MAX_HOURS)
    out["build_7_days_ms (informational)"] = _median_ms(lambda: shift.build(INSTANCE, week, now=NOW), 3)
    return out


INDEXES = {"ix_tws_events_instance_type_at": ("tws_events", ["instance", "type", "at"]),
           "ix_audit_log_action_timestamp": ("audit_log", ["action", "timestamp"])}


def _without_0012_indexes() -> float:
    """The 8-hour build with migration 0012's indexes dropped (they are put back afterwards)."""
    from sqlalchemy import text

    from resync_app.db import get_engine
    from resync_app.reports import shift

    engine = get_engine()
    with engine.begin() as conn:
        for name in INDEXES:
            conn.execute(text(f"DROP INDEX {name}"))
    try:
        window = _window(8)
        return _median_ms(lambda: shift.build(INSTANCE, window, now=NOW), 3)
    finally:
        with engine.begin() as conn:
            for name, (table, columns) in INDEXES.items():
                conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))


def _sqlite_plans() -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of the report's counting queries (SQLite)."""
    from resync_app.db import get_engine
    from resync_app.reports.shift import reads

    window = _window(8)
    captured: list[tuple[str, object]] = []
    engine = get_engine()
    from sqlalchemy import event

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "count(" in statement.lower():
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with engine.connect() as conn:
            reads.event_totals(conn, INSTANCE, window.start, window.end)
            reads.action_totals(conn, INSTANCE, window.start, window.end)
            reads.flagged(conn, INSTANCE, window.start, window.end, 10)
            reads.missed(conn, INSTANCE, window.start, window.end, NOW, 10)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    plans: dict[str, list[str]] = {}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for n, (statement, parameters) in enumerate(dict.fromkeys((s, tuple(p)) for s, p in captured)):
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans[f"{n + 1}: {' '.join(statement.split())[:90]}…"] = [row[-1] for row in cursor.fetchall()]
    finally:
        raw.close()
    return plans


def _postgres() -> dict:
    try:
        from tests.support.pg import fresh_database

        with fresh_database() as url:
            _use(url)
            seeded = _seed()
            result = {**seeded, **_timings(), "without_its_indexes_build_ms": _without_0012_indexes()}
            from resync_app import db

            db.reset_engine()
            return result
    except Exception as exc:  # no server: say so, the SQLite figures stand
        return {"skipped": f"{type(exc).__name__}: {str(exc)[:200]}"}


def run() -> dict:
    tmp = _environment()
    try:
        _use(f"sqlite:///{tmp / 'shift.db'}")
        sqlite = {**_seed(), **_timings()}
        plans = _sqlite_plans()
        sqlite["without_its_indexes_build_ms"] = _without_0012_indexes()
        postgres = _postgres()
    finally:
        from resync_app import db

        db.reset_engine()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    worst = max([sqlite["build_ms"], *(sqlite[f"api_{f}_ms"] for f in ("json", "md", "csv"))]
                + ([postgres["build_ms"], *(postgres[f"api_{f}_ms"] for f in ("json", "md", "csv"))]
                   if "build_ms" in postgres else []))
    return {"command": "python -m bench.shift_report", "timestamp": datetime.now(timezone.utc).isoformat(),
            "window_hours": 8, "calls": CALLS, "goal_ms": GOAL_MS, "worst_ms": worst, "ok": worst <= GOAL_MS,
            "sqlite": sqlite, "postgresql": postgres, "query_plans": plans}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    out = [(f"shift report, 8 h of a {JOBS:,}-job plan (worst)", f"{result['worst_ms']:.0f} ms",
            f"<= {GOAL_MS:.0f} ms", "ok" if result["ok"] else "MISSED")]
    for db_name in ("sqlite", "postgresql"):
        figures = result[db_name]
        if "skipped" in figures:
            out.append((f"  {db_name}", "skipped", "", figures["skipped"][:40]))
            continue
        out.append((f"  {db_name}: build / md / csv", f"{figures['build_ms']:.0f} / {figures['build_md_ms']:.0f} / "
                    f"{figures['build_csv_ms']:.0f} ms", "", f"{figures['events']:,} events"))
        out.append((f"  {db_name}: API json / md / csv", f"{figures['api_json_ms']:.0f} / {figures['api_md_ms']:.0f}"
                    f" / {figures['api_csv_ms']:.0f} ms", "", ""))
        out.append((f"  {db_name}: without its indexes", f"{figures['without_its_indexes_build_ms']:.0f} ms", "",
                    "(informational)"))
    return out


def main() -> int:
    result = run()
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
    for row in rows(result):
        print(" | ".join(row))
    print(f"written: {RESULTS}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
