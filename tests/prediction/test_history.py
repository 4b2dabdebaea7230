"""The outside history format round-trips; the replayed plan hides the future; the generator's misses."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from resync_app.prediction import history, synthetic

SMALL = {"seed": 5, "days": 8, "streams": 3}


def test_jsonl_round_trip(tmp_path):
    runs = synthetic.generate(SMALL)
    path = tmp_path / "h.jsonl"
    history.write(path, runs)
    assert history.read(path) == runs
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first) == ["day", "job", "job_stream", "workstation", "critical", "deadline", "scheduled_start",
                           "predecessors", "start", "end", "status"]


def test_a_bad_line_names_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = history.to_dict(synthetic.generate(SMALL)[0])
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "start": "2030-01-01T00:00:00"}) + "\n")
    with pytest.raises(ValueError, match=":2:"):
        history.read(path)


def test_plan_at_shows_only_what_was_known():
    runs = synthetic.generate(SMALL)
    day = history.by_day(runs)[runs[0].day]
    running = next(r for r in day if r.predecessors)
    now = running.start + (running.end - running.start) / 2
    nodes = {n.key: n for n in history.plan_at(day, now)}
    got = nodes[running.identity]
    assert got.status == "EXEC" and got.start == running.start and got.end is None
    for run in day:
        node = nodes[run.identity]
        if run.start > now:
            assert node.status == "HOLD" and node.start is None
        if run.end <= now:
            assert node.status == "SUCC" and node.end == run.end
    assert all(p in nodes for n in nodes.values() for p in n.predecessors)


def test_generator_is_deterministic_with_a_realistic_share_of_misses():
    runs = synthetic.generate({"seed": 9, "days": 40, "streams": 8})
    assert runs == synthetic.generate({"seed": 9, "days": 40, "streams": 8})
    critical = [r for r in runs if r.critical]
    assert 0.08 <= sum(r.end > r.deadline for r in critical) / len(critical) <= 0.25
    assert all(r.end > r.start for r in runs)
    ends = {(r.day, r.job): r.end for r in runs}
    assert all(r.start >= ends[(r.day, p)] for r in runs for p in r.predecessors)  # dependencies respected
    assert any(len(r.predecessors) >= 2 for r in runs)  # fan-in


def test_profile_effects():
    profile = synthetic.JobProfile(10.0, 0.1, weekday=0, weekday_factor=1.5, month_end_factor=2.0,
                                   drift_per_day=0.01)
    monday, tuesday = synthetic.date(2030, 3, 11), synthetic.date(2030, 3, 12)
    assert profile.typical_min(0, monday) == pytest.approx(15.0)
    assert profile.typical_min(0, tuesday) == pytest.approx(10.0)
    assert profile.typical_min(0, tuesday.replace(day=31)) == pytest.approx(20.0)
    assert profile.typical_min(10, tuesday) > profile.typical_min(0, tuesday)
    assert timedelta(seconds=profile.sample_s(0, tuesday, synthetic.random.Random(1))) > timedelta(0)
