"""`predict` on a large plan: the recompute after a poll (issue 17: ≤ 5 s at 50 000 jobs).

The plan: streams of 10 jobs (a chain with fan-in from earlier jobs, 1 in 10 with a predecessor in another
stream); the last job of every 5th stream is critical (2 % of the jobs), so their networks are ≈ 10 000 jobs. At
"now" the earliest streams are done, some are running, the rest wait. Each job has 30 days of successful runs.
Timed: the first `predict` (every duration fitted: cold) and the median of 3 recomputes after a poll (1 % of the
jobs moved on: started or ended, their ended runs added to the history).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime, timedelta, timezone

from resync_app.prediction import PastRun, PlanNode, predict
from resync_app.prediction.durations import clear_cache
from resync_app.prediction.types import key_of

JOBS = 50_000
STREAM = 10
NOW = datetime(2030, 6, 14, 3, 0, tzinfo=timezone.utc)


def build(jobs: int, rng: random.Random) -> tuple[list[PlanNode], dict[str, list[PastRun]]]:
    nodes: list[PlanNode] = []
    history: dict[str, list[PastRun]] = {}
    streams = jobs // STREAM
    for s in range(streams):
        at = NOW - timedelta(hours=2) + timedelta(minutes=rng.randrange(0, 300))
        critical_stream = s % 5 == 0
        ends = at
        for k in range(STREAM):
            key = f"J{s:05d}_{k}"
            preds = [f"J{s:05d}_{k - 1}"] if k else []
            if k >= 2 and rng.random() < 0.3:
                preds.append(f"J{s:05d}_{rng.randrange(k - 1)}")
            if k == 0 and s and rng.random() < 0.1:
                preds.append(f"J{rng.randrange(s):05d}_{STREAM - 1}")
            minutes = rng.uniform(2, 30)
            node = PlanNode(key, f"JOB{k}", f"S{s:05d}", f"WS{s % 40}", critical_stream and k == STREAM - 1,
                            at + timedelta(hours=4) if critical_stream and k == STREAM - 1 else None, at, preds,
                            "HOLD", None, None, minutes * 60)
            start, end = ends, ends + timedelta(minutes=minutes)
            if end <= NOW:
                node.status, node.start, node.end = "SUCC", start, end
            elif start <= NOW:
                node.status, node.start = "EXEC", start
            ends = end
            nodes.append(node)
            history[key_of(node)] = [
                PastRun(NOW - timedelta(days=d), NOW - timedelta(days=d, minutes=-minutes * rng.lognormvariate(0, .2)),
                        "SUCC") for d in range(30, 0, -1)]
    return nodes, history


def _poll(nodes: list[PlanNode], history: dict[str, list[PastRun]], now: datetime, rng: random.Random) -> None:
    """1 % of the jobs move on: waiting → running, running → ended (its run joins the history)."""
    for node in rng.sample(nodes, len(nodes) // 100):
        if node.status == "HOLD":
            node.status, node.start = "EXEC", now
        elif node.status == "EXEC":
            node.status, node.end = "SUCC", now
            history[key_of(node)] = history[key_of(node)] + [PastRun(node.start, now, "SUCC")]


def measure(jobs: int = JOBS, samples: int = 500) -> dict:
    rng = random.Random(5)
    nodes, history = build(jobs, rng)
    clear_cache()
    started = time.perf_counter()
    found = predict(nodes, history, NOW, samples=samples)
    cold = time.perf_counter() - started
    polls = []
    now = NOW
    for _ in range(3):
        now += timedelta(seconds=60)
        _poll(nodes, history, now, rng)
        started = time.perf_counter()
        predict(nodes, history, now, samples=samples)
        polls.append(time.perf_counter() - started)
    return {"jobs": jobs, "critical": sum(n.critical for n in nodes), "network_jobs": len(found),
            "samples": samples, "cold_s": round(cold, 2), "recompute_s": round(statistics.median(polls), 2)}


if __name__ == "__main__":
    print(measure())
