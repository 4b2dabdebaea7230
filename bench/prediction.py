"""Deadline prediction, measured on replayed history (issue 17, CONTRACT §13).

Replays a history day by day. Every 10 minutes of a day (from its first scheduled start to its last critical end),
for each critical job not yet ended, both estimators predict from what was known then: the runs of the previous
days and the day's plan as a poll would have seen it (ended / running / waiting, nothing after that moment):
- the estimator: `resync_app.prediction.predict` (the network Monte Carlo);
- the baseline: HWA's method as Resync had it, `resync_app.tws.detect.deadline_risk` (mean of past successful runs,
  σ = their standard deviation or μ/4; the estimated end = max(now, scheduled start) + μ, or start + μ when
  running), its 80 % interval μ ± 1.2816 σ;
- informative, in the details: HWA's critical-path method (`bench/prediction_path.py`), the same means walked
  along the network.
Both see TWS's estimated duration (the mean of the job's known successful runs, as TWS computes it). The first
WARMUP_DAYS days only build history (not scored).

Figures, for each: `mae_min` median absolute error of the estimated end (minutes); `coverage80` share of actual ends
inside the 80 % interval; `brier` Brier score of "misses its deadline" (P(miss) = 1 − confidence); `flagged_ahead`
share of the critical runs that missed whose risk was `high` at a prediction ≥ 30 min before their deadline;
`false_high` share of the `high` predictions (points) whose job met its deadline. In the details, per critical
run: `false_high_runs` the share of the runs ever flagged `high` that met their deadline (what an operator who acts
on the first `high` sees), `flagged_before_deadline` the share of misses flagged `high` at all before the deadline;
`false_high_points_before_deadline`: `false_high` without the predictions made once the deadline had passed;
`high_threshold_curve`: those flag figures for P(miss) thresholds 0.3…0.7 of `high` (bench/prediction_curve.py).
`recompute_s`: `predict` on a 50 000-job plan (2 % critical, with their upstream networks) after a poll
(bench/prediction_plan.py).

`python -m bench.prediction [--history FILE.jsonl] [--json] [--warmup-days N] [--samples N]` → results in
bench/results-prediction.json (default history: bench/fixtures/prediction-history-60d.jsonl).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from bench import prediction_curve, prediction_oracle, prediction_path, prediction_plan
from resync_app.prediction import PastRun, predict
from resync_app.prediction.history import Run, by_day, plan_at, read
from resync_app.prediction.types import RISK_HIGH, PlanNode
from resync_app.tws.detect import DEFAULT_SPREAD_SHARE, MIN_SPREAD_S, DurationStats, deadline_risk
from resync_app.tws.plan_fields import JobView
from resync_app.tws.statuses import RUNNING_STATUSES

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results-prediction.json"
FIXTURE = HERE / "fixtures" / "prediction-history-60d.jsonl"
SETTINGS = HERE / "fixtures" / "prediction-settings.json"
STEP = timedelta(minutes=10)
AHEAD = timedelta(minutes=30)
WARMUP_DAYS = 14
Z80 = 1.2816  # the standard normal's 90th percentile
GOALS = {"mae_gain": 0.30, "coverage80": (0.75, 0.85), "brier": 0.10, "flagged_ahead": 0.80, "false_high": 0.10,
         "recompute_s": 5.0}
SUCC = "SUCC"


def _stats(runs: list[PastRun]) -> DurationStats | None:
    durations = [(r.end - r.start).total_seconds() for r in runs if r.status == SUCC]
    if not durations:
        return None
    return DurationStats(len(durations), statistics.fmean(durations),
                         statistics.stdev(durations) if len(durations) >= 2 else 0.0)


def baseline(node: PlanNode, runs: list[PastRun], now: datetime) -> tuple[datetime, datetime, datetime, float, str]:
    """HWA's estimate: (estimated end, low, high, confidence, risk); risk and confidence from detect.deadline_risk,
    the end and spread by the rule its docstring states (it returns only the risk)."""
    stats = _stats(runs)
    view = JobView(id=node.key, name=node.name, job_stream=node.job_stream, job_stream_id="",
                   workstation=node.workstation, status=node.status, internal_status=node.status, start=node.start,
                   end=node.end, scheduled_start=node.scheduled_start, deadline=node.deadline,
                   estimated_duration_s=node.estimated_duration_s, critical=node.critical, return_code=None,
                   run_number=1, predecessors=list(node.predecessors))
    risk, confidence = deadline_risk(view, now, stats)
    mean = stats.mean_s if stats else (node.estimated_duration_s or 0.0)
    spread = max(stats.stdev_s if stats and stats.runs >= 2 else DEFAULT_SPREAD_SHARE * mean, MIN_SPREAD_S)
    if node.status in RUNNING_STATUSES and node.start is not None:
        end = max(node.start + timedelta(seconds=mean), now)
    else:
        begin = max(now, node.scheduled_start) if node.scheduled_start is not None else now
        end = begin + timedelta(seconds=mean)
    half = timedelta(seconds=Z80 * spread)
    return end, end - half, end + half, confidence, risk


def replay(runs: list[Run], *, warmup_days: int = WARMUP_DAYS, samples: int = 500,
           oracle: prediction_oracle.Oracle | None = None) -> dict[str, list[dict]]:
    """The scored points of both estimators: {"estimator": [...], "baseline": [...]}, one dict per point (and
    "oracle", the true profiles' answer, with an oracle)."""
    known: dict[str, list[PastRun]] = defaultdict(list)
    points: dict[str, list[dict]] = {"estimator": [], "baseline": [], "hwa_critical_path": [], "oracle": []}
    for n, (day, day_runs) in enumerate(by_day(runs).items()):
        if n >= warmup_days:
            _replay_day(day_runs, known, points, samples, oracle)
        for run in sorted(day_runs, key=lambda r: r.end):
            known[run.identity].append(run.past())
    return points


def _replay_day(day_runs: list[Run], known: dict[str, list[PastRun]], points: dict, samples: int,
                oracle: prediction_oracle.Oracle | None) -> None:
    critical = {r.identity: r for r in day_runs if r.critical and r.deadline is not None}
    if not critical:
        return
    estimates = {}
    for key, past in known.items():
        good = [(r.end - r.start).total_seconds() for r in past if r.status == SUCC]
        if good:
            estimates[key] = statistics.fmean(good)
    first = min(r.scheduled_start or r.start for r in day_runs)
    now = first.replace(minute=first.minute - first.minute % 10, second=0, microsecond=0)
    last = max(r.end for r in critical.values())
    while now < last:
        nodes = plan_at(day_runs, now, estimates)
        found = predict(nodes, known, now, samples=samples)
        path = prediction_path.estimate(nodes, known, now)
        truth = oracle.estimate(nodes, now, day_runs[0].day) if oracle else {}
        for node in nodes:
            run = critical.get(node.key)
            if run is None or run.end <= now:
                continue
            common = {"run": f"{run.day}/{node.key}", "actual": run.end, "deadline": run.deadline, "now": now,
                      "missed": run.end > run.deadline}
            est = found[node.key]
            points["estimator"].append({**common, "end": est.estimated_end, "low": est.low, "high": est.high,
                                        "confidence": est.confidence, "risk": est.risk})
            end, low, high, confidence, risk = baseline(node, known.get(node.key, []), now)
            points["baseline"].append({**common, "end": end, "low": low, "high": high, "confidence": confidence,
                                       "risk": risk})
            end, low, high, confidence, risk = path[node.key]
            points["hwa_critical_path"].append({**common, "end": end, "low": low, "high": high,
                                                "confidence": confidence, "risk": risk})
            if node.key in truth:
                end, low, high, confidence, risk = truth[node.key]
                points["oracle"].append({**common, "end": end, "low": low, "high": high, "confidence": confidence,
                                         "risk": risk})
        now += STEP


def score(points: list[dict]) -> dict[str, float]:
    if not points:
        return {"mae_min": None, "coverage80": None, "brier": None, "flagged_ahead": None, "false_high": None}
    errors = [abs((p["end"] - p["actual"]).total_seconds()) / 60 for p in points]
    inside = [p["low"] <= p["actual"] <= p["high"] for p in points]
    brier = [((1 - p["confidence"]) - (1.0 if p["missed"] else 0.0)) ** 2 for p in points]
    missed = {p["run"] for p in points if p["missed"]}
    high = [p for p in points if p["risk"] == RISK_HIGH]
    ahead = {p["run"] for p in high if p["now"] <= p["deadline"] - AHEAD}
    return {"mae_min": round(float(np.median(errors)), 2), "coverage80": round(float(np.mean(inside)), 3),
            "brier": round(float(np.mean(brier)), 4),
            "flagged_ahead": round(len(ahead & missed) / len(missed), 3) if missed else None,
            "false_high": round(sum(not p["missed"] for p in high) / len(high), 3) if high else 0.0}


def per_run(points: list[dict]) -> dict[str, float | None]:
    """The run-level figures of the details (see the module docstring)."""
    missed = {p["run"] for p in points if p["missed"]}
    flagged = {p["run"] for p in points if p["risk"] == RISK_HIGH}
    before = [p for p in points if p["risk"] == RISK_HIGH and p["now"] < p["deadline"]]
    runs_before = {p["run"] for p in before}
    return {"false_high_runs": round(len(flagged - missed) / len(flagged), 3) if flagged else 0.0,
            "flagged_before_deadline": round(len(runs_before & missed) / len(missed), 3) if missed else None,
            "high_points": sum(p["risk"] == RISK_HIGH for p in points),
            "false_high_points_before_deadline":
                round(sum(not p["missed"] for p in before) / len(before), 3) if before else 0.0}


def goals(result: dict) -> dict[str, bool]:
    est, base = result["estimator"], result["baseline"]
    if est["mae_min"] is None:
        return {}
    low, high = GOALS["coverage80"]
    return {
        "mae_30pct_below_baseline": est["mae_min"] <= (1 - GOALS["mae_gain"]) * base["mae_min"],
        "coverage80_in_range": low <= est["coverage80"] <= high,
        "brier_le_0.10_and_below_baseline": est["brier"] <= GOALS["brier"] and est["brier"] < base["brier"],
        "flagged_ahead_ge_0.80": (est["flagged_ahead"] or 0) >= GOALS["flagged_ahead"],
        "false_high_le_0.10": est["false_high"] <= GOALS["false_high"],
        "recompute_le_5s": result["recompute_s"] is not None and result["recompute_s"] <= GOALS["recompute_s"],
    }


def _shown(path: Path) -> str:
    """The history's path as the results file shows it: relative to the repository when it is inside it."""
    root = Path(__file__).resolve().parent.parent
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return path.name


def run(history: Path = FIXTURE, *, warmup_days: int = WARMUP_DAYS, samples: int = 500,
        plan_jobs: int = prediction_plan.JOBS, oracle_settings: dict | None = None) -> tuple[dict, dict]:
    """(the §13 object, details) for a history file; `oracle_settings`: the generator's settings of a synthetic
    history, for the oracle's figures (bench/prediction_oracle.py)."""
    runs = read(history)
    started = time.perf_counter()
    oracle = prediction_oracle.Oracle(oracle_settings) if oracle_settings else None
    points = replay(runs, warmup_days=warmup_days, samples=samples, oracle=oracle)
    replay_s = time.perf_counter() - started
    timing = prediction_plan.measure(plan_jobs) if plan_jobs else {"recompute_s": None}
    result = {"estimator": score(points["estimator"]), "baseline": score(points["baseline"]),
              "points": len(points["estimator"]), "recompute_s": timing["recompute_s"]}
    days = by_day(runs)
    scored = points["estimator"]
    details = {"history": _shown(history), "days": len(days), "warmup_days": warmup_days, "runs": len(runs),
               "critical_runs_scored": len({p["run"] for p in scored}),
               "critical_runs_missed": len({p["run"] for p in scored if p["missed"]}),
               "replay_s": round(replay_s, 1), "samples": samples, "recompute": timing,
               "per_run": {side: per_run(points[side]) for side in ("estimator", "baseline")},
               "hwa_critical_path": {**score(points["hwa_critical_path"]), **per_run(points["hwa_critical_path"])},
               "high_threshold_curve": {side: prediction_curve.curve(points[side])
                                        for side in ("estimator", "hwa_critical_path", "oracle") if points[side]}}
    if points["oracle"]:
        details["oracle"] = {**score(points["oracle"]), **per_run(points["oracle"]), "settings": oracle_settings}
    return result, details


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    est, base = result["estimator"], result["baseline"]
    ok = goals(result)
    mark = lambda name: ("ok" if ok.get(name) else "MISSED") if ok else ""  # noqa: E731
    return [
        ("prediction: median |error| of the end (est / HWA)", f"{est['mae_min']} / {base['mae_min']} min",
         ">= 30 % lower", mark("mae_30pct_below_baseline")),
        ("prediction: 80 % interval coverage (est / HWA)", f"{est['coverage80']} / {base['coverage80']}",
         "0.75-0.85", mark("coverage80_in_range")),
        ("prediction: Brier score of a miss (est / HWA)", f"{est['brier']} / {base['brier']}", "<= 0.10, < HWA",
         mark("brier_le_0.10_and_below_baseline")),
        ("prediction: misses flagged high >= 30 min ahead", f"{est['flagged_ahead']} / {base['flagged_ahead']}",
         ">= 0.80", mark("flagged_ahead_ge_0.80")),
        ("prediction: high flags (points) that did not miss", f"{est['false_high']} / {base['false_high']}", "<= 0.10",
         mark("false_high_le_0.10")),
        ("prediction: recompute at 50 000 jobs", f"{result['recompute_s']} s", "<= 5 s", mark("recompute_le_5s")),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prediction", description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=Path, default=FIXTURE, help="a history file (JSON Lines, CONTRACT §13)")
    parser.add_argument("--json", action="store_true", help="print only the §13 object")
    parser.add_argument("--warmup-days", type=int, default=WARMUP_DAYS)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--plan-jobs", type=int, default=prediction_plan.JOBS, help="0: skip the recompute timing")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    parser.add_argument("--oracle-settings", type=Path, default=None,
                        help="the generator settings of a synthetic history: adds the oracle's figures (default: the "
                             "shipped settings with the shipped sample)")
    args = parser.parse_args(argv)
    oracle_file = args.oracle_settings or (SETTINGS if args.history == FIXTURE else None)
    try:
        oracle_settings = json.loads(oracle_file.read_text()) if oracle_file else None
        result, details = run(args.history, warmup_days=args.warmup_days, samples=args.samples,
                              plan_jobs=args.plan_jobs, oracle_settings=oracle_settings)
    except (OSError, ValueError) as error:
        print(f"bench.prediction: {error}", file=sys.stderr)
        return 2
    ok = goals(result)
    if not args.no_write:
        command = "python -m bench.prediction" + ("" if args.history == FIXTURE else f" --history {args.history}")
        RESULTS.write_text(json.dumps({**result, "goals": ok, "details": details, "command": command}, indent=2)
                           + "\n")
    if args.json:
        print(json.dumps(result))
    else:
        for row in rows(result):
            print(" | ".join(row))
        runs_est, runs_base = details["per_run"]["estimator"], details["per_run"]["baseline"]
        print(f"per run (est / HWA): ever flagged high but met the deadline {runs_est['false_high_runs']} / "
              f"{runs_base['false_high_runs']}; misses flagged high before the deadline "
              f"{runs_est['flagged_before_deadline']} / {runs_base['flagged_before_deadline']}")
        path = details["hwa_critical_path"]
        print(f"HWA's critical-path method (informative, bench/prediction_path.py): error {path['mae_min']} min, "
              f"coverage {path['coverage80']}, Brier {path['brier']}, flagged ahead {path['flagged_ahead']}, "
              f"false high {path['false_high']}")
        if "oracle" in details:
            truth = details["oracle"]
            print(f"oracle, the generator's true profiles (bench/prediction_oracle.py): error {truth['mae_min']} min, "
                  f"coverage {truth['coverage80']}, Brier {truth['brier']}, flagged ahead {truth['flagged_ahead']}, "
                  f"false high {truth['false_high']}")
        print("the estimator's `high` threshold (bench/prediction_curve.py):")
        print(prediction_curve.table(details["high_threshold_curve"]["estimator"]))
        print(f"points: {result['points']}, {details['critical_runs_scored']} critical runs "
              f"({details['critical_runs_missed']} missed), replay {details['replay_s']} s, 50 000-job plan: cold "
              f"{details['recompute'].get('cold_s')} s")
        if not args.no_write:
            print(f"written: {RESULTS}")
    return 0 if ok and all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
