"""`predict`: estimated ends, 80 % intervals, P(meets deadline), risk, why and the hot list of the critical jobs of a
plan and of every job in their upstream networks (the pure core: no database, no framework)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np

from resync_app.prediction.durations import cached_fit, start_delays
from resync_app.prediction.network import DONE, simulate
from resync_app.prediction.types import Estimate, PastRun, PlanNode, key_of, risk_of
from resync_app.prediction.why import explain, hot_list

LOW_Q, HIGH_Q = 0.10, 0.90


def networks(nodes: list[PlanNode]) -> list[PlanNode]:
    """The critical jobs and every job upstream of one (predecessors, theirs, …), in plan order."""
    by_key = {n.key: n for n in nodes}
    keep: set[str] = set()
    stack = [n.key for n in nodes if n.critical]
    while stack:
        key = stack.pop()
        if key in keep:
            continue
        keep.add(key)
        stack.extend(p for p in by_key[key].predecessors if p in by_key and p not in keep)
    return [n for n in nodes if n.key in keep]


def predict(nodes: list[PlanNode], history: Mapping[str, Sequence[PastRun]], now: datetime, *, samples: int = 500,
            seed: int = 0) -> dict[str, Estimate]:
    """Estimates keyed by `PlanNode.key`, for every critical job and every job upstream of one (others skipped).

    `history[key_of(node)]` (`workstation#stream.job`) holds the job's past runs, oldest first; runs after `now` and
    failed runs are ignored. The same inputs and seed give the same answer. `why` and `hot` name jobs by `name`.
    """
    chosen = networks(nodes)
    if not chosen:
        return {}
    models = {}
    for node in chosen:
        on = node.start or node.scheduled_start or now
        models[node.key] = cached_fit(key_of(node), history.get(key_of(node), ()), on,
                                      tws_estimate_s=node.estimated_duration_s,
                                      stream_estimate_s=node.stream_estimated_duration_s)
    keys = {n.key for n in chosen}
    delays = {n.key: start_delays(history.get(key_of(n), ()), n.scheduled_start) for n in chosen
              if n.start is None and n.scheduled_start is not None and n.scheduled_start > now - timedelta(hours=6)
              and not any(p in keys for p in n.predecessors)}
    sim = simulate(chosen, models, now, samples, np.random.default_rng(seed), delays)
    order = np.argsort(sim.ends, axis=1)
    ranked = np.take_along_axis(sim.ends, order, axis=1)
    mid = (samples - 1) // 2
    low_at, high_at = int(round(LOW_Q * (samples - 1))), int(round(HIGH_Q * (samples - 1)))
    out: dict[str, Estimate] = {}
    for i, node in enumerate(sim.order):
        def at(seconds: float) -> datetime:
            return now + timedelta(seconds=float(seconds))

        if sim.kinds[i] == DONE:
            end = node.end or now
            low = high = estimated = end
        else:
            estimated, low, high = at(ranked[i, mid]), at(ranked[i, low_at]), at(ranked[i, high_at])
        confidence = why = None
        hot: list[str] = []
        if node.deadline is not None:
            deadline_s = (node.deadline - now).total_seconds()
            if sim.kinds[i] == DONE:
                confidence = 1.0 if (node.end or now) <= node.deadline else 0.0
            else:
                confidence = round(float(np.mean(sim.ends[i] <= deadline_s)), 3)
                why = explain(sim, i, order[i], deadline_s)
            if node.critical:
                hot = hot_list(sim, i, deadline_s)
        out[node.key] = Estimate(estimated, low, high, confidence,
                                 risk_of(confidence) if node.critical else "", why or [], hot)
    return out
