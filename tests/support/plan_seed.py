"""A plan snapshot of any size, written straight into the snapshot tables with bulk inserts (50 000 jobs in ~1 s).

`seed_plan(instance, jobs)` adds the instance (paused, pointing at a closed port: nothing polls it), its plan jobs
with a fixed, seeded mix of statuses and flags, its workstations, and the summary row the poller would have
written (counts, status counts, poll_seq), as one poll would leave them. Tests and `bench/monitoring.py` use it
to compare pages of a 50 000-job plan with pages of a 500-job one.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import delete, insert

from resync_app.db import get_engine, session_scope, utcnow
from resync_app.tws import instances, service
from resync_app.tws.models import TwsPlanJob, TwsSummary, TwsWorkstation
from resync_app.tws.plan_fields import FAILED_STATUSES, RUNNING_STATUSES, SUCCESS_STATUSES

MIX = (("SUCC", 60), ("EXEC", 8), ("READY", 9), ("HOLD", 8), ("WAIT", 8), ("ABEND", 4), ("CANCL", 3))
WORKSTATIONS = 25
CHUNK = 5000


def _rows(instance: str, jobs: int, rng: random.Random, now: datetime) -> list[dict]:
    statuses = [s for s, weight in MIX for _ in range(weight)]
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for i in range(jobs):
        status = rng.choice(statuses)
        start = day + timedelta(seconds=rng.randrange(0, max(60, int((now - day).total_seconds()))))
        started = status in RUNNING_STATUSES or status in SUCCESS_STATUSES or status in FAILED_STATUSES
        duration = round(rng.uniform(5, 3600), 1) if status in SUCCESS_STATUSES or status in FAILED_STATUSES else None
        critical = i % 97 == 0
        risk = rng.choice(("normal", "potential", "high")) if critical else ""
        rows.append({
            "instance": instance, "job_id": f"{instance.upper()}{i:06d}", "name": f"JOB_{i:05d}",
            "job_stream": f"STREAM_{i // 20:04d}", "job_stream_id": f"S{i // 20:05d}",
            "workstation": f"CPU_{i % WORKSTATIONS:02d}", "status": status, "external_status": "",
            "start": start if started else None,
            "end": start + timedelta(seconds=duration) if duration is not None and started else None,
            "duration_s": duration, "scheduled_start": start, "critical": critical,
            "deadline": now + timedelta(hours=2) if critical else None, "estimated_duration_s": 600.0,
            "return_code": (0 if status in SUCCESS_STATUSES else rng.choice((4, 8, 12))) if duration else None,
            "run_number": 1, "priority": 10, "predecessors": "[]", "deps_state": 0,
            "late": status in ("READY", "WAIT", "EXEC") and rng.random() < 0.1,
            "stuck": status in RUNNING_STATUSES and rng.random() < 0.1,
            "risk": risk, "confidence": {"normal": 0.95, "potential": 0.6, "high": 0.2}.get(risk),
            "fingerprint": i, "changed_seq": 1, "updated_at": now,
        })
    return rows


def seed_plan(instance: str, jobs: int, *, seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """Add `instance` with a plan of `jobs` jobs; returns the counts written to its summary row."""
    now = now or utcnow()
    if instance not in {i.name for i in instances.list_instances()}:
        instances.create_instance({"name": instance, "base_url": "http://127.0.0.1:9", "username": "seed",
                                   "password": "seed-password-1"}, "tests")
    service.set_paused(instance, True, "tests")
    rows = _rows(instance, jobs, random.Random(seed), now)
    engine = get_engine()
    with engine.begin() as conn:
        for table in (TwsPlanJob, TwsWorkstation, TwsSummary):
            conn.execute(delete(table).where(table.instance == instance))
        for first in range(0, len(rows), CHUNK):
            conn.execute(insert(TwsPlanJob), rows[first:first + CHUNK])
        conn.execute(insert(TwsWorkstation), [
            {"instance": instance, "name": f"CPU_{n:02d}", "ws_id": f"W{n}", "type": "FTA",
             "link_status": "LINKED" if n % 7 else "UNLINKED", "linked": bool(n % 7), "running": True,
             "offline": False, "change_seq": 0, "updated_at": now} for n in range(WORKSTATIONS)])
    by_status = Counter(r["status"] for r in rows)
    counts = {"running": sum(by_status[s] for s in RUNNING_STATUSES),
              "completed": sum(by_status[s] for s in SUCCESS_STATUSES),
              "failed": sum(by_status[s] for s in FAILED_STATUSES),
              "late": sum(r["late"] for r in rows), "stuck": sum(r["stuck"] for r in rows), "total": len(rows),
              "at_risk": sum(1 for r in rows if r["risk"] in ("potential", "high") and r["status"] not in SUCCESS_STATUSES)}
    counts["pending"] = counts["total"] - counts["running"] - counts["completed"] - counts["failed"]
    with session_scope() as db:
        db.add(TwsSummary(instance=instance, as_of=now, health="degraded", status_counts=json.dumps(by_status),
                          ws_linked=sum(1 for n in range(WORKSTATIONS) if n % 7), ws_total=WORKSTATIONS,
                          ws_unlinked=sum(1 for n in range(WORKSTATIONS) if not n % 7), poll_seq=1,
                          poller_state="paused", **counts))
    return {**counts, **{f"status:{s}": n for s, n in by_status.items()}}
