"""The duration model on small histories with known answers."""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import pytest

from resync_app.prediction import durations, predict
from tests.prediction.helpers import NOW, hist_key, node, runs


@pytest.fixture(autouse=True)
def _fresh_cache():
    durations.clear_cache()


def test_constant_duration_gives_the_exact_end_and_a_tight_interval():
    history = {hist_key("A"): runs([30.0] * 20)}
    got = predict([node("A", critical=True, deadline=NOW + timedelta(hours=1))], history, NOW)["A"]
    assert abs((got.estimated_end - (NOW + timedelta(minutes=30))).total_seconds()) < 5
    assert (got.high - got.low) < timedelta(minutes=3)
    assert got.confidence >= 0.99 and got.risk == "normal"  # only a hang (a small learnt chance) would miss


def test_drift_follows_the_recent_runs_better_than_the_mean():
    minutes = [20 + 20 * i / 29 for i in range(30)]  # 20 → 40 min over 30 days
    model = durations.fit(runs(minutes), NOW)
    latest, mean = minutes[-1], statistics.fmean(minutes)
    assert abs(model.median_s / 60 - latest) < abs(mean - latest) / 2


def test_one_hang_does_not_move_the_estimate():
    minutes = [30.0 + (i % 3) for i in range(20)] + [300.0]  # yesterday's run hung for 5 hours
    model = durations.fit(runs(minutes), NOW)
    assert abs(model.median_s / 60 - 31) < 1.5
    assert model.sigma < 0.1


def test_weekday_effect_when_the_history_supports_it():
    history = runs([60.0 if (NOW - timedelta(days=age)).weekday() == 0 else 30.0 for age in range(56, 0, -1)])
    monday = NOW - timedelta(days=1)  # NOW is a Tuesday
    assert durations.fit(history, monday).median_s / 60 > 50
    assert abs(durations.fit(history, NOW).median_s / 60 - 30) < 2


def test_month_end_effect():
    month_end_days = []
    history = []
    for age in range(70, 0, -1):
        start = NOW - timedelta(days=age)
        slow = durations.is_month_end(start)
        month_end_days += [start] if slow else []
        history += runs([45.0 if slow else 30.0], last_day=start + timedelta(days=1))
    on = NOW.replace(day=31)  # March 31st
    assert durations.is_month_end(on) and len(month_end_days) >= 2
    assert durations.fit(history, on).median_s / 60 > 40
    assert abs(durations.fit(history, NOW).median_s / 60 - 30) < 2


def test_fallbacks_without_history():
    assert durations.fit([], NOW, tws_estimate_s=900).median_s == 900
    assert durations.fit([], NOW, stream_estimate_s=1200).source == "stream"
    default = durations.fit([], NOW)
    assert default.source == "default" and default.median_s == durations.DEFAULT_S


def test_failed_runs_are_not_durations():
    history = runs([30.0] * 10)
    start = NOW - timedelta(hours=5)
    history.append(type(history[0])(start, start + timedelta(minutes=1), "ABEND"))
    assert abs(durations.fit(history, NOW).median_s - 1800) < 1


def test_a_running_job_past_its_usual_duration_ends_later_than_start_plus_median():
    history = {hist_key("A"): runs([30.0 + (i % 5) for i in range(20)])}
    start = NOW - timedelta(minutes=40)
    got = predict([node("A", critical=True, deadline=NOW + timedelta(hours=2), status="EXEC", start=start)],
                  history, NOW)["A"]
    assert got.estimated_end > NOW
    assert got.low >= NOW
    assert got.estimated_end > start + timedelta(minutes=32)


def test_a_running_job_within_its_usual_duration_is_conditioned_on_elapsed_time():
    history = {hist_key("A"): runs([30.0 * math.exp(0.2 * ((i % 5) - 2)) for i in range(20)])}
    start = NOW - timedelta(minutes=25)
    got = predict([node("A", critical=True, status="EXEC", start=start)], history, NOW)["A"]
    assert got.low >= NOW  # no scenario ends in the past
    assert got.estimated_end > start + timedelta(minutes=30)


def test_a_month_end_never_seen_is_expected_a_little_slower_and_less_sure():
    history = runs([30.0] * 20)  # the 20 days before March 12th, month-end days (February 27th, 28th) left out
    history = [r for r in history if not durations.is_month_end(r.start)]
    on = NOW.replace(day=31)
    usual, month_end = durations.fit(history, NOW), durations.fit(history, on)
    assert month_end.median_s / usual.median_s == pytest.approx(math.exp(durations.MONTH_END_UNKNOWN_SHIFT), rel=0.02)
    assert month_end.sigma > usual.sigma + 0.1
