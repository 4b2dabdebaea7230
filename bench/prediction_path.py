"""A second, informative reference for `bench.prediction`: HWA's critical-path method as the Dynamic Workload
Console describes it (the mean of past successful runs along one critical path, a normal curve), which Resync's
`detect.deadline_risk` (the contract's baseline) does not walk.

Per job, in topological order: μ and σ² of its past successful runs (else TWS's estimate, σ = μ/4); a finished job
ends when it ended; a running one at max(start + μ, now); a waiting one at max(now, scheduled start, its latest
predecessor's estimated end) + μ, carrying that predecessor's σ² along the path when it binds. confidence =
Φ((deadline − end) / max(σ, 60 s)); 80 % interval end ± 1.28 σ; risk by detect's thresholds.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

from resync_app.prediction import PastRun, PlanNode
from resync_app.prediction.network import CANCEL, DONE, FAIL, RUN, kind_of, topological
from resync_app.prediction.types import key_of, risk_of
from resync_app.tws.detect import DEFAULT_SPREAD_SHARE, MIN_SPREAD_S, normal_cdf

Z80 = 1.2816


def _moments(node: PlanNode, runs: list[PastRun]) -> tuple[float, float]:
    durations = [(r.end - r.start).total_seconds() for r in runs if r.status == "SUCC"]
    mean = statistics.fmean(durations) if durations else (node.estimated_duration_s or 0.0)
    spread = statistics.stdev(durations) if len(durations) >= 2 else DEFAULT_SPREAD_SHARE * mean
    return mean, spread * spread


def estimate(nodes: list[PlanNode], history: dict[str, list[PastRun]], now: datetime) -> dict[str, tuple]:
    """(end, low, high, confidence, risk) of each critical job with a deadline, by key."""
    order, preds, _ = topological(nodes)
    ends: list[datetime] = []
    variances: list[float] = []
    out = {}
    for i, node in enumerate(order):
        kind = kind_of(node)
        mean, var = _moments(node, history.get(key_of(node), []))
        if kind in (DONE, CANCEL, FAIL):
            end, var = node.end or now, 0.0
        elif kind == RUN:
            end = max(node.start + timedelta(seconds=mean), now)
        else:
            begin = max(now, node.scheduled_start) if node.scheduled_start is not None else now
            if preds[i]:
                latest = max(preds[i], key=lambda p: ends[p])
                if ends[latest] > begin:
                    begin, var = ends[latest], var + variances[latest]
            end = begin + timedelta(seconds=mean)
        ends.append(end)
        variances.append(var)
        if node.critical and node.deadline is not None:
            sigma = max(math.sqrt(var), MIN_SPREAD_S)
            if kind == DONE:
                confidence = 1.0 if end <= node.deadline else 0.0
            elif kind == FAIL:
                confidence = 0.0
            else:
                confidence = round(normal_cdf((node.deadline - end).total_seconds() / sigma), 3)
            half = timedelta(seconds=Z80 * sigma)
            out[node.key] = (end, end - half, end + half, confidence, risk_of(confidence))
    return out
