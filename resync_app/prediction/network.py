"""Monte Carlo over a plan's dependency network, vectorised over the samples (numpy).

Times are seconds from `now`. Per node, in topological order (once), one array of `samples` ends:
- a finished job (success): its end, fixed; a cancelled job releases its successors at its end (or now);
- a failed job (ABEND, FAIL…) needs an operator: it is rerun OPERATOR_DELAY_S after it failed (or after now, if
  later) and takes a sampled duration;
- a running job: its start plus a duration sampled *given that it already ran for the elapsed time* (the model
  truncated below the elapsed time); past the model's 99.5th percentile it is overrunning and has, at median,
  OVERRUN_SHARE of its elapsed time still to go (log spread OVERRUN_SIGMA);
- a job not started: starts at the latest of its scheduled start, now and its predecessors' sampled ends, and runs
  a sampled duration; a job without predecessors and with past runs starts at its scheduled start plus a delay
  drawn from its past start delays (those longer than it has already waited; none left: now); the roots of one
  stream start (same stream, same scheduled start) draw the same rank of their delays in a scenario: a stream that
  starts late delays all its roots together (drawn apart, two roots made a late start twice as likely).
Durations are drawn as exp(μ + σ t₅) (a log-Student-t: the model's level and spread are estimates, and a few runs
stray further than a normal curve says), times the job's hang factor with its hang chance.
Jobs are processed level by level (level = longest chain of predecessors), a level's fan-in as one segmented max.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist

import numpy as np

from resync_app.prediction.durations import DurationModel
from resync_app.prediction.types import PlanNode
from resync_app.tws.statuses import CANCELLED, FAILED, RUNNING, SUCCESS, group

OPERATOR_DELAY_S = 1800.0
TAIL_DF = 5  # log durations: Student-t with 5 degrees of freedom around the model (heavier tails than normal)
OVERRUN_FROM = 0.995
OVERRUN_SHARE = 0.5
OVERRUN_SIGMA = 0.8
DONE, CANCEL, FAIL, RUN, WAIT = 0, 1, 2, 3, 4  # node kinds
_P = np.linspace(1e-6, 1 - 1e-6, 4001)
_Z = np.array([NormalDist().inv_cdf(float(p)) for p in _P])


def kind_of(node: PlanNode) -> int:
    found = group(node.status)
    if found == SUCCESS:
        return DONE
    if found == CANCELLED:
        return CANCEL
    if found == FAILED:
        return FAIL
    if found == RUNNING and node.start is not None:
        return RUN
    return WAIT


@dataclass
class Simulation:
    """The sampled network: row i of `starts`/`ends`/`durations` is node `order[i]` (seconds from now)."""

    order: list[PlanNode]
    index: dict[str, int]
    kinds: np.ndarray
    preds: list[list[int]]
    sched: np.ndarray  # scheduled start (s from now), -inf without one
    typical: np.ndarray  # model median duration (s)
    began: np.ndarray  # the actual start (s from now), nan when not started
    starts: np.ndarray
    ends: np.ndarray
    durations: np.ndarray


def topological(nodes: list[PlanNode]) -> tuple[list[PlanNode], list[list[int]], np.ndarray]:
    """The nodes in topological order, each one's predecessors (indices into that order) and its level.
    A dependency circle (not possible in a real plan) is cut: its nodes come last without those edges."""
    by_key = {n.key: n for n in nodes}
    pending = {n.key: sum(1 for p in n.predecessors if p in by_key) for n in nodes}
    succs: dict[str, list[str]] = {}
    for n in nodes:
        for p in n.predecessors:
            if p in by_key:
                succs.setdefault(p, []).append(n.key)
    ready = [k for k, c in pending.items() if c == 0]
    ordered: list[str] = []
    while ready:
        key = ready.pop()
        ordered.append(key)
        for s in succs.get(key, ()):
            pending[s] -= 1
            if pending[s] == 0:
                ready.append(s)
    seen = set(ordered)
    ordered += [n.key for n in nodes if n.key not in seen]
    index = {k: i for i, k in enumerate(ordered)}
    preds = [[index[p] for p in by_key[k].predecessors if p in index and index[p] < i] for i, k in enumerate(ordered)]
    level = np.zeros(len(ordered), dtype=np.int64)
    for i, ps in enumerate(preds):
        if ps:
            level[i] = 1 + max(level[p] for p in ps)
    return [by_key[k] for k in ordered], preds, level


def _seconds(moment: datetime | None, now: datetime, default: float) -> float:
    return (moment - now).total_seconds() if moment is not None else default


def simulate(nodes: list[PlanNode], models: dict[str, DurationModel], now: datetime, samples: int,
             rng: np.random.Generator, delays: dict[str, np.ndarray] | None = None) -> Simulation:
    """The sampled network; `delays`: past start delays (s) of jobs that start on their own, by key."""
    order, preds, level = topological(nodes)
    n = len(order)
    kinds = np.array([kind_of(x) for x in order], dtype=np.int64)
    mu = np.array([models[x.key].mu for x in order])
    sigma = np.array([models[x.key].sigma for x in order])
    sched = np.array([_seconds(x.scheduled_start, now, -np.inf) for x in order])
    started = np.array([_seconds(x.start, now, 0.0) for x in order])
    ended = np.array([min(_seconds(x.end, now, 0.0), 0.0) if x.end is not None else 0.0 for x in order])
    z = rng.standard_t(TAIL_DF, (n, samples))
    durations = np.exp(mu[:, None] + sigma[:, None] * z)
    hang_p = np.array([models[x.key].hang_p for x in order])
    hang_factor = np.array([models[x.key].hang_factor for x in order])
    durations *= np.where(rng.random((n, samples)) < hang_p[:, None], hang_factor[:, None], 1.0)
    starts = np.zeros((n, samples))
    ends = np.zeros((n, samples))

    done = np.flatnonzero((kinds == DONE) | (kinds == CANCEL))
    ends[done] = ended[done, None]
    starts[done] = np.where(kinds[done, None] == DONE, np.minimum(started[done, None], ended[done, None]),
                            ended[done, None])
    durations[done] = ends[done] - starts[done]
    failed = np.flatnonzero(kinds == FAIL)
    starts[failed] = np.maximum(ended[failed], 0.0)[:, None] + OPERATOR_DELAY_S
    ends[failed] = starts[failed] + durations[failed]
    running = np.flatnonzero(kinds == RUN)
    if len(running):
        elapsed = np.maximum(-started[running], 1.0)
        p0 = np.interp((np.log(elapsed) - mu[running]) / sigma[running], _Z, _P)
        u = rng.random((len(running), samples))
        cond = np.exp(mu[running, None] + sigma[running, None] * np.interp(p0[:, None] + u * (1 - p0[:, None]), _P, _Z))
        over = elapsed[:, None] * (1 + OVERRUN_SHARE * np.exp(OVERRUN_SIGMA * z[running]))
        cond = np.where(p0[:, None] >= OVERRUN_FROM, over, np.maximum(cond, elapsed[:, None]))
        durations[running] = cond
        starts[running] = started[running, None]
        ends[running] = starts[running] + cond

    waiting = np.flatnonzero(kinds == WAIT)
    base = np.maximum(sched, 0.0)
    ranks: dict[tuple, np.ndarray] = {}  # one rank per scenario for the roots of a stream start
    for lvl in np.unique(level[waiting]):
        members = waiting[level[waiting] == lvl]
        begin = np.repeat(base[members, None], samples, axis=1)
        for pos, i in enumerate(members):
            found = (delays or {}).get(order[i].key)
            if found is not None and len(found) and not preds[i] and np.isfinite(sched[i]):
                left = np.sort(found[found > -sched[i]])  # the delays longer than it has waited so far
                if len(left):
                    rank = ranks.setdefault((order[i].job_stream, sched[i]), rng.random(samples))
                    begin[pos] = np.maximum(sched[i] + left[(rank * len(left)).astype(np.int64)], 0.0)
        child, parent = [], []
        for pos, i in enumerate(members):
            for p in preds[i]:
                child.append(pos)
                parent.append(p)
        if parent:
            child_arr, parent_arr = np.array(child), np.array(parent)
            cuts = np.flatnonzero(np.r_[True, child_arr[1:] != child_arr[:-1]])
            latest = np.maximum.reduceat(ends[parent_arr], cuts, axis=0)
            rows = child_arr[cuts]
            begin[rows] = np.maximum(begin[rows], latest)
        starts[members] = begin
        ends[members] = begin + durations[members]
    began = np.array([_seconds(x.start, now, np.nan) for x in order])
    return Simulation(order, {x.key: i for i, x in enumerate(order)}, kinds, preds, sched, np.exp(mu), began,
                      starts, ends, durations)
