"""Benchmarks of the LLM gateway: `make bench` (= `python -m bench`).

1. `GET /api/v1/litellm/dashboard-data` latency with a small (10 k) and a large (1 M) ledger: two fresh SQLite
   databases filled by `resync_app.llm.demo.seed`, the route called through the real ASGI app with a bearer
   token, median of 30 calls after warm-up. Goal: large / small ≤ 1.5 (the figures come from the rollups).
2. Recording overhead per LLM call: the ledger hook (`LedgerLogger` + `ledger.record`) replayed over 10 k
   success reports captured from a real LiteLLM call, against a mocked call through the gateway's LiteLLM
   router (`mock_response=`, no network) without the hook. Goal: ≤ 5 % of the call or ≤ 0.2 ms.
3. `seed-demo` throughput (rows/s) for the large ledger.
4. The assistant's fast-path share on the operator questions, English and Portuguese (`bench/assistant.py`; alone:
   `python -m bench.assistant`), and learning from operators: unseen paraphrases answered from approved
   corrections, unrelated questions wrongly answered from them, grounding (`bench/learning.py` →
   bench/results-learning.json; alone: `python -m bench.learning`).
5. The HWA client fetching a 50 000-job plan from the bundled simulator (`bench/tws_client.py`; BENCH_TWS_JOBS).
6. The TWS poller on that plan (baseline, steady state, memory), the change detection rate, and
   `/api/v1/tws/jobs` page turns at 50 000 vs 500 jobs (`bench/tws_poll.py`).
7. `/monitoring` page turns at 50 000 vs 500 jobs (`bench/monitoring.py` → bench/results-monitoring.json).
8. The real-time dashboard's fan-out: N scripted Reflex clients on one worker at a 5 s refresh, p95 update delay
   and memory per client (`bench/fanout.py` → bench/results-fanout.json; BENCH_FANOUT_CLIENTS, default 200;
   alone: `python -m bench.fanout --clients 1000`).
9. The shift report: an 8-hour window of a 50 000-job plan with three days of events, goal ≤ 2 s, on SQLite and
   PostgreSQL (`bench/shift_report.py` → bench/results-shift-report.json).
10. Clicks that answer at once: every filter, sort, page turn and tab switch of the pages, click → new data in the
   DOM, timed in headless Chromium against the production server (`bench/ui_latency.py` →
   bench/results-ui-latency.json; alone: `python -m bench.ui_latency`).

Environment: BENCH_ROWS (default 1000000) sizes the large ledger, e.g. `BENCH_ROWS=100000 python -m bench` for a
quick run; BENCH_CALLS (default 30) the number of timed dashboard calls; BENCH_KEEP=1 keeps the temporary
databases. Results are printed as a table and written to bench/results.json.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

# The environment is set before any app module is imported (settings are read once per process).
_CHILD = os.environ.get("BENCH_CHILD_DIR")  # set for the measuring child processes: reuse the parent's temp dir
_TMP = Path(_CHILD) if _CHILD else Path(tempfile.mkdtemp(prefix="resync-bench-"))
os.environ.update({
    "RESYNC_DATA_DIR": str(_TMP / "data"),
    "RESYNC_TWS_SIMULATOR": "0",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "OPENAI_API_KEY": "sk-bench-not-a-real-key-0000",  # OpenAI enabled (no request leaves the machine)
    "LOG_LEVEL": "WARNING",  # configuration fields seeded from the environment on each fresh database
    "LLM_USE_CACHE": "false",  # every mocked call goes through LiteLLM, none is a cache hit
    # the timed loops make hundreds of admin calls a minute from one client
    "RATE_LIMIT_CRITICAL_PER_MINUTE": "1000", "RATE_LIMIT_AUTHENTICATED_PER_MINUTE": "100000",
})
if not _CHILD:
    os.environ["RESYNC_DATABASE_URL"] = f"sqlite:///{_TMP / 'data' / 'unused.db'}"
for _var in ("RESYNC_REDIS_URL", "RESYNC_SECRET_KEY", "ANTHROPIC_API_KEY", "TOGETHERAI_API_KEY", "OPENROUTER_API_KEY",
             "NVIDIA_NIM_API_KEY", "OLLAMA_API_BASE"):
    os.environ.pop(_var, None)

import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from typing import Any  # noqa: E402

from bench import fanout, learning, monitoring, shift_report, tws_client, tws_poll, ui_latency  # noqa: E402

ROWS_LARGE = max(1, int(os.environ.get("BENCH_ROWS", "1000000")))
ROWS_SMALL = min(10_000, ROWS_LARGE)
DAYS = 30
CALLS = max(5, int(os.environ.get("BENCH_CALLS", "30")))
WARMUP = 5
HOOK_REPORTS = 10_000
MOCK_CALLS = 800
ROUNDS = 8
DASHBOARD_GOAL = 1.5
OVERHEAD_GOAL_PCT, OVERHEAD_GOAL_MS = 5.0, 0.2
RESULTS = Path(__file__).resolve().parent / "results.json"
ADMIN = "bench-admin"
PASSWORD = os.environ.setdefault("BENCH_ADMIN_PASSWORD", "bench-password-" + uuid.uuid4().hex[:12])  # children too


def say(text: str) -> None:
    print(text, flush=True)


# ---- a fresh database with the services started on it ------------------------------------------------

def use_fresh_database(name: str) -> Path:
    """Point the app at a new, migrated SQLite file with one admin; in-process services forgotten."""
    from resync_app import db, runtime, settings
    from resync_app.auth import lockout
    from resync_app.auth.service import create_admin
    from resync_app.cli import migrate
    from resync_app.config import store

    runtime.shutdown()
    store.reset_store()
    lockout.reset_lockout_store()
    path = _TMP / "data" / f"{name}.db"
    os.environ["RESYNC_DATABASE_URL"] = f"sqlite:///{path}"
    settings.reload_settings()
    db.reset_engine()
    migrate()
    create_admin(ADMIN, PASSWORD, actor="bench")
    return path


def seed(rows: int) -> dict[str, Any]:
    from resync_app.llm import pricing
    from resync_app.llm.demo import seed as demo_seed

    import litellm  # noqa: F401  (imported, with its price map, before the clock starts)

    pricing.load_custom_prices()
    step = max(rows // 5, 1)

    def progress(line: str) -> None:
        done = int(line.split("/")[0].replace(",", "").strip())
        if done % step == 0 or done == rows:
            say("   " + line.strip())

    started = time.perf_counter()
    result = demo_seed(rows, DAYS, seed_value=42, progress=progress)
    seconds = time.perf_counter() - started
    return {"rows": result["rows"], "seconds": round(seconds, 2), "rows_per_s": round(result["rows"] / seconds)}


def bearer() -> dict[str, str]:
    from resync_app.auth import service, sessions

    raw, _ = sessions.issue(service.find_user(ADMIN), "token")
    return {"Authorization": f"Bearer {raw}"}


def time_dashboard(expected_rows: int) -> dict[str, Any]:
    """Median latency of /dashboard-data through the real ASGI app (httpx via Starlette's TestClient): with a bearer
    token, with HTTP Basic as before the cache (a bcrypt check per request: the cache is emptied before each
    call) and with HTTP Basic as now (successful verifications cached for 60 s)."""
    from fastapi.testclient import TestClient

    from resync_app.api.app import create_api
    from resync_app.auth.basic_cache import cache

    def timed(client, headers, before=None) -> list[float]:
        samples = []
        for _ in range(CALLS):
            if before:
                before()
            started = time.perf_counter()
            answer = client.get(url, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
        return sorted(samples)

    url = "/api/v1/litellm/dashboard-data"
    with TestClient(create_api(standalone=True)) as client:
        headers = bearer()
        first = client.get(url, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json()["usage"]["total_requests"] == expected_rows, first.json()["usage"]
        for _ in range(WARMUP - 1):
            client.get(url, headers=headers)
        samples = timed(client, headers)
        basic_headers = basic()
        uncached = timed(client, basic_headers, before=cache.clear)
        cached = timed(client, basic_headers)
    return {"median_ms": round(statistics.median(samples), 2), "p90_ms": round(samples[int(len(samples) * 0.9) - 1], 2),
            "min_ms": round(samples[0], 2), "calls": CALLS,
            "basic_uncached_median_ms": round(statistics.median(uncached), 2),
            "basic_cached_median_ms": round(statistics.median(cached), 2)}


def basic() -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{ADMIN}:{PASSWORD}".encode()).decode()}


def dashboard_in_child(name: str, expected_rows: int) -> dict[str, Any]:
    """`time_dashboard` on database `name` in a fresh process: a server started on an existing ledger, the
    same conditions for both sizes (no heap or page cache left over from seeding)."""
    env = {**os.environ, "BENCH_CHILD_DIR": str(_TMP), "RESYNC_DATABASE_URL": f"sqlite:///{_TMP / 'data' / name}.db"}
    done = subprocess.run([sys.executable, "-m", "bench", "--dashboard", str(expected_rows)], env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"dashboard measurement of {name} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def count_rollups() -> int:
    from sqlalchemy import text

    from resync_app.db import get_engine

    with get_engine().connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM llm_usage_daily")).scalar_one()


# ---- recording overhead -------------------------------------------------------------------------------

def _ledger_hooks(litellm) -> dict[str, list]:
    """Our LedgerLogger in LiteLLM's callback lists (to take it out and put it back)."""
    from resync_app.llm.callback import LedgerLogger

    names = ("callbacks", "input_callback", "success_callback", "failure_callback", "_async_success_callback",
             "_async_failure_callback")
    return {n: [cb for cb in getattr(litellm, n) if isinstance(cb, LedgerLogger)] for n in names
            if isinstance(getattr(litellm, n, None), list)}


def _remove(litellm, hooks: dict[str, list]) -> None:
    for name, found in hooks.items():
        getattr(litellm, name)[:] = [cb for cb in getattr(litellm, name) if cb not in found]


def _restore(litellm, hooks: dict[str, list]) -> None:
    for name, found in hooks.items():
        getattr(litellm, name).extend(cb for cb in found if cb not in getattr(litellm, name))


async def _mock_calls(router, n: int, messages: list[dict]) -> list[float]:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        await router.acompletion(model="gpt-4o", messages=messages, mock_response="PAYROLL is running.",
                                 metadata={"resync_request_id": f"mock-{uuid.uuid4().hex}", "resync_purpose": "bench",
                                           "resync_route_reason": "requested", "resync_model": "gpt-4o"})
        samples.append((time.perf_counter() - started) * 1e6)
        if i % 50 == 49:
            await asyncio.sleep(0.01)  # let LiteLLM's logging worker drain between batches
    return samples


async def _recording(gateway) -> dict[str, Any]:
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    from resync_app.llm.ledger import ledger

    messages = [{"role": "user", "content": "is job PAYROLL running on workstation CPU1?"}]
    router = gateway.router
    assert router is not None, gateway.build_error

    # one real report from LiteLLM, to replay: the kwargs its success hook receives
    captured: list[dict] = []

    class Capture(CustomLogger):
        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
            captured.append(kwargs)

    capture = Capture()
    litellm.callbacks.append(capture)
    await router.acompletion(model="gpt-4o", messages=messages, mock_response="PAYROLL is running.",
                             metadata={"resync_request_id": "capture", "resync_purpose": "bench",
                                       "resync_route_reason": "simple", "resync_model": "gpt-4o"})
    for _ in range(500):
        if captured:
            break
        await asyncio.sleep(0.01)
    for name in ("callbacks", "_async_success_callback", "success_callback", "input_callback", "failure_callback",
                 "_async_failure_callback"):
        lst = getattr(litellm, name, None)
        if isinstance(lst, list) and capture in lst:
            lst.remove(capture)
    assert captured, "LiteLLM did not report the mocked call"
    template = captured[0]
    slo = template.get("standard_logging_object") or {}
    assert slo.get("prompt_tokens") and (template.get("litellm_params") or {}).get("metadata", {}).get(
        "resync_request_id") == "capture"

    reports = []
    for i in range(HOOK_REPORTS):
        params = dict(template["litellm_params"])
        params["metadata"] = {**params["metadata"], "resync_request_id": f"replay-{i}"}
        reports.append({**template, "litellm_params": params})

    hook = gateway._logger
    recorded_before = ledger.recorded
    started = time.perf_counter()
    for kwargs in reports:
        await hook.async_log_success_event(kwargs, None, None, None)
    hook_us = (time.perf_counter() - started) * 1e6 / HOOK_REPORTS
    assert ledger.recorded - recorded_before == HOOK_REPORTS

    hooks = _ledger_hooks(litellm)
    await _mock_calls(router, 50, messages)  # warm-up
    without: list[float] = []
    with_hook: list[float] = []
    for _ in range(ROUNDS):  # alternate, so that drift (GC, the flusher thread, CPU clocks) hits both alike
        _remove(litellm, hooks)
        try:
            without += await _mock_calls(router, MOCK_CALLS // ROUNDS, messages)
        finally:
            _restore(litellm, hooks)
        with_hook += await _mock_calls(router, MOCK_CALLS // ROUNDS, messages)
    base_us = statistics.median(without)
    with_us = statistics.median(with_hook)
    return {
        "hook_us_per_call": round(hook_us, 1),
        "mock_call_us_without_hook": round(base_us, 1),
        "mock_call_us_with_hook": round(with_us, 1),
        "overhead_pct": round(hook_us / base_us * 100, 2),
        "end_to_end_delta_us": round(with_us - base_us, 1),
        "reports": HOOK_REPORTS,
        "mock_calls": MOCK_CALLS,
    }


def time_recording() -> dict[str, Any]:
    from resync_app import runtime
    from resync_app.llm.gateway import get_gateway

    runtime.startup()
    try:
        return asyncio.run(_recording(get_gateway()))
    finally:
        runtime.shutdown()


# ---- report -------------------------------------------------------------------------------------------

def table(rows: list[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    line = "-+-".join("-" * w for w in widths)
    out = []
    for n, row in enumerate(rows):
        out.append(" | ".join(cell.ljust(widths[i]) if i != 1 else cell.rjust(widths[i]) for i, cell in
                              enumerate(row)))
        if n == 0:
            out.append(line)
    return "\n".join(out)


def main() -> int:
    logging.getLogger().setLevel(logging.WARNING)
    say(f"Resync LLM benchmarks: ledgers of {ROWS_SMALL:,} and {ROWS_LARGE:,} rows over {DAYS} days "
        f"(temp dir {_TMP})")
    try:
        say(f"[1/4] small ledger: seeding {ROWS_SMALL:,} rows")
        use_fresh_database("small")
        seed_small = seed(ROWS_SMALL)
        rollups_small = count_rollups()
        say(f"[2/4] recording overhead: {HOOK_REPORTS:,} hook reports, {MOCK_CALLS} mocked calls x 2")
        use_fresh_database("recording")  # its own database: the replayed reports land in a ledger too
        recording = time_recording()
        say(f"[3/4] large ledger: seeding {ROWS_LARGE:,} rows")
        path = use_fresh_database("large")
        seed_large = seed(ROWS_LARGE)
        rollups_large = count_rollups()
        from resync_app import db, runtime

        runtime.shutdown()
        db.reset_engine()  # closes the connections: the WAL is checkpointed into the file
        os.sync()
        db_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
        say(f"[4/4] /dashboard-data x {CALLS} on each ledger (fresh process each)")
        small = dashboard_in_child("small", ROWS_SMALL)
        large = dashboard_in_child("large", ROWS_LARGE)
        say(f"[+] HWA client + simulator: fetching a {tws_client.JOBS:,}-job plan")
        tws_fetch = tws_client.run()
        say(f"[+] TWS poller + read layer: polling a {tws_poll.JOBS:,}-job plan, page turns at 50 000 vs 500 jobs")
        tws_polls = tws_poll.run()
        say("[+] /monitoring page turns at 50 000 vs 500 jobs")
        monitoring_pages = _in_child("bench.monitoring", monitoring.RESULTS)
        say(f"[+] real-time fan-out: {os.environ.get('BENCH_FANOUT_CLIENTS', '200')} scripted clients, one worker")
        fanout_result = _in_child("bench.fanout", fanout.RESULTS)
        say("[+] shift report: an 8-hour window of a 50 000-job plan")
        shift_result = _in_child("bench.shift_report", shift_report.RESULTS)
        say("[+] UI latency: click -> new data on screen, every filter, sort, page turn and tab switch (Chromium)")
        ui_result = _in_child("bench.ui_latency", ui_latency.RESULTS)
        _in_child("bench.prediction", Path(__file__).resolve().parent / "results-prediction.json")  # issue 17
    finally:
        if not os.environ.get("BENCH_KEEP") and not _CHILD:
            shutil.rmtree(_TMP, ignore_errors=True)

    from bench import assistant

    say("[+] assistant fast path on the operator questions (English and Portuguese)")
    fast_path = assistant.run()
    say("[+] learning from operators: paraphrases answered from approved corrections (bench/learning.py)")
    learning_result = _in_child("bench.learning", learning.RESULTS)
    ratio = large["median_ms"] / small["median_ms"]
    overhead_ok = recording["overhead_pct"] <= OVERHEAD_GOAL_PCT or recording["hook_us_per_call"] <= OVERHEAD_GOAL_MS * 1000
    results = {
        "command": "python -m bench" + (f" (BENCH_ROWS={ROWS_LARGE})" if "BENCH_ROWS" in os.environ else ""),
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "sqlite": sqlite3.sqlite_version, "litellm": _version("litellm"), "cpu_count": os.cpu_count()},
        "dashboard_data": {
            "small": {"rows": ROWS_SMALL, "rollup_rows": rollups_small, **small},
            "large": {"rows": ROWS_LARGE, "rollup_rows": rollups_large, "db_mb": round(db_mb, 1), **large},
            "ratio": round(ratio, 3), "goal_ratio": DASHBOARD_GOAL, "ok": ratio <= DASHBOARD_GOAL,
        },
        "recording_overhead": {**recording, "goal_pct": OVERHEAD_GOAL_PCT, "goal_ms": OVERHEAD_GOAL_MS,
                               "ok": overhead_ok},
        "seed_demo": {"small": seed_small, "large": seed_large},
        "assistant_fast_path": fast_path,
        "learning": learning_result,
        "tws_client": tws_fetch,
        "tws_poll": tws_polls,
        "monitoring_pages": monitoring_pages,
        "realtime_fanout": fanout_result,
        "shift_report": shift_result,
        "ui_latency": ui_result,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    ok = lambda flag: "ok" if flag else "MISSED"  # noqa: E731
    rows = [
        ("benchmark", "result", "goal", "status"),
        (f"/dashboard-data median, {ROWS_SMALL:,} rows", f"{small['median_ms']:.2f} ms", "", ""),
        (f"/dashboard-data median, {ROWS_LARGE:,} rows", f"{large['median_ms']:.2f} ms", "", ""),
        (f"  same, HTTP Basic without cache (before)", f"{large['basic_uncached_median_ms']:.2f} ms", "", ""),
        (f"  same, HTTP Basic with cache (now)", f"{large['basic_cached_median_ms']:.2f} ms", "", ""),
        ("/dashboard-data large / small", f"{ratio:.2f}x", f"<= {DASHBOARD_GOAL}x", ok(ratio <= DASHBOARD_GOAL)),
        ("ledger hook + record per call", f"{recording['hook_us_per_call']:.1f} us",
         f"<= {OVERHEAD_GOAL_MS * 1000:.0f} us", ok(recording["hook_us_per_call"] <= OVERHEAD_GOAL_MS * 1000)),
        ("mocked router call (no hook)", f"{recording['mock_call_us_without_hook']:.1f} us", "", ""),
        ("mocked router call (with hook)", f"{recording['mock_call_us_with_hook']:.1f} us", "", ""),
        ("end-to-end delta (with - without)", f"{recording['end_to_end_delta_us']:+.1f} us",
         "(informational, noisy)", f"{recording['end_to_end_delta_us'] / recording['mock_call_us_without_hook'] * 100:+.1f} %"),
        ("hook share of a mocked call", f"{recording['overhead_pct']:.2f} %", f"<= {OVERHEAD_GOAL_PCT:.0f} % or "
         f"<= {OVERHEAD_GOAL_MS} ms", ok(overhead_ok)),
        (f"seed-demo {ROWS_LARGE:,} rows", f"{seed_large['rows_per_s']:,} rows/s", "",
         f"{seed_large['seconds']:.1f} s"),
        (f"seed-demo {ROWS_SMALL:,} rows", f"{seed_small['rows_per_s']:,} rows/s", "",
         f"{seed_small['seconds']:.1f} s"),
    ] + tws_client.rows(tws_fetch) + tws_poll.rows(tws_polls) + monitoring.rows(monitoring_pages) + (
        fanout.rows(fanout_result) if "clients" in fanout_result else []) + shift_report.rows(shift_result) + (
        ui_latency.rows(ui_result))
    say("")
    say(table(rows))
    say(f"\nrollup rows read: {rollups_small:,} (small) / {rollups_large:,} (large); large SQLite file "
        f"{db_mb:,.0f} MB; {CALLS} timed calls each after {WARMUP} warm-up calls")
    say(assistant.report(fast_path))
    say(learning.report(learning_result))
    say(f"written: {RESULTS}")
    return 0


def _in_child(module: str, results: Path) -> dict[str, Any]:
    """Run `python -m <module>` in a fresh process (its own database and environment) and read what it wrote."""
    env = {k: v for k, v in os.environ.items() if k not in ("RESYNC_DATABASE_URL", "BENCH_CHILD_DIR")}
    done = subprocess.run([sys.executable, "-m", module], env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode not in (0, 1) or not results.exists():  # 1: ran, goal missed
        raise RuntimeError(f"{module} wrote no results:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    data = json.loads(results.read_text())
    if module == "bench.fanout":
        data = data.get(os.environ.get("BENCH_FANOUT_CLIENTS", "200"), {})
    return data


def _version(package: str) -> str:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return "unknown"


def child_main(expected_rows: int) -> int:
    from resync_app import settings

    settings.reload_settings()
    print(json.dumps(time_dashboard(expected_rows)), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--dashboard":
        sys.exit(child_main(int(sys.argv[2])))
    sys.exit(main())
