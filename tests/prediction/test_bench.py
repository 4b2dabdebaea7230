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
