"""Real-time fan-out: N scripted tabs on /realtime-dashboard against ONE backend worker, refresh every 5 s.

The app runs as `make run` does (`scripts/serve.sh`, backend only, 1 worker, SQLite) on a seeded 50 000-job plan.
Each scripted client speaks Reflex's websocket protocol (Socket.IO on `/_event`, like tests/support/raw_events.py):
it connects with a tab token, hydrates, and fires the page's `RealtimeState.open` (its `on_mount`). The clients run
in several processes (so that the measuring side is not the bottleneck) and timestamp every update they receive.

Each round the benchmark changes the snapshot (the summary row's `running` count: a KPI tile) at a random moment
(not aligned with the producer's 5 s tick) and measures, for every client, change → receipt of the new value.
Goal: p95 ≤ refresh + 1 s. Also: the spread of one push over all clients (O(clients)), and the backend's memory
per client (worker RSS after all clients joined − before, ÷ N).

`python -m bench.fanout --clients 1000 [--rounds 6] [--procs 4]` → bench/results-fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results-fanout.json"
REFRESH_S = 5
INSTANCE = "bench"
PATH = "/realtime-dashboard"


# ---- the scripted clients (child processes) --------------------------------------------------------------


def _event(name: str) -> dict:
    return {"name": name, "payload": {}, "router_data": {"pathname": PATH, "asPath": PATH, "query": {}}}


async def _clients_main(base_url: str, count: int, offset: int, state: str, var: str, out, ready, stop) -> None:
    import socketio

    received: list[tuple[int, int, float]] = []  # (client, value, wall time of receipt)
    joined = 0
    clients = []

    async def one(index: int) -> None:
        nonlocal joined
        client = socketio.AsyncClient(reconnection=False)
        got_open = asyncio.Event()

        async def on_event(data):
            now = time.time()
            delta = (data or {}).get("delta", {}).get(state, {})
            running = [k["value"] for k in delta.get(var) or [] if k.get("key") == "running"]
            if running:  # the open's answer first, then the producer's pushes
                if got_open.is_set():
                    received.append((index + offset, int(running[0]), now))
                else:
                    got_open.set()

        client.on("event", on_event, namespace="/_event")
        await client.connect(f"{base_url}?token={uuid.uuid4()}", socketio_path="/_event", namespaces=["/_event"],
                             transports=["websocket"], wait_timeout=60)
        await client.emit("event", _event("reflex___state____state.hydrate"), namespace="/_event")
        await client.emit("event", _event(f"{state}.open"), namespace="/_event")
        await asyncio.wait_for(got_open.wait(), 120)
        joined += 1
        clients.append(client)

    batch = 25
    for first in range(0, count, batch):  # connect in small waves, as tabs would open
        await asyncio.gather(*(one(i) for i in range(first, min(count, first + batch))))
    ready.put(joined)
    while stop.empty():
        await asyncio.sleep(0.2)
    out.put(received)
    for client in clients:
        try:
            await client.disconnect()
        except Exception:
            pass


def _clients_process(base_url, count, offset, state, var, out, ready, stop) -> None:
    asyncio.run(_clients_main(base_url, count, offset, state, var, out, ready, stop))


# ---- the server ------------------------------------------------------------------------------------------


def _prepare_database(path: Path) -> None:
    os.environ["RESYNC_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("RESYNC_DATA_DIR", str(path.parent))
    from resync_app import db, settings
    from resync_app.cli import migrate
    from tests.support.plan_seed import seed_plan

    settings.reload_settings()
    db.reset_engine()
    migrate()
    seed_plan(INSTANCE, 50_000, seed=1)


def _set_running(value: int) -> float:
    from resync_app.db import session_scope
    from resync_app.tws.models import TwsSummary

    with session_scope() as db:
        row = db.get(TwsSummary, INSTANCE)
        row.running = value
        db.add(row)
    return time.time()


def _rss_mb(pids: list[int]) -> float:
    import psutil

    return sum(psutil.Process(pid).memory_info().rss for pid in pids) / 1e6


def run(clients: int = 200, rounds: int = 10, procs: int = 4) -> dict:
    from resync_app.live.realtime import KPIS
    from resync_app.state.realtime import RealtimeState
    from tests.support.cluster import Cluster

    assert KPIS[0][0] == "running"
    tmp = Path(tempfile.mkdtemp(prefix="resync-bench-fanout-"))
    db_path = tmp / "fanout.db"
    _prepare_database(db_path)
    cluster = Cluster(database_url=f"sqlite:///{db_path}", redis_url=None, workers=1,
                      extra_env={"RESYNC_RATE_LIMIT_EXEMPT": "127.0.0.1", "RESYNC_REFLEX_LOGLEVEL": "warning",
                                 "LOG_LEVEL": "WARNING"})
    cluster.start()
    procs = max(1, min(procs, clients))
    try:
        worker = cluster.worker_pids()
        rss_before = _rss_mb(worker)
        state, var = RealtimeState.get_full_name(), "kpis_rx_state_"
        ctx = multiprocessing.get_context("spawn")
        out, ready, stop = ctx.Queue(), ctx.Queue(), ctx.Queue()
        shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        started = time.perf_counter()
        offsets = [sum(shares[:i]) for i in range(len(shares))]
        children = [ctx.Process(target=_clients_process, args=(cluster.base_url, n, first, state, var, out, ready,
                                                                stop)) for n, first in zip(shares, offsets)]
        for child in children:
            child.start()
        joined = sum(ready.get(timeout=900) for _ in children)
        connect_s = time.perf_counter() - started
        time.sleep(REFRESH_S)  # let the joins settle before measuring memory
        rss_after = _rss_mb(worker)

        changes: dict[int, float] = {}
        rng = random.Random(7)
        for round_no in range(rounds):
            time.sleep(rng.uniform(0.5, REFRESH_S))  # a change at any moment of the producer's cycle
            value = 1_000_000 + round_no
            changes[value] = _set_running(value)
        time.sleep(REFRESH_S + 3)  # the last change reaches everybody
        for _ in children:
            stop.put(True)
        received: list[tuple[int, int, float]] = []
        for _ in children:
            received += out.get(timeout=300)
        for child in children:
            child.join(timeout=60)
    finally:
        cluster.destroy()

    delays, per_round = [], {}
    # a client's delay for a change: its first update carrying that change's count or a later one (two changes
    # within one refresh reach the tabs as one update: the later value)
    firsts: dict[int, list[float]] = {v: [] for v in changes}
    by_client: dict[int, list[tuple[int, float]]] = {}
    for client, value, at in received:
        by_client.setdefault(client, []).append((value, at))
    for updates in by_client.values():
        for value in changes:
            seen = [at for got, at in updates if got >= value]
            if seen:
                firsts[value].append(min(seen))
    for value, changed_at in changes.items():  # noqa: B007
        got = [at - changed_at for at in firsts[value]]
        per_round[value] = {"clients": len(got), "p50_s": round(statistics.median(got), 3) if got else None,
                            "spread_s": round(max(got) - min(got), 3) if got else None}
        delays += got
    delays.sort()
    p95 = delays[int(0.95 * (len(delays) - 1))] if delays else None
    goal = REFRESH_S + 1
    return {
        "command": f"python -m bench.fanout --clients {clients} --rounds {rounds} --procs {procs}",
        "clients": clients, "joined": joined, "rounds": rounds, "refresh_s": REFRESH_S, "plan_jobs": 50_000,
        "connect_and_join_s": round(connect_s, 1),
        "updates_expected": clients * rounds, "updates_received": len(delays),
        "delay_p50_s": round(statistics.median(delays), 3) if delays else None,
        "delay_p95_s": round(p95, 3) if p95 is not None else None,
        "delay_max_s": round(delays[-1], 3) if delays else None,
        "push_spread_p50_s": round(statistics.median([r["spread_s"] for r in per_round.values()
                                                      if r["spread_s"] is not None]), 3) if per_round else None,
        "goal_p95_s": goal, "ok": p95 is not None and p95 <= goal and len(delays) == clients * rounds,
        "backend_rss_before_mb": round(rss_before, 1), "backend_rss_after_mb": round(rss_after, 1),
        "backend_kb_per_client": round((rss_after - rss_before) * 1000 / max(1, joined), 1),
        "cpu_count": os.cpu_count(),
    }


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    n = result["clients"]
    return [
        (f"realtime fan-out p95 delay, {n} clients", f"{result['delay_p95_s']} s", f"<= {result['goal_p95_s']} s",
         "ok" if result["ok"] else "MISSED"),
        (f"  updates received / expected", f"{result['updates_received']}/{result['updates_expected']}", "", ""),
        (f"  one push, first → last client (p50)", f"{result['push_spread_p50_s']} s", "", ""),
        (f"  backend memory per client", f"{result['backend_kb_per_client']} KB", "", ""),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_FANOUT_CLIENTS", "200")))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--procs", type=int, default=4)
    args = parser.parse_args(argv)
    result = run(args.clients, args.rounds, args.procs)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[str(args.clients)] = result
    RESULTS.write_text(json.dumps(existing, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
