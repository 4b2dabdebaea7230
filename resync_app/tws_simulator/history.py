"""Past runs of a simulated plan (issue 17 §5): N days of history of the same job templates, drawn from the same
duration model as the live plan (`durations.py`), for the back-fill (`python -m resync_app.prediction.backfill`).

Each past day runs every stream template: a job starts when its stream's time (plus its own delay) has come and
its predecessors — in its stream, and the job of an earlier stream it may follow — have ended, a few seconds after
(launch latency). About `abend_rate` of the runs abend after part of their time and are rerun 10-45 min later
(a second run that succeeds). Pure and deterministic for a seed: ~45 000 runs (30 days of 1 500 jobs) in well
under a second.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Any

from resync_app.tws_simulator import durations
from resync_app.tws_simulator.build import StreamTemplate
from resync_app.tws_simulator.model import Workstation

DAY = 86400.0


def _run(key: str, job_id: str, number: int, status: str, start: float, end: float, rc: int) -> dict[str, Any]:
    return {"job_key": key[:400], "job_id": job_id, "run_number": number, "status": status,
            "start": datetime.fromtimestamp(start, timezone.utc), "end": datetime.fromtimestamp(end, timezone.utc),
            "duration_s": round(end - start, 1), "return_code": rc}


def past_runs(templates: list[StreamTemplate], workstations: list[Workstation], *, days: int, until: float,
              seed: int = 0, abend_rate: float = 0.03) -> list[dict[str, Any]]:
    """The runs of the `days` days before `until` (epoch seconds; rounded down to midnight UTC), oldest first."""
    rng = random.Random(seed * 15485863 + 11)
    last_day = until - (until % DAY)
    out: list[dict[str, Any]] = []
    for back in range(days, 0, -1):
        day = last_day - back * DAY
        stamp = datetime.fromtimestamp(day, timezone.utc).strftime("%Y%m%d")
        ends: list[list[float]] = []
        for t_index, template in enumerate(templates):
            stream_ends: list[float] = []
            for j_index, jt in enumerate(template.jobs):
                ready = day + template.at + jt.delay
                for p in jt.preds:
                    ready = max(ready, stream_ends[p])
                if jt.external is not None and jt.external[0] < len(ends):
                    ready = max(ready, ends[jt.external[0]][jt.external[1]])
                start = ready + rng.uniform(1.0, 20.0)
                identity = f"{template.name}.{jt.name}"
                key = f"{workstations[jt.ws].name}#{template.name}.{jt.name}"
                job_id = f"hist-{stamp}-{t_index}-{j_index}"
                if rng.random() < abend_rate:
                    failed_end = start + max(5.0, jt.est * rng.uniform(0.1, 0.9))
                    out.append(_run(key, job_id, 1, "ABEND", start, failed_end, rng.choice((1, 4, 8, 12, 255))))
                    start = failed_end + rng.uniform(600.0, 2700.0)
                    number = 2
                else:
                    number = 1
                end = start + durations.draw(rng, identity, jt.est, start)
                out.append(_run(key, job_id, number, "SUCC", start, end, 0))
                stream_ends.append(end)
            ends.append(stream_ends)
    return out
