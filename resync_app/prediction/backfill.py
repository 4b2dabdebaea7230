"""Back-fill the run history of a simulator instance (issue 17 §5), so the estimator has days of history to learn
from on a fresh demo or test database:

    python -m resync_app.prediction.backfill --instance simulator --days 30 [--jobs 1500] [--seed 42] [--if-empty]

It rebuilds the bundled simulator's job templates from the same `--jobs`/`--seed` (defaults: the
RESYNC_TWS_SIMULATOR_JOBS / _SEED that `make run` gives the simulator), generates the runs of the `--days` days
before today (`tws_simulator/history.py`: the same duration model as the live plan) and inserts them into
`tws_job_runs` under the instance's name, each run once (re-running it adds nothing). Only for simulator instances:
the job keys are the simulator's. `--if-empty` does nothing when the instance already has run history.
Keep `tws_retention_days_full` at least `--days`, or the nightly clean-up removes the older days.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from resync_app.db import get_engine, session_scope, utcnow
from resync_app.tws.models import TwsJobRun

MAX_DAYS = 366
_CHUNK = 5000


def simulator_runs(*, days: int, jobs: int, seed: int, until: datetime, workstations: int | None = None
                   ) -> list[dict]:
    """The past runs of the simulator plan built from (jobs, seed)."""
    from resync_app.tws_simulator.history import past_runs
    from resync_app.tws_simulator.plan import Plan

    day = until.timestamp() - until.timestamp() % 86400
    plan = Plan(jobs=jobs, seed=seed, start=day, workstations=workstations)
    return past_runs(plan.templates, plan.workstations, days=days, until=until.timestamp(), seed=seed)


def write_runs(instance: str, runs: list[dict], now: datetime | None = None) -> int:
    """Insert the runs (ON CONFLICT DO NOTHING on instance, job id, run number); how many were new."""
    now = now or utcnow()
    table = TwsJobRun.__table__
    insert = (postgresql.insert if get_engine().dialect.name == "postgresql" else sqlite.insert)(table)
    stmt = insert.on_conflict_do_nothing(index_elements=["instance", "job_id", "run_number"]).returning(table.c.id)
    added = 0
    with session_scope() as db:
        for start in range(0, len(runs), _CHUNK):
            rows = [{**run, "instance": instance, "recorded_at": now} for run in runs[start:start + _CHUNK]]
            added += len(db.execute(stmt, rows).all())  # the rows inserted (a run already there returns none)
    return added


def has_history(instance: str) -> bool:
    with session_scope() as db:
        return db.execute(select(TwsJobRun.id).where(TwsJobRun.instance == instance).limit(1)).first() is not None


def backfill(instance: str, *, days: int, jobs: int, seed: int, until: datetime | None = None,
             workstations: int | None = None) -> int:
    runs = simulator_runs(days=days, jobs=jobs, seed=seed, until=until or datetime.now(timezone.utc),
                          workstations=workstations)
    return write_runs(instance, runs)


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_DAYS}")
    return value


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m resync_app.prediction.backfill", description=__doc__.split("\n\n")[0])
    p.add_argument("--instance", default="simulator", help="the TWS instance's name in Resync (default: simulator)")
    p.add_argument("--days", type=_days, default=30)
    p.add_argument("--jobs", type=int, default=int(env("RESYNC_TWS_SIMULATOR_JOBS", "1500")))
    p.add_argument("--seed", type=int, default=int(env("RESYNC_TWS_SIMULATOR_SEED", "42")))
    p.add_argument("--workstations", type=int, default=None)
    p.add_argument("--if-empty", action="store_true", help="skip when the instance already has run history")
    args = p.parse_args(argv)
    if args.if_empty and has_history(args.instance):
        print(f"{args.instance}: run history already present, nothing back-filled")
        return 0
    started = time.perf_counter()
    added = backfill(args.instance, days=args.days, jobs=args.jobs, seed=args.seed, workstations=args.workstations)
    print(f"{args.instance}: {added} past runs of {args.days} days back-filled in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
