"""`/monitoring` page turns: a plan of 50 000 jobs against one of 500, in the same SQLite database.

A page turn is what the page's handlers run (`state.monitoring.load_page`: the summary row for the chips, one
page of 50 jobs through `tws.queries.jobs`, the rows for the state). Both plans are seeded with the bulk helper
(`tests/support/plan_seed.py`); each shape (first page, next pages, status chip, late / stuck / at-risk chips,
sorts, search) is timed on both plans, calls interleaved, median of BENCH_PAGE_CALLS (30) after warm-up.
Goal: median(50 000) / median(500) ≤ 1.5 for every shape. Where the 500-job plan has fewer than 50 matching jobs
(a chip with 4 stuck jobs), its page is cheaper only for being short: the large plan's page is then compared with
a full page of the small plan (its first page) — `reference` says which. Reported apart, not page turns: a new
substring search (`q`: case-insensitive "contains", a scan of the plan's names on SQLite) and the deepest page
(OFFSET grows with the page number on any SQL database).

`python -m bench.monitoring` → bench/results-monitoring.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results-monitoring.json"
GOAL = 1.5
CALLS = max(5, int(os.environ.get("BENCH_PAGE_CALLS", "30")))
WARMUP = 5
SHAPES = {
    "first page (by job)": {},
    "page 2": {"page": 1},
    "page 5": {"page": 4},
    "chip ABEND": {"filter": "ABEND"},
    "chip SUCC, by duration desc": {"filter": "SUCC", "sort": "duration", "descending": True},
    "chip late": {"filter": "late"},
    "chip stuck": {"filter": "stuck"},
    "chip critical at risk": {"filter": "at_risk"},
    "sort start desc": {"sort": "start", "descending": True},
    "sort return code": {"sort": "return_code"},
    "sort status": {"sort": "status"},
    "sort workstation, page 3": {"sort": "workstation", "page": 2},
    "search 'JOB_1', page 2": {"search": "JOB_1", "page": 1},
}
INFORMATIONAL = {"new search 'STREAM_0042' (20 matches)": {"search": "STREAM_0042"}}


def _prepare() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="resync-bench-monitoring-"))
    os.environ["RESYNC_DATABASE_URL"] = f"sqlite:///{tmp / 'monitoring.db'}"
    os.environ.setdefault("RESYNC_DATA_DIR", str(tmp))
    from resync_app import db, settings
    from resync_app.cli import migrate

    settings.reload_settings()
    db.reset_engine()
    migrate()
    return tmp


def _median_ms(fn, calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run() -> dict:
    _prepare()
    from resync_app.state.monitoring import load_page
    from resync_app.tws import queries
    from tests.support.plan_seed import seed_plan

    started = time.perf_counter()
    seed_plan("large", 50_000, seed=1)
    seed_s = time.perf_counter() - started
    seed_plan("small", 500, seed=2)
    shapes: dict[str, dict] = {}
    for label, args in {**SHAPES, **INFORMATIONAL}.items():
        fresh = label in INFORMATIONAL  # a new search: nothing kept from a previous call

        def call(name: str, args=args, fresh=fresh) -> None:
            if fresh:
                queries._searches.clear()
                queries._counts.clear()
            load_page(name, **args)

        calls = {name: (lambda name=name: call(name)) for name in ("large", "small")}
        for _ in range(WARMUP):
            calls["large"]()
            calls["small"]()
        large, small = [], []
        for _ in range(CALLS):  # interleaved: drift hits both alike
            large.append(_median_ms(calls["large"], 1))
            small.append(_median_ms(calls["small"], 1))
        large_ms, small_ms = statistics.median(large), statistics.median(small)
        small_rows = len(load_page("small", **args)["rows"])
        shapes[label] = {"large_ms": round(large_ms, 2), "small_ms": round(small_ms, 2),
                         "rows_large": len(load_page("large", **args)["rows"]), "rows_small": small_rows}
    full_small = shapes["first page (by job)"]["small_ms"]
    for label, shape in shapes.items():
        full = shape["rows_small"] == 50 or shape["rows_large"] == shape["rows_small"]
        shape["reference"] = "same shape" if full else "small plan, full first page"
        shape["ratio"] = round(shape["large_ms"] / (shape["small_ms"] if full else full_small), 2)
    informational = {label: shapes.pop(label) for label in INFORMATIONAL}
    deep = _median_ms(lambda: load_page("large", page=999), 10)
    worst = max(s["ratio"] for s in shapes.values())
    return {"command": "python -m bench.monitoring", "plans": {"large": 50_000, "small": 500}, "calls": CALLS,
            "seed_50000_s": round(seed_s, 2), "shapes": shapes, "worst_ratio": worst, "goal_ratio": GOAL,
            "ok": worst <= GOAL, "informational": {**informational, "deepest page (1000) ms": round(deep, 2)}}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    out = [("/monitoring page turn, worst 50 000 / 500", f"{result['worst_ratio']:.2f}x", f"<= {GOAL}x",
            "ok" if result["ok"] else "MISSED")]
    for label, shape in result["shapes"].items():
        out.append((f"  {label}", f"{shape['large_ms']:.2f} / {shape['small_ms']:.2f} ms", "",
                    f"{shape['ratio']:.2f}x"))
    for label, shape in result["informational"].items():
        if isinstance(shape, dict):
            out.append((f"  {label} (informational)", f"{shape['large_ms']:.2f} / {shape['small_ms']:.2f} ms", "",
                        f"{shape['ratio']:.2f}x"))
    return out


def main() -> int:
    result = run()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for row in rows(result):
        print(" | ".join(row))
    print(f"written: {RESULTS}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
