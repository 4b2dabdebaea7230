"""Writes a synthetic history file for `bench.prediction` (resync_app/prediction/synthetic.py).

`python -m bench.prediction_history [--settings bench/fixtures/prediction-settings.json] [--seed N] [--days N]
[--out FILE.jsonl]`; the defaults rebuild bench/fixtures/prediction-history-60d.jsonl exactly (same seed, same
file). Tune on another seed (`--seed 101 --out /tmp/tune.jsonl`), report on the shipped file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from resync_app.prediction import history, synthetic

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "fixtures" / "prediction-settings.json"
OUT = HERE / "fixtures" / "prediction-history-60d.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prediction_history", description=__doc__.split("\n")[0])
    parser.add_argument("--settings", type=Path, default=SETTINGS)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    settings = json.loads(args.settings.read_text())
    settings.update({k: v for k, v in (("seed", args.seed), ("days", args.days)) if v is not None})
    runs = synthetic.generate(settings)
    history.write(args.out, runs)
    critical = [r for r in runs if r.critical]
    missed = sum(r.end > r.deadline for r in critical)
    print(f"{len(runs)} runs, {len(critical)} critical ({missed / max(len(critical), 1):.1%} missed) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
