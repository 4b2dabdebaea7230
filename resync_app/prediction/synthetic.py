"""Synthetic batch history that behaves like real jobs: the benchmark's sample and the simulator's durations.

Each job has a profile (`JobProfile`): a median duration, a log-normal spread, maybe a weekday effect (one weekday
slower), a month-end effect (the last days of the month slower), a slow drift (log-duration change per day) and a
rare hang (the run takes several times as long). Networks: a stream of jobs, each after one to `fan_in` earlier
jobs of the stream, all scheduled at the stream's start; the stream's last job is critical, sometimes another one
too. A stream occasionally starts late. Deadlines are set per critical job at the time of day its end stays under on
`1 − miss_share` of the days, so a realistic share of critical runs misses. Everything comes from one seed.
`generate(settings)` → the runs (history.Run) of `settings["days"]` days.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from resync_app.prediction.durations import is_month_end
from resync_app.prediction.history import Run

DEFAULTS: dict = {
    "seed": 1, "days": 60, "first_day": "2026-09-01", "streams": 12, "jobs_per_stream": [4, 9], "fan_in": 3,
    "workstations": ["CPU1", "CPU2", "AIX01", "LNX07"], "stream_start": ["00:30", "04:00"],
    "median_minutes": [3, 40], "sigma": [0.08, 0.35], "weekday_share": 0.35, "weekday_factor": [1.2, 1.7],
    "month_end_share": 0.3, "month_end_factor": [1.3, 2.2], "drift_share": 0.3, "drift_per_day": [-0.006, 0.012],
    "hang_probability": 0.01, "hang_factor": [3.0, 8.0], "late_start_probability": 0.06,
    "late_start_minutes": [10, 75], "launch_delay_s": [0, 45], "second_critical_share": 0.3, "miss_share": 0.15,
    "failure_probability": 0.0,
}


@dataclass(frozen=True)
class JobProfile:
    """How one job's durations behave (minutes; effects as factors on the duration)."""

    median_min: float
    sigma: float
    weekday: int | None = None
    weekday_factor: float = 1.0
    month_end_factor: float = 1.0
    drift_per_day: float = 0.0
    hang_probability: float = 0.0
    hang_factor: tuple[float, float] = (3.0, 8.0)

    def typical_min(self, day_index: int, on: date) -> float:
        value = self.median_min * math.exp(self.drift_per_day * day_index)
        if self.weekday is not None and on.weekday() == self.weekday:
            value *= self.weekday_factor
        if is_month_end(on):
            value *= self.month_end_factor
        return value

    def sample_s(self, day_index: int, on: date, rng: random.Random) -> float:
        """One run's duration in seconds on day `day_index` (date `on`)."""
        minutes = self.typical_min(day_index, on) * math.exp(rng.gauss(0.0, self.sigma))
        if rng.random() < self.hang_probability:
            minutes *= rng.uniform(*self.hang_factor)
        return max(minutes * 60.0, 1.0)


def random_profile(rng: random.Random, s: dict) -> JobProfile:
    low, high = s["median_minutes"]
    weekday = rng.randrange(7) if rng.random() < s["weekday_share"] else None
    return JobProfile(
        median_min=math.exp(rng.uniform(math.log(low), math.log(high))),
        sigma=rng.uniform(*s["sigma"]), weekday=weekday,
        weekday_factor=rng.uniform(*s["weekday_factor"]) if weekday is not None else 1.0,
        month_end_factor=rng.uniform(*s["month_end_factor"]) if rng.random() < s["month_end_share"] else 1.0,
        drift_per_day=rng.uniform(*s["drift_per_day"]) if rng.random() < s["drift_share"] else 0.0,
        hang_probability=s["hang_probability"], hang_factor=tuple(s["hang_factor"]))


@dataclass
class _Job:
    name: str
    stream: str
    workstation: str
    profile: JobProfile
    predecessors: list[str]
    critical: bool


