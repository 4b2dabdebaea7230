"""Plan generation: job stream templates (what runs every day) and their instances for one day.

Deterministic for a seed. Streams start at a time of day (more at night: batch windows), hold 3-15 jobs on their
workstation (some elsewhere) chained by dependencies, a few depend on a job of an earlier stream. Some streams
end in a critical job with a deadline; its `criticalStart` and those of its ancestors come from the longest path
of estimated durations (latest start that still meets the deadline).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from resync_app.tws_simulator import names
from resync_app.tws_simulator.model import Job, Run, Stream, Workstation

DAY = 86400.0


def new_id(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from `rng`, so ids are the same for the same seed."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


@dataclass
class JobTemplate:
    name: str
    verb: str
    obj: str
    ws: int
    delay: float  # own start time after the stream's (0 for most)
    est: float
    preds: list[int] = field(default_factory=list)
    external: tuple[int, int] | None = None  # (stream template, job index) of an earlier stream
    critical: bool = False
    path: float = 0.0  # longest estimated path from the stream start to this job's end


@dataclass
class StreamTemplate:
    name: str
    ws: int
    at: float  # seconds after midnight
    deadline: float | None  # seconds after midnight (may exceed a day)
    jobs: list[JobTemplate]


def make_workstations(rng: random.Random, count: int) -> list[Workstation]:
    out = []
    for index, (name, type_, os_name) in enumerate(names.workstation_specs(max(2, count))):
        host_type = "MASTER" if name == "MASTER" else "WORKSTATION"
        out.append(Workstation(new_id(rng), name, type_, os_name, host_type, index))
    return out


def _start_of_stream(rng: random.Random) -> float:
    if rng.random() < 0.55:  # night batch window 18:00-06:00
        offset = rng.uniform(18 * 3600, 30 * 3600) % DAY
    else:
        offset = rng.uniform(6 * 3600, 18 * 3600)
    return float(int(offset // 300) * 300)  # on 5-minute marks


def _duration(rng: random.Random) -> float:
    return float(round(min(5400.0, max(15.0, rng.lognormvariate(math.log(180.0), 0.9)))))


def make_templates(rng: random.Random, total_jobs: int, workstations: int, critical_rate: float) -> list[StreamTemplate]:
    """Stream templates holding exactly `total_jobs` jobs."""
    used_streams: set[str] = set()
    agents = list(range(1, workstations)) or [0]  # MASTER (index 0) runs few streams
    templates: list[StreamTemplate] = []
    remaining = total_jobs
    while remaining > 0:
        size = min(remaining, rng.randint(3, 15))
        remaining -= size
        ws = rng.choice(agents) if rng.random() < 0.95 else 0
        at = _start_of_stream(rng)
        used_jobs: set[str] = set()
        jobs: list[JobTemplate] = []
        for i in range(size):
            name, verb, obj = names.job_name(rng, used_jobs)
            job_ws = ws if rng.random() < 0.8 else rng.choice(agents)
            delay = float(rng.randint(1, 8) * 900) if i and rng.random() < 0.05 else 0.0
            job = JobTemplate(name, verb, obj, job_ws, delay, _duration(rng))
            if i:
                roll = rng.random()
                if roll < 0.85:
                    job.preds.append(i - 1)
                elif roll < 0.93:
                    job.preds.append(rng.randrange(i))
                if job.preds and i > 1 and rng.random() < 0.2:
                    extra = rng.randrange(i)
                    if extra not in job.preds:
                        job.preds.append(extra)
            job.path = max([jobs[p].path for p in job.preds] + [job.delay]) + job.est
            jobs.append(job)
        if templates and rng.random() < 0.08:  # depends on the last job of an earlier stream
            for other in (rng.randrange(len(templates)) for _ in range(8)):
                if templates[other].at < at:
                    jobs[0].external = (other, len(templates[other].jobs) - 1)
                    break
        deadline = None
        longest = max(j.path for j in jobs)
        if rng.random() < critical_rate:  # this share of the streams ends in a critical job
            jobs[-1].critical = True
            deadline = at + longest * 1.6 + 900
        elif rng.random() < 0.3:
            deadline = at + longest * 2 + 1800
        templates.append(StreamTemplate(names.stream_name(rng, used_streams), ws, at, deadline, jobs))
    if critical_rate > 0 and not any(t.jobs[-1].critical for t in templates):
        chosen = templates[len(templates) // 2]  # a small plan still has one critical job
        chosen.jobs[-1].critical = True
        chosen.deadline = chosen.at + max(j.path for j in chosen.jobs) * 1.6 + 900
    return templates


class Counter:
    """The plan-wide job number (a new one for each run, as TWS numbers job runs)."""

    def __init__(self, start: int = 10000) -> None:
        self.value = start

    def next(self) -> int:
        self.value += 1
        return self.value


def instantiate(rng: random.Random, templates: list[StreamTemplate], workstations: list[Workstation],
                day: float, numbers: Counter, order_start: int) -> list[Stream]:
    """The day's instances of every template (new ids), with dependencies and critical path times."""
    streams: list[Stream] = []
    order = order_start
    for t_index, template in enumerate(templates):
        ws = workstations[template.ws]
        deadline = day + template.deadline if template.deadline is not None else None
        stream = Stream(new_id(rng), template.name, ws, day, day + template.at, deadline, t_index)
        for position, jt in enumerate(template.jobs):
            job = Job(new_id(rng), jt.name, stream, workstations[jt.ws], position + 1, stream.at + jt.delay, jt.est,
                      order)
            order += 1
            job.definition_id = new_id(rng)
            job.description = names.description(jt.verb, jt.obj)
            job.task = names.command(jt.verb, jt.obj, job.ws.os)
            job.critical = jt.critical
            job.deadline = deadline
            job.runs.append(Run(new_id(rng), numbers.next(), 1, False))
            stream.jobs.append(job)
        for jt, job in zip(template.jobs, stream.jobs):
            for p in jt.preds:
                _link(stream.jobs[p], job)
            if jt.external is not None:
                other_stream = streams[jt.external[0]]
                _link(other_stream.jobs[jt.external[1]], job)
        _critical_starts(stream)
        streams.append(stream)
    return streams


def _link(pred: Job, succ: Job) -> None:
    succ.preds.append(pred)
    pred.succs.append(succ)


def _critical_starts(stream: Stream) -> None:
    """criticalStart of each critical job (deadline − duration) and of its ancestors in the stream."""
    latest: dict[int, float] = {}
    for job in reversed(stream.jobs):
        if job.critical and job.deadline is not None:
            latest[id(job)] = job.deadline - job.est
        start = latest.get(id(job))
        if start is None:
            continue
        job.critical_start = start
        for pred in job.preds:
            if pred.stream is stream:
                candidate = start - pred.est
                latest[id(pred)] = min(latest.get(id(pred), candidate), candidate)
