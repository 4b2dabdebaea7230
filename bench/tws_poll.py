"""Benchmark of the TWS poller and the read layer (`python -m bench.tws_poll`; also part of `make bench`).

The simulator runs in its own process with a 50 000-job plan (BENCH_TWS_JOBS), as a real TWS would; polls run in
fresh child processes on a SQLite database, so time and memory are the poller's alone. Measured:
1. one poll of the whole plan: the baseline (every job inserted) and the steady state (nothing changed: nothing is
   written), wall and CPU time, and the child's peak RSS (goal: ≤ 2 s and ≤ 200 MB);
2. a poll after half an hour of plan time (jobs start, end, abend: rows and events written);
3. the change detection alone: events per second over 50 000 synthetic job transitions (no I/O);
4. `GET /api/v1/tws/jobs` page turns (limit 50, through the real ASGI app): an instance of 50 000 jobs and one of
   500 jobs in the same database, per query shape, calls interleaved, median of 30; goal: 50 000 / 500 ≤ 1.5.
Each step runs in a fresh child process: the baseline poll on a fresh database; then (a "restart") the first poll
with memory read back from the database, three unchanged polls and one after 30 plan-minutes; then the reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.tws_client import BENCH_DAY  # noqa: E402  (the same fixed plan day)

JOBS = max(1000, int(os.environ.get("BENCH_TWS_JOBS", "50000")))
SMALL_JOBS = 500
CALLS = 30
POLL_GOAL_S, POLL_GOAL_MB, PAGE_GOAL = 2.0, 200.0, 1.5
RESULTS = Path(__file__).resolve().parent / "results-tws-poll.json"
QUERIES = {
    "first page (sort by name)": "limit=50",
    "page 5 (offset 200)": "limit=50&offset=200",
    "status=SUCC,ABEND": "status=SUCC,ABEND&limit=50",
    "sort=-start": "sort=-start&limit=50",
    "status=HOLD sort=-duration": "status=HOLD&sort=-duration&limit=50",
    "workstation filter": "workstation={ws}&limit=50",
    "search q": "q=LOAD&limit=50",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _use_database(path: Path, fresh: bool) -> None:
    from resync_app import db, settings
    from resync_app.cli import migrate
    from resync_app.config import store

    store.reset_store()
    os.environ["RESYNC_DATABASE_URL"] = f"sqlite:///{path}"
    settings.reload_settings()
    db.reset_engine()
    if fresh:
        migrate()


async def _timed_poll(name: str, client, cache, now=None) -> dict:
    from resync_app.tws.snapshot import poll_instance

    wall, cpu = time.perf_counter(), time.process_time()
    result = await poll_instance(name, client, now=now, cache=cache)
    assert result.ok, result.error
    return {"seconds": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3),
            "jobs": result.jobs, "rows_written": result.jobs_changed, "events": len(result.events)}


def _sim_now(http) -> datetime:
    return datetime.fromisoformat(http.get("/_sim/state").json()["now"].replace("Z", "+00:00"))


async def _polls(base_url: str, password: str, baseline: bool) -> dict:
    """In a fresh process: the baseline poll (fresh database), or — on the database the baseline filled — the
    first poll after a restart, three unchanged polls and one 30 plan-minutes later."""
    import httpx

    from resync_app.tws import instances
    from resync_app.tws.client import HWAClient
    from resync_app.tws.connection import Connection
    from resync_app.tws.snapshot import SnapshotCache

    if baseline:
        instances.create_instance({"name": "bench", "base_url": base_url, "username": "twsadmin",
                                   "password": password}, "bench")
    out: dict = {"rss_before_mb": round(_rss_mb(), 1)}
    cache = SnapshotCache()
    with httpx.Client(base_url=base_url, auth=("twsadmin", password), timeout=60) as http:
        async with HWAClient(Connection(base_url, "twsadmin", password, timeout_s=120, retries=0)) as client:
            if baseline:
                out["baseline"] = await _timed_poll("bench", client, cache, _sim_now(http))
            else:
                out["restart"] = await _timed_poll("bench", client, cache, _sim_now(http))  # memory from the DB
                steady = [await _timed_poll("bench", client, cache, _sim_now(http)) for _ in range(3)]
                out["steady"] = min(steady, key=lambda r: r["seconds"])
                out["steady_all_s"] = [r["seconds"] for r in steady]
                http.post("/_sim/clock", json={"advance_s": 1800})
                out["after_30_min"] = await _timed_poll("bench", client, cache, _sim_now(http))
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    return out


def _detection_rate(n: int = 50_000) -> dict:
    """Events per second of the change detection alone: n jobs each moving EXEC → ABEND (no I/O)."""
    from resync_app.tws import detect
    from resync_app.tws.plan_fields import JobView

    now = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
    th = detect.Thresholds()
    views = [JobView(id=f"j{i}", name=f"JOB{i}", job_stream="S", job_stream_id="s", workstation="WS", status="ABEND",
                     internal_status="ABEND", start=now, end=now, scheduled_start=now, deadline=None,
                     estimated_duration_s=60.0, critical=False, return_code=8, run_number=1) for i in range(n)]
    prev = detect.Known(0, "EXEC", 1, False, False, "")
    started = time.perf_counter()
    events = 0
    for view in views:
        detect.fingerprint(view)
        events += len(detect.job_events("bench", prev, view, late=False, stuck=False, risk="", confidence=None,
                                        th=th, now=now))
    seconds = time.perf_counter() - started
    return {"jobs": n, "events": events, "seconds": round(seconds, 3), "events_per_s": round(events / seconds)}


def _page_turns(ws_large: str, ws_small: str) -> tuple[dict, dict]:
    """Each query against the 50 000-job instance and the 500-job instance of the same database, interleaved
    call by call (a busy machine slows both alike); medians of CALLS calls after a warm-up."""
    from fastapi.testclient import TestClient

    from resync_app.api.app import create_api

    large: dict = {}
    small: dict = {}
    os.environ["RESYNC_RATE_LIMIT_EXEMPT"] = "127.0.0.1"  # the bench measures reads, not the public rate limit
    with TestClient(create_api(), client=("127.0.0.1", 50000)) as api:
        for label, query in QUERIES.items():
            urls = {"large": f"/api/v1/tws/jobs?instance=bench&" + query.format(ws=ws_large),
                    "small": f"/api/v1/tws/jobs?instance=small&" + query.format(ws=ws_small)}
            laps: dict[str, list[float]] = {"large": [], "small": []}
            counts = {}
            for i in range(CALLS + 5):
                for which, url in urls.items():
                    started = time.perf_counter()
                    answer = api.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert answer.status_code == 200, answer.text
                    counts[which] = answer.json()["count"]
                    if i >= 5:
                        laps[which].append(elapsed)
            large[label] = {"median_ms": round(statistics.median(laps["large"]), 2), "count": counts["large"]}
            small[label] = {"median_ms": round(statistics.median(laps["small"]), 2), "count": counts["small"]}
        # a new search each time: its count is computed (the cache only serves page turns of one filter)
        laps_new: dict[str, list[float]] = {"large": [], "small": []}
        for i in range(CALLS):
            needle = ["LOAD", "CALC", "EXP", "SYNC", "REP", "AGG", "ARCH", "VAL", "NOTIF", "STAT"][i % 10] + str(i)
            for which in ("large", "small"):
                instance = "bench" if which == "large" else "small"
                started = time.perf_counter()
                assert api.get(f"/api/v1/tws/jobs?instance={instance}&q={needle[:-len(str(i))]}"
                               f"&limit=50&sort=-start&offset={i}").status_code == 200
                laps_new[which].append((time.perf_counter() - started) * 1000)
            from resync_app.tws import queries

            queries._counts.clear()
            queries._searches.clear()
        for which, target in (("large", large), ("small", small)):
            target["new search (count computed, informational)"] = {
                "median_ms": round(statistics.median(laps_new[which]), 2)}
        deep = f"/api/v1/tws/jobs?instance=bench&limit=50&offset={max(0, JOBS - 100)}"
        laps_deep = []
        for _ in range(10):
            started = time.perf_counter()
            api.get(deep)
            laps_deep.append((time.perf_counter() - started) * 1000)
        large["deep page (informational)"] = {"median_ms": round(statistics.median(laps_deep), 2), "url": deep}
    return large, small


def _small_snapshot() -> str:
    """A 500-job instance polled once into the same database (its simulator in this process: only reads are
    timed)."""
    from resync_app.tws import instances
    from resync_app.tws.client import HWAClient
    from resync_app.tws.snapshot import poll_instance
    from resync_app.tws_simulator.simulator import Simulator

    with Simulator(jobs=SMALL_JOBS, seed=42, speed=0, flap_rate=0.0) as sim:
        sim.advance(hours=10)
        instances.create_instance({"name": "small", "base_url": sim.base_url, "username": sim.username,
                                   "password": sim.password}, "bench")

        async def once():
            async with HWAClient(sim.connection()) as client:
                assert (await poll_instance("small", client, now=sim.now)).ok

        asyncio.run(once())
        return sim.workstation_names()[1]


def child(mode: str, base_url: str, password: str, db_path: Path) -> dict:
    os.environ.update({"RESYNC_DATA_DIR": str(db_path.parent), "RESYNC_TWS_SIMULATOR": "0", "LOG_LEVEL": "WARNING"})
    if mode in ("baseline", "steady"):
        _use_database(db_path, fresh=mode == "baseline")
        return asyncio.run(_polls(base_url, password, baseline=mode == "baseline"))
    _use_database(db_path, fresh=False)
    from resync_app.tws import queries

    ws_large = queries.workstations("bench")[1]["name"]
    ws_small = _small_snapshot()
    large_pages, small_pages = _page_turns(ws_large, ws_small)
    detection = _detection_rate()
    ratios = {label: round(large_pages[label]["median_ms"] / small_pages[label]["median_ms"], 2)
              for label in QUERIES}
    return {"detection": detection, "pages_large": large_pages, "pages_small": small_pages, "page_ratios": ratios}


def _child(mode: str, base_url: str, db_path: Path, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.tws_poll", "--child", mode, base_url, str(db_path)],
                          env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} step failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> dict:
    """Start the simulator process, poll and read from fresh child processes, return the figures."""
    port = _free_port()
    password = secrets.token_urlsafe(12)
    tmp = Path(tempfile.mkdtemp(prefix="resync-bench-poll-"))
    env = dict(os.environ, RESYNC_TWS_SIMULATOR_PASSWORD=password, RESYNC_DATA_DIR=str(tmp))
    sim = subprocess.Popen([sys.executable, "-m", "resync_app.tws_simulator", "--port", str(port), "--jobs",
                            str(JOBS), "--speed", "0", "--flap-rate", "0", "--seed", "42",
                            "--start", BENCH_DAY], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        ready = sim.stdout.readline()
        if "HWA simulator on" not in ready:
            raise RuntimeError(f"the simulator did not start: {ready}")
        import httpx

        with httpx.Client(base_url=base_url, auth=("twsadmin", password), timeout=60) as http:
            http.post("/_sim/clock", json={"advance_s": 10 * 3600})  # mid-morning: every status is represented
        db_path = tmp / "large.db"
        baseline = _child("baseline", base_url, db_path, env)
        steady = _child("steady", base_url, db_path, env)
        reads = _child("reads", base_url, db_path, env)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if not os.environ.get("BENCH_KEEP"):
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return {"jobs": JOBS, "small_jobs": SMALL_JOBS, "polls": {**baseline, "steady_process": steady}, **reads}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    ok = lambda flag: "ok" if flag else "MISSED"  # noqa: E731
    polls, jobs = result["polls"], f"{result['polls']['baseline']['jobs']:,}"
    second = polls["steady_process"]
    base, steady, later = polls["baseline"], second["steady"], second["after_30_min"]
    base_mb = polls["peak_rss_mb"] - polls["rss_before_mb"]
    steady_mb = second["peak_rss_mb"] - second["rss_before_mb"]
    out = [
        (f"poll {jobs} jobs: baseline (all inserted)", f"{base['seconds']:.2f} s",
         f"cpu {base['cpu_s']:.2f} s, {base['rows_written']:,} rows", ""),
        (f"poll {jobs} jobs: steady state (unchanged)", f"{steady['seconds']:.2f} s",
         f"cpu {steady['cpu_s']:.2f} s, {steady['rows_written']} rows", ok(steady["seconds"] <= POLL_GOAL_S)),
        (f"poll {jobs} jobs: first after a restart", f"{second['restart']['seconds']:.2f} s",
         f"cpu {second['restart']['cpu_s']:.2f} s, {second['restart']['rows_written']} rows", ""),
        (f"poll {jobs} jobs: 30 plan-minutes later", f"{later['seconds']:.2f} s",
         f"{later['rows_written']:,} rows, {later['events']:,} events", ok(later["seconds"] <= POLL_GOAL_S)),
        ("poll memory: baseline (peak RSS growth)", f"{base_mb:.0f} MB",
         f"peak {polls['peak_rss_mb']:.0f} MB, {polls['rss_before_mb']:.0f} MB before", ok(base_mb <= POLL_GOAL_MB)),
        ("poll memory: steady state (peak RSS growth)", f"{steady_mb:.0f} MB",
         f"peak {second['peak_rss_mb']:.0f} MB, {second['rss_before_mb']:.0f} MB before",
         ok(steady_mb <= POLL_GOAL_MB)),
        ("change detection alone", f"{result['detection']['events_per_s']:,} events/s",
         f"{result['detection']['jobs']:,} transitions", ""),
    ]
    for label, ratio in result["page_ratios"].items():
        large = result["pages_large"][label]["median_ms"]
        small = result["pages_small"][label]["median_ms"]
        out.append((f"/tws/jobs {label}", f"{ratio:.2f}x", f"{large:.1f} ms vs {small:.1f} ms", ok(ratio <= PAGE_GOAL)))
    deep = result["pages_large"]["deep page (informational)"]
    new_label = "new search (count computed, informational)"
    new_large, new_small = result["pages_large"][new_label]["median_ms"], result["pages_small"][new_label]["median_ms"]
    out.append(("/tws/jobs a new search each time (count computed)", f"{new_large / new_small:.2f}x",
                f"{new_large:.1f} ms vs {new_small:.1f} ms (informational)", ""))
    out.append((f"/tws/jobs deepest page of {jobs}", f"{deep['median_ms']:.1f} ms", "(informational)", ""))
    return out


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], os.environ["RESYNC_TWS_SIMULATOR_PASSWORD"],
                               Path(sys.argv[4]))))
        return 0
    print(f"TWS poller + read layer: a {JOBS:,}-job plan", flush=True)
    result = run()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(r[0]) for r in rows(result))
    for label, value, note, status in rows(result):
        print(f"  {label:<{width}}  {value:>12}  {note:<40} {status}")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
