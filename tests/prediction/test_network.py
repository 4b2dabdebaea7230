"""The Monte Carlo over the network: fan-in, finished and failed jobs, which jobs get an estimate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resync_app.prediction import durations, predict
from resync_app.prediction.types import NORMAL_FROM, POTENTIAL_FROM, risk_of
from resync_app.tws import detect
from tests.prediction.helpers import NOW, hist_key, node, runs

UNCERTAIN = [60.0 * (1.35 if i % 2 else 0.74) for i in range(30)]  # a wide spread around 60 min


@pytest.fixture(autouse=True)
def _fresh_cache():
    durations.clear_cache()


def _history() -> dict:
    return {hist_key(k): runs(UNCERTAIN if k in ("A", "B") else [10.0] * 30) for k in ("A", "B", "C")}


def test_fan_in_of_two_uncertain_branches_misses_more_often_than_either_path():
    deadline = NOW + timedelta(minutes=75)
    confidence = {}
    for preds in (["A"], ["B"], ["A", "B"]):
        plan = [node("A"), node("B"), node("C", preds=preds, critical=True, deadline=deadline)]
        confidence[tuple(preds)] = predict(plan, _history(), NOW, samples=2000)["C"].confidence
    assert confidence[("A", "B")] < confidence[("A",)] - 0.1
    assert confidence[("A", "B")] < confidence[("B",)] - 0.1


def test_a_job_waits_for_its_predecessors_and_its_scheduled_start():
    plan = [node("A"), node("C", preds=["A"], critical=True, scheduled=NOW + timedelta(hours=3))]
    got = predict(plan, _history(), NOW)
    assert got["C"].low >= NOW + timedelta(hours=3, minutes=9)
    plan = [node("A"), node("C", preds=["A"], critical=True)]
    got = predict(plan, _history(), NOW)
    assert got["C"].estimated_end > got["A"].estimated_end + timedelta(minutes=9)


def test_finished_jobs_are_fixed_and_only_critical_networks_are_estimated():
    end = NOW - timedelta(minutes=5)
    plan = [node("A", status="SUCC", start=NOW - timedelta(hours=1), end=end), node("B"),
            node("C", preds=["A"], critical=True, deadline=NOW + timedelta(hours=1))]
    got = predict(plan, _history(), NOW)
    assert set(got) == {"A", "C"}  # B is on no critical network
    assert got["A"].estimated_end == got["A"].low == got["A"].high == end
    assert got["A"].risk == "" and got["A"].confidence is None
    assert got["C"].low >= NOW


def test_an_abended_predecessor_waits_for_an_operator_and_a_rerun():
    failed = node("A", status="ABEND", start=NOW - timedelta(minutes=20), end=NOW - timedelta(minutes=10))
    plan = [failed, node("C", preds=["A"], critical=True, deadline=NOW + timedelta(minutes=60))]
    got = predict(plan, _history(), NOW)["C"]
    assert got.estimated_end > NOW + timedelta(minutes=20 + 60)  # the operator's delay, the rerun, then C
    assert got.risk == "high"
    assert got.why[0].cause == "abended_predecessor" and got.why[0].job == "A"
    assert "A" in got.hot


def test_the_same_seed_gives_the_same_answer():
    plan = [node("A"), node("B"), node("C", preds=["A", "B"], critical=True, deadline=NOW + timedelta(minutes=75))]
    assert predict(plan, _history(), NOW, seed=3) == predict(plan, _history(), NOW, seed=3)


def test_risk_thresholds_are_detects():
    assert (NORMAL_FROM, POTENTIAL_FROM) == (detect.NORMAL_FROM, detect.POTENTIAL_FROM)
    assert [risk_of(c) for c in (0.8, 0.79, 0.5, 0.49, None)] == ["normal", "potential", "potential", "high", ""]


def test_a_job_that_usually_starts_late_is_expected_late():
    scheduled = NOW + timedelta(hours=1)
    history = {hist_key("A"): [type(r)(r.start + timedelta(hours=1, minutes=20), r.end + timedelta(hours=1, minutes=20),
                                       "SUCC") for r in runs([10.0] * 20)]}  # started 20 min after 04:00 every day
    got = predict([node("A", critical=True, scheduled=scheduled)], history, NOW)["A"]
    assert abs((got.estimated_end - (scheduled + timedelta(minutes=30))).total_seconds()) < 30
    history = {hist_key("A"): runs([10.0] * 20)}  # started on time: no delay
    got = predict([node("A", critical=True, scheduled=scheduled)], history, NOW)["A"]
    assert abs((got.estimated_end - (scheduled + timedelta(minutes=10))).total_seconds()) < 30


def test_the_roots_of_a_stream_that_starts_late_are_late_together():
    scheduled = NOW + timedelta(hours=1)

    def late_on_days(late: set[int]) -> list:
        out = []
        for day, r in enumerate(runs([10.0] * 20)):
            shift = timedelta(hours=1, minutes=60 if day in late else 0)  # 04:00, or an hour late
            out.append(type(r)(r.start + shift, r.end + shift, "SUCC"))
        return out

    history = {hist_key(k): late_on_days({4, 14}) for k in ("A", "B", "C")}  # the stream was late on 2 days of 20
    plan = [node("A", scheduled=scheduled), node("B", scheduled=scheduled),
            node("C", preds=["A", "B"], critical=True, deadline=scheduled + timedelta(minutes=40),
                 scheduled=scheduled)]
    got = predict(plan, history, NOW, samples=4000)["C"]
    # a late stream start (1 in 10) delays A and B together; drawn apart, 1 − 0.9² = 0.19 would miss
    assert 0.07 < 1 - got.confidence < 0.15
