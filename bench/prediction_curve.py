"""The `high` threshold's trade-off: for each P(miss) threshold t (a prediction is `high` when P(miss) > t, i.e.
confidence < 1 − t, as risk_of does at 0.5), the share of misses flagged ≥ 30 min ahead against the false `high` flags, counted both ways
the results use: per prediction (`false_high`, and `false_high_before_deadline` without the predictions made once
the deadline had passed) and per critical run (`false_high_runs`: the runs ever flagged that met their deadline).

The estimator's `risk` uses one of these thresholds (types.HIGH_FROM_MISS); this curve shows the choice.
"""

from __future__ import annotations

from datetime import timedelta

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
AHEAD = timedelta(minutes=30)


def at_threshold(points: list[dict], threshold: float) -> dict[str, float | None]:
    """The flag figures if `high` meant P(miss) > `threshold` (points without a confidence never flag)."""
    below = round(1 - threshold, 6)
    high = [p for p in points if p["confidence"] is not None and p["confidence"] < below]
    missed = {p["run"] for p in points if p["missed"]}
    ahead = {p["run"] for p in high if p["now"] <= p["deadline"] - AHEAD}
    before = [p for p in high if p["now"] < p["deadline"]]
    flagged = {p["run"] for p in high}
    share = lambda part, whole: round(part / whole, 3) if whole else None  # noqa: E731
    return {"p_miss_from": threshold,
            "flagged_ahead": share(len(ahead & missed), len(missed)),
            "flagged_before_deadline": share(len({p["run"] for p in before} & missed), len(missed)),
            "false_high": share(sum(not p["missed"] for p in high), len(high)),
            "false_high_before_deadline": share(sum(not p["missed"] for p in before), len(before)),
            "false_high_runs": share(len(flagged - missed), len(flagged)),
            "high_points": len(high)}


def curve(points: list[dict], thresholds: tuple[float, ...] = THRESHOLDS) -> list[dict]:
    return [at_threshold(points, t) for t in thresholds]


def table(rows: list[dict]) -> str:
    """A Markdown table of a curve (the one docs/prediction.md shows)."""
    head = ("| high when P(miss) > | flagged ≥ 30 min ahead | flagged before deadline | false high (points) | "
            "false high (points before deadline) | false high (runs) |\n|---|---|---|---|---|---|")
    lines = [f"| {r['p_miss_from']} | {r['flagged_ahead']} | {r['flagged_before_deadline']} | {r['false_high']} | "
             f"{r['false_high_before_deadline']} | {r['false_high_runs']} |" for r in rows]
    return "\n".join([head, *lines])