def _streams(rng: random.Random, s: dict) -> list[tuple[str, time, list[_Job]]]:
    out = []
    first, last = (datetime.strptime(v, "%H:%M") for v in s["stream_start"])
    span = int((last - first).total_seconds() // 300)
    for n in range(s["streams"]):
        stream = f"STREAM{n + 1:02d}"
        size = rng.randint(*s["jobs_per_stream"])
        jobs: list[_Job] = []
        for k in range(size):
            name = f"{stream[6:]}_JOB{k + 1:02d}"
            preds = []
            if k:
                preds = [jobs[k - 1].name]  # a chain, with extra fan-in from earlier jobs
                extra = rng.randint(0, s["fan_in"] - 1)
                preds += rng.sample([j.name for j in jobs[:k - 1]], min(extra, k - 1))
            if k == 1 and rng.random() < 0.5:
                preds = []  # a second root: two branches that join later
            jobs.append(_Job(name, stream, rng.choice(s["workstations"]), random_profile(rng, s), preds, False))
        jobs[-1].critical = True
        if size >= 4 and rng.random() < s["second_critical_share"]:
            jobs[rng.randrange(2, size - 1)].critical = True
        at = (first + timedelta(minutes=5 * rng.randrange(span + 1))).time()
        out.append((stream, at, jobs))
    return out


def profiles(settings: dict | None = None) -> dict[tuple[str, str], JobProfile]:
    """The true duration profile of every job of the history `generate(settings)` draws, by (stream, job): what an
    estimator could at best know (bench/prediction_oracle.py)."""
    s = {**DEFAULTS, **(settings or {})}
    return {(stream, job.name): job.profile for stream, _, jobs in _streams(random.Random(s["seed"]), s)
            for job in jobs}


def generate(settings: dict | None = None) -> list[Run]:
    """The runs of `days` days (sorted by start), deadlines included (see the module docstring)."""
    s = {**DEFAULTS, **(settings or {})}
    rng = random.Random(s["seed"])
    streams = _streams(rng, s)
    first_day = date.fromisoformat(s["first_day"])
    raw: list[dict] = []
    for d in range(s["days"]):
        day = first_day + timedelta(days=d)
        midnight = datetime.combine(day, time(0), tzinfo=timezone.utc)
        for stream, at, jobs in streams:
            scheduled = datetime.combine(day, at, tzinfo=timezone.utc)
            late = rng.random() < s["late_start_probability"]
            stream_go = scheduled + timedelta(minutes=rng.uniform(*s["late_start_minutes"]) if late else 0)
            ends: dict[str, datetime] = {}
            for job in jobs:
                ready = max([stream_go] + [ends[p] for p in job.predecessors])
                start = ready + timedelta(seconds=rng.uniform(*s["launch_delay_s"]))
                duration = job.profile.sample_s(d, day, rng)
                status = "ABEND" if rng.random() < s["failure_probability"] else "SUCC"
                ends[job.name] = start + timedelta(seconds=duration)
                raw.append({"day": day, "job": job, "scheduled": scheduled, "start": start,
                            "end": ends[job.name], "status": status, "offset": ends[job.name] - midnight})
    deadlines: dict[tuple[str, str], timedelta] = {}
    for stream, _, jobs in streams:
        for job in (j for j in jobs if j.critical):
            offsets = sorted(r["offset"] for r in raw if r["job"] is job)
            cut = offsets[min(len(offsets) - 1, int(math.ceil((1 - s["miss_share"]) * len(offsets))) - 1)]
            deadlines[(stream, job.name)] = timedelta(minutes=5 * math.ceil(cut.total_seconds() / 300))
    runs = []
    for r in raw:
        job: _Job = r["job"]
        midnight = datetime.combine(r["day"], time(0), tzinfo=timezone.utc)
        deadline = midnight + deadlines[(job.stream, job.name)] if job.critical else None
        runs.append(Run(r["day"], job.name, job.stream, job.workstation, job.critical, deadline, r["scheduled"],
                        r["start"], r["end"], r["status"], tuple(job.predecessors)))
    return sorted(runs, key=lambda r: (r.start, r.job))
