"""`python -m bench.prediction` on a tiny history: the §13 object's shape and values in range (no timing)."""

from __future__ import annotations

import json

from bench import prediction as bench_prediction
from resync_app.prediction import history, synthetic

KEYS = {"mae_min", "coverage80", "brier", "flagged_ahead", "false_high"}


def test_bench_smoke_on_a_tiny_history(tmp_path, capsys):
    path = tmp_path / "tiny.jsonl"
    history.write(path, synthetic.generate({"seed": 3, "days": 6, "streams": 3}))
    code = bench_prediction.main(["--history", str(path), "--json", "--warmup-days", "3", "--samples", "100",
                                  "--plan-jobs", "200", "--no-write"])
    assert code in (0, 1)
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"estimator", "baseline", "points", "recompute_s"}
    assert result["points"] > 0 and result["recompute_s"] >= 0
    for side in ("estimator", "baseline"):
        figures = result[side]
        assert set(figures) == KEYS
        assert figures["mae_min"] >= 0
        assert 0 <= figures["coverage80"] <= 1 and 0 <= figures["brier"] <= 1
        assert figures["flagged_ahead"] is None or 0 <= figures["flagged_ahead"] <= 1
        assert 0 <= figures["false_high"] <= 1


def test_bench_refuses_a_missing_file(tmp_path, capsys):
    assert bench_prediction.main(["--history", str(tmp_path / "none.jsonl"), "--no-write"]) == 2
    assert "none.jsonl" in capsys.readouterr().err


def test_the_oracle_knows_the_true_profiles(tmp_path):
    settings = {"seed": 3, "days": 6, "streams": 3}
    path = tmp_path / "tiny.jsonl"
    history.write(path, synthetic.generate(settings))
    result, details = bench_prediction.run(path, warmup_days=3, samples=100, plan_jobs=0, oracle_settings=settings)
    truth = details["oracle"]
    assert truth["mae_min"] >= 0 and 0 <= truth["coverage80"] <= 1 and 0 <= truth["brier"] <= 1
    assert [row["p_miss_from"] for row in details["high_threshold_curve"]["oracle"]][0] == 0.3
    profiles = synthetic.profiles(settings)
    assert {stream for stream, _ in profiles} == {"STREAM01", "STREAM02", "STREAM03"}


def test_the_profiles_are_those_the_history_was_drawn_from():
    import math
    from datetime import date

    settings = {"seed": 5, "days": 60, "streams": 2, "hang_probability": 0.0}
    profiles = synthetic.profiles(settings)
    first = date.fromisoformat(synthetic.DEFAULTS["first_day"])
    residuals: dict[tuple[str, str], list[float]] = {}
    for run in synthetic.generate(settings):
        profile = profiles[(run.job_stream, run.job)]
        typical_s = profile.typical_min((run.day - first).days, run.day) * 60
        residuals.setdefault((run.job_stream, run.job), []).append(
            math.log((run.end - run.start).total_seconds() / typical_s))
    for key, values in residuals.items():
        mean = sum(values) / len(values)
        spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
        assert abs(mean) < 0.15 and 0.6 < spread / profiles[key].sigma < 1.4, key
