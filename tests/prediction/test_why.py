"""Why, in minutes that add up to the predicted lateness, and HWA's hot list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resync_app.prediction import CAUSES, durations, predict
from resync_app.prediction.why import largest_remainder
from tests.prediction.helpers import NOW, hist_key, node, runs


@pytest.fixture(autouse=True)
def _fresh_cache():
    durations.clear_cache()


def _lateness(estimate, deadline) -> float:
    return round((estimate.estimated_end - deadline).total_seconds() / 60, 1)


def test_why_minutes_add_up_to_the_lateness():
    history = {hist_key(k): runs([30.0 + (i % 3) for i in range(20)]) for k in ("A", "B", "C")}
    deadline = NOW + timedelta(minutes=50)
    plan = [node("A", status="EXEC", start=NOW - timedelta(minutes=40), scheduled=NOW - timedelta(minutes=50)),
            node("B", preds=["A"], scheduled=NOW - timedelta(minutes=50)),
            node("C", preds=["B"], critical=True, deadline=deadline, scheduled=NOW - timedelta(minutes=50))]
    got = predict(plan, history, NOW)["C"]
    late = _lateness(got, deadline)
    assert late > 30
    assert round(sum(w.minutes for w in got.why), 1) == late
    causes = {(w.cause, w.job): w.minutes for w in got.why}
    assert {cause for cause, _ in causes} <= set(CAUSES)
    assert causes[("late_start", "A")] > 0  # A started 10 min late
    assert causes[("predecessor", "A")] > causes[("late_start", "A")]  # and has run 40 of its usual 31 minutes
    assert got.why[0].cause == "predecessor" and got.why[0].job == "A"


def test_long_duration_when_the_usual_runs_do_not_fit():
    history = {hist_key(k): runs([30.0] * 20) for k in ("A", "C")}
    deadline = NOW + timedelta(minutes=45)
    plan = [node("A"), node("C", preds=["A"], critical=True, deadline=deadline)]
    got = predict(plan, history, NOW)["C"]
    assert 14 < _lateness(got, deadline) < 16
    assert got.why[0].cause == "long_duration" and got.why[0].minutes >= 0.9 * _lateness(got, deadline)
    assert round(sum(w.minutes for w in got.why), 1) == _lateness(got, deadline)


def test_why_names_a_slow_predecessor():
    history = {hist_key(k): runs([20.0 + (i % 3) for i in range(20)]) for k in ("A", "C")}
    deadline = NOW + timedelta(minutes=35)
    plan = [node("A", status="EXEC", start=NOW - timedelta(minutes=50), scheduled=NOW - timedelta(minutes=50)),
            node("C", preds=["A"], critical=True, deadline=deadline, scheduled=NOW - timedelta(minutes=50))]
    got = predict(plan, history, NOW)["C"]
    late = _lateness(got, deadline)
    assert late > 0
    assert round(sum(w.minutes for w in got.why), 1) == late
    assert got.why[0].cause == "predecessor" and got.why[0].job == "A"


def test_no_why_when_on_time():
    history = {hist_key("C"): runs([10.0] * 20)}
    got = predict([node("C", critical=True, deadline=NOW + timedelta(hours=2))], history, NOW)["C"]
    assert got.why == []


def test_largest_remainder_keeps_the_total():
    parts = largest_remainder([1.04, 2.03, 3.03], 6.1)
    assert round(sum(parts), 1) == 6.1 and all(abs(a - b) <= 0.1 for a, b in zip(parts, [1.04, 2.03, 3.03]))
    assert round(sum(largest_remainder([1 / 3] * 3, 1.0)), 1) == 1.0


def test_hot_list_rules():
    history = {hist_key(k): runs([20.0] * 20) for k in ("RUNLONG", "RUNOK", "LATE", "X", "EARLY", "C")}
    history[hist_key("EDGE")] = runs([29.0] * 20)
    deadline = NOW + timedelta(minutes=50)
    plan = [
        node("RUNLONG", status="EXEC", start=NOW - timedelta(minutes=31), estimate_s=20 * 60),  # > 150 % of 20 min
        node("RUNOK", status="EXEC", start=NOW - timedelta(minutes=29), estimate_s=20 * 60),  # < 150 %
        node("LATE"),  # critical start: 50 − 20 (C) − 20 (X) − 20 (LATE) = now − 10 min: not started → hot
        node("X", preds=["LATE"]),  # critical start now + 10 min: not hot
        node("EARLY"),  # critical start: now + 10 min, more than 120 s away → not hot
        node("EDGE"),  # critical start: 50 − 20 − 29 = now + 1 min, within 120 s → hot
        node("C", preds=["RUNLONG", "RUNOK", "X", "EARLY", "EDGE"], critical=True, deadline=deadline),
    ]
    got = predict(plan, history, NOW)["C"]
    assert sorted(got.hot) == ["EDGE", "LATE", "RUNLONG"]
