"""Why a job is predicted late, in minutes that add up, and HWA's hot list.

`explain` follows the critical path of the median scenario (and of its 5 neighbours on each side, averaged) back
from the job: at each job not yet started, the predecessor whose sampled end set its start; it stops at a job that
started (or will start) on its own: the chain's root. Then, with B the root's start, S its scheduled start and typ
the usual (model median) durations:
    lateness = E − deadline = (B − S) + Σ (span − typ) + (S + Σ typ − deadline)
- late_start: B − S when positive (job: the root);
- slow_run (the job itself) / predecessor (a job on its chain) / abended_predecessor (a failed job: its failed run,
  the operator's delay and the rerun): span − typ when positive;
- long_duration (job: the chain's longest usual run): what is left when the usual durations alone do not fit.
When those causes are more than the lateness (the plan had slack), they are scaled down to it. Minutes are rounded
to tenths with the largest-remainder method, so the list adds up exactly to the rounded lateness.

`hot`: HWA's hot list of a critical job, the jobs of its network that are failed, running for over 150 % of their
estimated duration (TWS's, else the model's median), or not started 120 s before their critical start (the latest
start that still meets the deadline at usual durations along the longest chain to the critical job).
"""

from __future__ import annotations

import math

import numpy as np

from resync_app.prediction.network import FAIL, RUN, WAIT, Simulation
from resync_app.prediction.types import (
    ABENDED_PREDECESSOR, LATE_START, LONG_DURATION, PREDECESSOR, SLOW_RUN, Why,
)

HOT_OVERRUN = 1.5
HOT_MARGIN_S = 120.0
NEIGHBOURS = 5  # scenarios on each side of the median one that the causes are averaged over
_EPS = 1e-6


def critical_chain(sim: Simulation, target: int, sample: int) -> list[int]:
    """The critical path of one scenario, from `target` back to its root."""
    chain = [target]
    cur = target
    while sim.kinds[cur] == WAIT and sim.preds[cur]:
        ps = sim.preds[cur]
        ends = sim.ends[ps, sample]
        best = int(np.argmax(ends))
        if ends[best] < sim.starts[cur, sample] - _EPS or ends[best] <= max(sim.sched[cur], 0.0) + _EPS:
            break
        cur = ps[best]
        chain.append(cur)
    return chain


def largest_remainder(values: list[float], total: float, step: float = 0.1) -> list[float]:
    """`values` rounded to multiples of `step` so that they add up to `total` rounded likewise."""
    units = [v / step for v in values]
    floors = [math.floor(u) for u in units]
    missing = int(round(total / step)) - sum(floors)
    order = sorted(range(len(units)), key=lambda i: units[i] - floors[i], reverse=True)
    for n in range(abs(missing)):
        i = order[n % len(order)] if missing > 0 else order[::-1][n % len(order)]
        floors[i] += 1 if missing > 0 else -1
    return [round(f * step, 10) for f in floors]


def _causes(sim: Simulation, target: int, sample: int) -> tuple[list[tuple[str, str, float]], list[int]]:
    """The positive causes (cause, job name, seconds) of one scenario, and its critical chain."""
    chain = critical_chain(sim, target, sample)
    root = chain[-1]
    node = sim.order[root]
    began = sim.starts[root, sample]
    if sim.kinds[root] == FAIL and math.isfinite(sim.began[root]):
        began = sim.began[root]  # the failed run's start: the failure, the wait and the rerun are its span
    parts: list[tuple[str, str, float]] = []
    if math.isfinite(sim.sched[root]) and began > sim.sched[root]:
        parts.append((LATE_START, node.name, began - sim.sched[root]))
    for j in chain:
        span = sim.ends[j, sample] - (began if j == root else sim.starts[j, sample])
        excess = span - sim.typical[j]
        if excess > 0:
            cause = ABENDED_PREDECESSOR if sim.kinds[j] == FAIL else SLOW_RUN if j == target else PREDECESSOR
            parts.append((cause, sim.order[j].name, excess))
    return parts, chain


def explain(sim: Simulation, target: int, ranked: np.ndarray, deadline_s: float) -> list[Why]:
    """The causes of the lateness of `target`'s median end (seconds from now); [] when on time. `ranked`: the
    sample indices ordered by the target's end. The causes are averaged over the NEIGHBOURS scenarios on each side
    of the median one (one rare draw, a hang, does not decide them alone)."""
    mid = (len(ranked) - 1) // 2
    lateness = sim.ends[target, ranked[mid]] - deadline_s
    if lateness <= 0:
        return []
    near = ranked[max(mid - NEIGHBOURS, 0):mid + NEIGHBOURS + 1]
    total: dict[tuple[str, str], float] = {}
    for sample in near:
        parts, _ = _causes(sim, target, int(sample))
        for cause, job, seconds in parts:
            total[(cause, job)] = total.get((cause, job), 0.0) + seconds / len(near)
    found = sum(total.values())
    if found < lateness:
        chain = critical_chain(sim, target, int(ranked[mid]))
        longest = sim.order[max(chain, key=lambda j: sim.typical[j])].name
        total[(LONG_DURATION, longest)] = total.get((LONG_DURATION, longest), 0.0) + lateness - found
    elif found > 0:
        total = {k: v * lateness / found for k, v in total.items()}
    keys = sorted(total, key=lambda k: -total[k])
    minutes = largest_remainder([total[k] / 60 for k in keys], lateness / 60)
    return [Why(c, j, m) for (c, j), m in zip(keys, minutes) if m > 0]


def hot_list(sim: Simulation, target: int, deadline_s: float) -> list[str]:
    """HWA's hot list for critical job `target`: names of the jobs of its network that need attention now."""
    network = {target}
    stack = [target]
    while stack:
        for p in sim.preds[stack.pop()]:
            if p not in network:
                network.add(p)
                stack.append(p)
    latest_start = {target: deadline_s - sim.typical[target]}
    for k in sorted(network, reverse=True):  # successors before predecessors
        if k not in latest_start:
            continue
        for p in sim.preds[k]:
            value = latest_start[k] - sim.typical[p]
            latest_start[p] = min(latest_start.get(p, value), value)
    hot = []
    for j in sorted(network):
        if j == target:
            continue
        node = sim.order[j]
        kind = sim.kinds[j]
        if kind == FAIL:
            hot.append(node.name)
        elif kind == RUN:
            expected = node.estimated_duration_s or sim.typical[j]
            if -sim.starts[j, 0] > HOT_OVERRUN * expected:
                hot.append(node.name)
        elif kind == WAIT and j in latest_start and 0.0 > latest_start[j] - HOT_MARGIN_S:
            hot.append(node.name)
    return hot
