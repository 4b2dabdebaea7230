"""Benchmark of the HWA client + simulator: fetching a 50 000-job plan (`python -m bench.tws_client`; also part
of `make bench`).

The simulator runs in its own process (`python -m resync_app.tws_simulator --speed 0`), as a real TWS would; the
client runs in a fresh child process that reports wall time and peak RSS, so the figures are the client's alone.
Measured: the simulator's start (plan build and rendering every job once) and peak RSS; the client reading page
by page into `job_view`s (the poller's way) and its peak RSS; whole-plan fetches with pages of 1000 and 10 000;
the median latency of one page of 1000 jobs, seen by the client and inside the simulator (Server-Timing).
Environment: BENCH_TWS_JOBS (default 50000).
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
import urllib.request
from pathlib import Path

import httpx

# a fixed plan day: the figures must not depend on the hour the bench runs (near midnight the plan extends)
BENCH_DAY = "2026-03-02T00:00:00Z"
JOBS = max(1000, int(os.environ.get("BENCH_TWS_JOBS", "50000")))
RESULTS = Path(__file__).resolve().parent / "results-tws-client.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


async def _fetch(base_url: str, password: str) -> dict:
    from resync_app.tws.client import HWAClient
    from resync_app.tws.connection import Connection
    from resync_app.tws.plan_fields import job_view

    conn = Connection(base_url, "twsadmin", password, timeout_s=120, retries=0)
    out: dict = {"rss_before_mb": round(_rss_mb(), 1)}
    async with HWAClient(conn) as client:
        # first the way a poller reads: page by page, keeping only the flat views
        started = time.perf_counter()
        views = []
        async for page in client.iter_jobs(page_size=1000):
            views.extend(job_view(job) for job in page)
        out["stream_views_1000"] = {"seconds": round(time.perf_counter() - started, 3), "jobs": len(views)}
        out["peak_rss_streaming_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        del views
        for label, size in (("fetch_1000", 1000), ("fetch_1000_again", 1000), ("fetch_10000", 10000)):
            started = time.perf_counter()
            count = 0
            async for page in client.iter_jobs(page_size=size):
                count += len(page)
            out[label] = {"seconds": round(time.perf_counter() - started, 3), "jobs": count}
        started = time.perf_counter()
        views = [job_view(job) for job in await client.jobs(page_size=10000)]
        out["fetch_and_views_10000"] = {"seconds": round(time.perf_counter() - started, 3), "jobs": len(views)}
        laps = []
        for i in range(20):
            started = time.perf_counter()
            async for _ in client.iter_jobs(page_size=1000, oql=None):
                break
            laps.append((time.perf_counter() - started) * 1000)
        out["page_1000_median_ms"] = round(statistics.median(laps), 2)
    # the simulator's own time for a page of 1000 jobs (Server-Timing header: lock, query, join of cached JSON)
    server = []
    with httpx.Client(base_url=base_url, auth=("twsadmin", password), timeout=60) as http:
        for i in range(20):
            offset = 1000 * (i % (JOBS // 1000))
            answer = http.get("/twsd/api/v2/plan/job", params={"limit": 1000, "offset": offset})
            server.append(float(answer.headers["server-timing"].split("dur=")[1]))
    out["server_page_1000_median_ms"] = round(statistics.median(server), 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def run() -> dict:
    """Start the simulator process, fetch from a child process, return the figures."""
    load = [round(x, 1) for x in os.getloadavg()]  # the machine is shared: figures scale with its load
    port = _free_port()
    password = secrets.token_urlsafe(12)
    env = dict(os.environ, RESYNC_TWS_SIMULATOR_PASSWORD=password, RESYNC_DATA_DIR=tempfile.mkdtemp())
    started = time.perf_counter()
    sim = subprocess.Popen([sys.executable, "-m", "resync_app.tws_simulator", "--port", str(port), "--jobs",
                            str(JOBS), "--speed", "0", "--flap-rate", "0", "--seed", "42",
                            "--start", BENCH_DAY], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = sim.stdout.readline()  # "HWA simulator on …" once the plan is built and the port listens
        build_s = time.perf_counter() - started
        if "HWA simulator on" not in ready:
            raise RuntimeError(f"the simulator did not start: {ready}")
        child = subprocess.run([sys.executable, "-m", "bench.tws_client", "--fetch", f"http://127.0.0.1:{port}"],
                               env=env, capture_output=True, text=True, timeout=900, check=True)
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_sim/state")
        request.add_header("Authorization", "Basic " + __import__("base64").b64encode(
            f"twsadmin:{password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=10) as answer:
            state = json.loads(answer.read())
        sim_peak_mb = _peak_rss_mb(sim.pid)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    return {"jobs": JOBS, "simulator_start_s": round(build_s, 2), "simulator_peak_rss_mb": sim_peak_mb,
            "plan_jobs": state["jobs"], **figures,
            "environment": {"cpu_count": os.cpu_count(), "load_average_at_start": load,
                            "python": sys.version.split()[0]}}


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    jobs = f"{result['jobs']:,}"
    return [
        (f"simulator start (build + render), {jobs}-job plan", f"{result['simulator_start_s']:.2f} s", "", ""),
        ("simulator process peak RSS", f"{result['simulator_peak_rss_mb'] or 0:.0f} MB", "", ""),
        (f"client: page by page -> job_view, {jobs} jobs", f"{result['stream_views_1000']['seconds']:.2f} s", "",
         ""),
        ("client peak RSS, page by page (views kept)", f"{result['peak_rss_streaming_mb']:.0f} MB",
         f"(before fetching: {result['rss_before_mb']:.0f} MB)", ""),
        (f"client: jobs(), pages of 1000, {jobs} jobs", f"{result['fetch_1000']['seconds']:.2f} s", "", ""),
        ("client: jobs(), pages of 1000 again", f"{result['fetch_1000_again']['seconds']:.2f} s", "", ""),
        ("client: jobs(), pages of 10000", f"{result['fetch_10000']['seconds']:.2f} s", "", ""),
        (f"client: jobs() then job_view, {jobs} jobs", f"{result['fetch_and_views_10000']['seconds']:.2f} s", "",
         ""),
        ("client peak RSS, whole plan as dicts + views", f"{result['peak_rss_mb']:.0f} MB", "", ""),
        ("one page of 1000 jobs, client (median)", f"{result['page_1000_median_ms']:.1f} ms", "", ""),
        ("one page of 1000 jobs, simulator (median)", f"{result['server_page_1000_median_ms']:.2f} ms", "", ""),
    ]


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--fetch":
        print(json.dumps(asyncio.run(_fetch(sys.argv[2], os.environ["RESYNC_TWS_SIMULATOR_PASSWORD"]))))
        return 0
    print(f"HWA client + simulator: fetching a {JOBS:,}-job plan", flush=True)
    result = run()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(r[0]) for r in rows(result))
    for label, value, note, _ in rows(result):
        print(f"  {label:<{width}}  {value:>10}  {note}")
    print(f"  (load average at start {result['environment']['load_average_at_start']} on "
          f"{result['environment']['cpu_count']} CPUs)")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
