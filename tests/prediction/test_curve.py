"""bench/prediction_curve.py: the `high` threshold's trade-off on hand-made prediction points."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bench import prediction as bench_prediction
from bench import prediction_curve
from resync_app.prediction.types import risk_of

DEADLINE = datetime(2026, 9, 15, 6, 0, tzinfo=timezone.utc)


def _point(run: str, minutes_before: int, confidence: float, missed: bool) -> dict:
    now = DEADLINE - timedelta(minutes=minutes_before)
    return {"run": run, "now": now, "deadline": DEADLINE, "missed": missed, "confidence": confidence,
            "risk": risk_of(confidence), "end": now, "low": now, "high": now, "actual": now}


POINTS = [
    _point("a", 60, 0.35, True),  # P(miss) 0.65, an hour ahead: a miss flagged early at any threshold ≤ 0.65
    _point("b", 60, 0.58, True), _point("b", 10, 0.2, True),  # P(miss) 0.42 early, 0.8 late
    _point("c", 40, 0.55, False),  # P(miss) 0.45 on a run that met its deadline
    _point("d", -5, 0.0, True),
    _point("e", 50, 0.5, False),  # P(miss) exactly 0.5: `potential` for risk_of, so not high at 0.5  # after the deadline: counts per point, not before the deadline
]


def test_a_lower_threshold_flags_more_misses_ahead_and_more_false_ones():
    strict, loose = prediction_curve.at_threshold(POINTS, 0.5), prediction_curve.at_threshold(POINTS, 0.4)
    assert strict["flagged_ahead"] == round(1 / 3, 3)  # a only (b is 0.42 an hour ahead, 0.8 ten minutes before)
    assert strict["flagged_before_deadline"] == round(2 / 3, 3)
    assert strict["false_high"] == 0.0 and strict["false_high_runs"] == 0.0 and strict["high_points"] == 3
    assert loose["flagged_ahead"] == round(2 / 3, 3)  # a and b
    assert loose["false_high"] == round(2 / 6, 3)  # c and e among 6 high points
    assert loose["false_high_before_deadline"] == 0.4  # c and e among the 5 before the deadline
    assert loose["false_high_runs"] == 0.4  # c and e among a, b, c, d, e


def test_at_the_risk_threshold_the_curve_agrees_with_the_scores():
    point = prediction_curve.at_threshold(POINTS, 0.5)
    scored = bench_prediction.score(POINTS)
    assert (point["flagged_ahead"], point["false_high"]) == (scored["flagged_ahead"], scored["false_high"])


def test_the_table_has_a_row_per_threshold():
    rows = prediction_curve.curve(POINTS)
    assert [r["p_miss_from"] for r in rows] == list(prediction_curve.THRESHOLDS)
    assert prediction_curve.table(rows).count("\n") == len(rows) + 1
