"""The oracle: P(miss) from the generator's true profiles, the best any estimator could do on a synthetic history.

It knows what no estimator can learn exactly: each job's true median that day (weekday, month end and drift
included), its true spread and hang chance, the stream's late-start chance and its range. At each prediction point it
draws the rest of the day of the job's stream (ORACLE_SAMPLES scenarios): finished jobs fixed; a running job's
duration given that it already ran this long; a waiting job at the latest of its stream's start and its
predecessors' ends, plus the launch delay; a stream not started yet starts late with the true chance, given that it
has not started by now. Its flag figures bound what a calibrated P(miss) can reach on that history: if the oracle
cannot flag 80 % of the misses 30 min ahead with ≤ 10 % false `high`, no honest estimator can.

Used by `python -m bench.prediction --oracle-settings FILE` (the settings that generated the history).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np

from resync_app.prediction import synthetic
from resync_app.prediction.history import Run
from resync_app.prediction.types import PlanNode, risk_of

ORACLE_SAMPLES = 2000
LOW_Q, HIGH_Q = 0.10, 0.90


class Oracle:
    """P(miss) and the end's 80 % interval from the true profiles of the history `settings` generates."""

    def __init__(self, settings: dict, seed: int = 0) -> None:
        self.s = {**synthetic.DEFAULTS, **settings}
        self.profiles = synthetic.profiles(self.s)
        self.first_day = date.fromisoformat(self.s["first_day"])
        self.rng = np.random.default_rng(seed)

    def _durations(self, node: PlanNode, day: date, n: int) -> np.ndarray:
        profile = self.profiles[(node.job_stream, node.name)]
        typical = profile.typical_min((day - self.first_day).days, day) * 60.0
        out = typical * np.exp(self.rng.normal(0.0, profile.sigma, n))
        hang = self.rng.random(n) < profile.hang_probability
        return np.where(hang, out * self.rng.uniform(*profile.hang_factor, n), out)

    def _after(self, node: PlanNode, day: date, elapsed: float, n: int) -> np.ndarray:
        """Durations given that the run already lasted `elapsed` seconds (rejection; none left: just over it)."""
        pool = self._durations(node, day, 20 * n)
        left = pool[pool > elapsed]
        return self.rng.choice(left, n) if len(left) else np.full(n, elapsed + 60.0)

    def _stream_go(self, scheduled: datetime, now: datetime, n: int) -> np.ndarray:
        """The stream's start (s from now), given that its first job has not started by now."""
        low, high = self.s["late_start_minutes"]
        late = self.rng.random(40 * n) < self.s["late_start_probability"]
        go = (scheduled - now).total_seconds() + np.where(late, self.rng.uniform(low, high, 40 * n) * 60.0, 0.0)
        launch_max = self.s["launch_delay_s"][1]
        left = go[go + launch_max > 0]  # not started yet: the start is still to come (up to the launch delay)
        return self.rng.choice(left, n) if len(left) else np.zeros(n)

    def stream(self, nodes: list[PlanNode], now: datetime, day: date) -> dict[str, np.ndarray]:
        """Sampled ends (s from now) of one stream's jobs, in plan order (predecessors first)."""
        n = ORACLE_SAMPLES
        started = [x for x in nodes if x.start is not None]
        scheduled = nodes[0].scheduled_start
        go = self._stream_go(scheduled, now, n) if not started else np.zeros(n) - math.inf
        ends: dict[str, np.ndarray] = {}
        low, high = self.s["launch_delay_s"]
        for node in sorted(nodes, key=lambda x: len(_ancestors(x, nodes))):
            if node.end is not None:
                ends[node.key] = np.full(n, (node.end - now).total_seconds())
            elif node.start is not None:
                elapsed = (now - node.start).total_seconds()
                ends[node.key] = self._after(node, day, elapsed, n) - elapsed
            else:
                ready = np.maximum.reduce([go] + [ends[p] for p in node.predecessors if p in ends])
                begin = np.maximum(ready + self.rng.uniform(low, high, n), 0.0)
                ends[node.key] = begin + self._durations(node, day, n)
        return ends

    def estimate(self, nodes: list[PlanNode], now: datetime, day: date) -> dict[str, tuple]:
        """(estimated end, low, high, confidence, risk) per critical job with a deadline."""
        out = {}
        streams: dict[str, list[PlanNode]] = {}
        for node in nodes:
            streams.setdefault(node.job_stream, []).append(node)
        for members in streams.values():
            if not any(x.critical and x.deadline and x.end is None for x in members):
                continue
            ends = self.stream(members, now, day)
            for node in members:
                if not node.critical or node.deadline is None or node.end is not None:
                    continue
                sample = ends[node.key]
                at = lambda q: now + timedelta(seconds=float(np.quantile(sample, q)))  # noqa: E731
                confidence = round(float(np.mean(sample <= (node.deadline - now).total_seconds())), 3)
                out[node.key] = (at(0.5), at(LOW_Q), at(HIGH_Q), confidence, risk_of(confidence))
        return out


def _ancestors(node: PlanNode, nodes: list[PlanNode]) -> set[str]:
    by_key = {x.key: x for x in nodes}
    seen: set[str] = set()
    stack = list(node.predecessors)
    while stack:
        key = stack.pop()
        if key in by_key and key not in seen:
            seen.add(key)
            stack.extend(by_key[key].predecessors)
    return seen


def points_for(oracle: Oracle, day_runs: list[Run], nodes: list[PlanNode], now: datetime) -> dict[str, tuple]:
    """The oracle's estimates at one prediction point of the replay."""
    return oracle.estimate(nodes, now, day_runs[0].day)
