"""The simulated plan and its state machine on a virtual clock.

A job's current run moves HOLD (waiting for its predecessors or its start time) → READY (launch pending) →
EXEC → SUCC | ABEND; WAIT when its workstation is unlinked, stopped or offline at launch; HOLD with substatus
HOLD_PRIORITY_ZERO when an operator holds it; CANCL when cancelled (its successors are then released, as in
TWS). A rerun adds a new run (new id and job number) that starts at once. Everything happens through a heap of
timed events, so advancing the clock by an hour over 50 000 jobs costs only the events in that hour.

Outcomes are drawn at launch from the rates (abend, stuck = runs forever, late = waits 30-120 min before
launching and runs 1.5-3× longer), unless a test scripted the job. Workstations flap (unlink for 2-15 min) at
`flap` unlinks per workstation per hour. At 23:00 each day the next day's instances are added and the finished
streams of two days ago are removed (JnextPlan).

All methods expect the caller to hold `self.lock` (the Simulator and the HTTP handlers do).

The job actions (hold, release, cancel, rerun, scripted outcomes) are mixed in from `plan_actions.py`, the
extended statuses from `lifecycle.py`.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from dataclasses import dataclass

from resync_app.tws_simulator import build, durations, quirks
from resync_app.tws_simulator.behaviours import Behaviours
from resync_app.tws_simulator.lifecycle import EXTENDED_OUTCOMES, SCRIPTED, ExtendedLifecycle
from resync_app.tws_simulator.model import ABEND_CODES, FINAL, Job, Run, Stream, Workstation
from resync_app.tws_simulator.plan_actions import PlanActions

DAY = build.DAY
EXTEND_BEFORE = 3600.0  # the next day is planned at 23:00


@dataclass
class Rates:
    abend: float = 0.03
    stuck: float = 0.004
    late: float = 0.02
    flap: float = 0.04  # unlinks per workstation per virtual hour


class Plan(ExtendedLifecycle, PlanActions):
    def __init__(self, *, jobs: int, seed: int, start: float, workstations: int | None = None,
                 critical_rate: float = 0.05, rates: Rates | None = None,
                 behaviours: Behaviours | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.rates = rates or Rates()
        self.behaviours = behaviours or Behaviours()
        self.build_rng = random.Random(seed)
        self.rng = random.Random(seed * 7919 + 1)
        self.duration_rng = random.Random(seed * 104729 + 3)  # its own: the outcome draws keep their sequence
        self.engine_id = build.new_id(self.build_rng)
        self.plan_id = build.new_id(self.build_rng)
        ws_count = workstations or max(6, min(40, jobs // 150 + 4))
        self.workstations = build.make_workstations(self.build_rng, ws_count)
        self.templates = build.make_templates(self.build_rng, jobs, len(self.workstations), critical_rate)
        self.numbers = build.Counter()
        self.version = 0  # bumped on every change (query caches key on it)
        self.structure = 0  # bumped when jobs are added or removed
        self._heap: list[tuple[float, int, str, object, int]] = []
        self._seq = itertools.count()
        self._order = 0
        self._waiting: dict[int, set[Job]] = {w.index: set() for w in self.workstations}
        self.streams: list[Stream] = []
        self.jobs: list[Job] = []
        self.job_by_id: dict[str, Job] = {}
        self.run_by_id: dict[str, tuple[Job, Run]] = {}
        self.stream_by_id: dict[str, Stream] = {}
        self.ws_by_id = {w.id: w for w in self.workstations}
        self.ws_by_name = {w.name: w for w in self.workstations}
        self.quirks = quirks.prepare(self.behaviours, seed, self.templates, self.workstations)
        day = start - (start % DAY)
        self.now = day
        self.last_day = day
        self._add_day(day)
        self._schedule(day + DAY - EXTEND_BEFORE, "extend", None)
        for ws in self.workstations:
            self._schedule_flap(ws)
        self.advance_to(start)

    # ---- clock ------------------------------------------------------------------------------------------------

    def advance_to(self, t: float) -> int:
        """Move the clock to `t`, running every event due on the way; returns how many ran."""
        ran = 0
        while self._heap and self._heap[0][0] <= t:
            when, _, kind, obj, token = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            getattr(self, f"_on_{kind}")(obj, token)
            ran += 1
        self.now = max(self.now, t)
        return ran

    def next_event_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def _schedule(self, when: float, kind: str, obj: object, token: int = 0) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), kind, obj, token))

    # ---- plan structure ---------------------------------------------------------------------------------------

    def _add_day(self, day: float) -> None:
        streams = build.instantiate(self.build_rng, self.templates, self.workstations, day, self.numbers, self._order)
        quirks.apply_to_day(self.quirks, self.behaviours, streams)
        for stream in streams:
            self.streams.append(stream)
            self.stream_by_id[stream.id] = stream
            for job in stream.jobs:
                self._order += 1
                self.jobs.append(job)
                self.job_by_id[job.id] = job
                self.run_by_id[job.run.id] = (job, job.run)
                self._schedule(job.at, "time", job)
                if job.deadline is not None:
                    self._schedule(job.deadline, "deadline", job)
        for stream in streams:
            for job in stream.jobs:
                self._evaluate(job)
        self.structure += 1
        self.version += 1

    def _on_extend(self, _obj: object, _token: int) -> None:
        """23:00: plan tomorrow; drop the finished streams of two days ago (unfinished ones are carried forward)."""
        self.last_day += DAY
        self._add_day(self.last_day)
        cutoff = self.last_day - 2 * DAY
        keep, drop = [], []
        for stream in self.streams:
            done = all(j.status in FINAL for j in stream.jobs)
            (drop if stream.day <= cutoff and done else keep).append(stream)
        if drop:
            dropped = {id(j) for s in drop for j in s.jobs}
            for stream in drop:
                del self.stream_by_id[stream.id]
                for job in stream.jobs:
                    job.token += 1
                    self.job_by_id.pop(job.id, None)
                    for run in job.runs:
                        self.run_by_id.pop(run.id, None)
            self.streams = keep
            self.jobs = [j for j in self.jobs if id(j) not in dropped]
            self.structure += 1
            self.version += 1
        self._schedule(self.last_day + DAY - EXTEND_BEFORE, "extend", None)

    # ---- job state machine ------------------------------------------------------------------------------------

    def _touch(self, job: Job) -> None:
        job.cache = None
        job.stream.cache = None
        self.version += 1

    def _set(self, job: Job, status: str, substatus: str | None) -> None:
        run = job.run
        if run.status != status or run.substatus != substatus:
            run.status, run.substatus = status, substatus
            self._touch(job)

    def _evaluate(self, job: Job) -> None:
        """A waiting first run: HOLD for predecessors or time, READY once both are satisfied."""
        run = job.run
        if run.status != "HOLD" or job.held or run.rerun:
            return
        if job.waiting_for_predecessors():
            self._set(job, "HOLD", "HOLD_WAITING_FOR_PREDECESSOR")
        elif self.now < job.at:
            self._set(job, "HOLD", "HOLD_WAITING_FOR_TIME")
        else:
            self._make_ready(job)

    def _on_time(self, job: Job, _token: int) -> None:
        self._evaluate(job)

    def _make_ready(self, job: Job) -> None:
        run = job.run
        job.token += 1
        late = job.script == "late" or (not job.script and not run.rerun and self.rng.random() < self.rates.late)
        if late:
            if job.script == "late":
                job.script = ""
            run.outcome = "late"
            delay = self.rng.uniform(1800, 7200)
            self._set(job, "READY", "READY_WAITING_FOR_RESOURCES")
        else:
            delay = self.rng.uniform(5, 30)
            self._set(job, "READY", None)
        self._schedule(self.now + delay, "launch", job, job.token)

    def _on_launch(self, job: Job, token: int) -> None:
        if token != job.token or job.run.status not in ("READY", "WAIT"):
            return
        self._launch(job)

    def _launch(self, job: Job) -> None:
        run = job.run
        if not job.ws.available:
            self._waiting[job.ws.index].add(job)
            self._set(job, "WAIT", "READY_WAITING_FOR_AGENT")
            return
        self._waiting[job.ws.index].discard(job)
        scripted = job.script in SCRIPTED
        if scripted:
            (outcome, run.confirm), job.script = SCRIPTED[job.script], ""
        elif run.outcome == "late":
            outcome = "late"
        elif run.rerun:
            outcome = "succ"
        else:
            roll = self.rng.random()
            outcome = "abend" if roll < self.rates.abend else "stuck" if roll < self.rates.abend + self.rates.stuck \
                else "succ"
        if job.extended and not scripted:
            outcome, run.confirm = self._draw_extended(job, outcome)
        run.outcome = outcome
        if run.number is None:  # behaviours D5: the run's number is given at its launch
            run.number = run.log_seed = self.numbers.next()
        if job.extended or run.confirm or outcome in EXTENDED_OUTCOMES:
            self._launch_extended(job)
            return
        run.start = self.now
        self._set(job, "EXEC", None)
        if outcome != "stuck":
            self._plan_finish(job)

    def _plan_finish(self, job: Job, after: float | None = None) -> None:
        run = job.run
        if after is None:
            factor = {"late": self.rng.uniform(1.5, 3.0), "abend": self.rng.uniform(0.1, 0.9)}.get(
                run.outcome, self.rng.uniform(0.75, 1.25))
            after = max(5.0, job.est * factor)
            if run.outcome not in ("late", "abend"):  # a batch job's duration (issue 17): durations.py
                after = durations.draw(self.duration_rng, f"{job.stream.name}.{job.name}", job.est, self.now)
        job.token += 1
        run.finish_at = self.now + after
        self._schedule(run.finish_at, "finish", job, job.token)

    def _on_finish(self, job: Job, token: int) -> None:
        run = job.run
        if token != job.token or run.status not in ("EXEC", "SUCCP", "ABENP"):
            return
        run.end = self.now
        run.finish_at = None
        if self._finish_extended(job):
            return
        if run.outcome == "abend":
            run.rc = self.rng.choice(ABEND_CODES)
            self._set(job, "ABEND", None)
        else:
            run.rc = 0
            self._set(job, "SUCC", "SUCC_COMPLETED")
            self._release_successors(job)

    def _release_successors(self, job: Job) -> None:
        for succ in job.succs:
            if succ.id in self.job_by_id:
                self._evaluate(succ)
        if job.stream.succs and job.stream.done:  # the whole stream is done: its followers may go
            for succ in job.stream.succs:
                if succ.id in self.job_by_id:
                    self._evaluate(succ)

    def _on_deadline(self, job: Job, _token: int) -> None:
        if job.status not in FINAL and not job.deadline_passed:
            job.deadline_passed = job.late_flag = True
            self._touch(job)

    # ---- workstations -----------------------------------------------------------------------------------------

    def _schedule_flap(self, ws: Workstation) -> None:
        ws.flap_token += 1
        if self.rates.flap > 0 and ws.host_type != "MASTER":
            self._schedule(self.now + self.rng.expovariate(self.rates.flap / 3600.0), "flap", ws, ws.flap_token)

    def _on_flap(self, ws: Workstation, token: int) -> None:
        if token != ws.flap_token:
            return
        if ws.linked and not ws.manual:
            self._set_ws(ws, linked=False)
            self._schedule(self.now + self.rng.uniform(120, 900), "relink", ws, ws.flap_token)
        else:
            self._schedule_flap(ws)

    def _on_relink(self, ws: Workstation, token: int) -> None:
        if token == ws.flap_token and not ws.manual:
            self._set_ws(ws, linked=True)
            self._schedule_flap(ws)

    def _set_ws(self, ws: Workstation, *, linked: bool | None = None, online: bool | None = None,
                running: bool | None = None) -> None:
        before = (ws.linked, ws.online, ws.running)
        if linked is not None:
            ws.linked = linked
        if online is not None:
            ws.online = online
        if running is not None:
            ws.running = running
        if (ws.linked, ws.online, ws.running) != before:
            ws.cache = None
            self.version += 1
            if ws.available:
                for job in sorted(self._waiting[ws.index], key=lambda j: j.order):
                    if job.run.status == "WAIT":
                        self._launch(job)
                self._waiting[ws.index] = {j for j in self._waiting[ws.index] if j.run.status == "WAIT"}

    def control_workstation(self, ws: Workstation, *, linked: bool | None = None, online: bool | None = None,
                            running: bool | None = None) -> None:
        """Operator/test change: no automatic relink until the workstation is linked again."""
        if linked is not None:
            ws.manual = not linked
            ws.flap_token += 1  # cancels a pending automatic relink or flap
        self._set_ws(ws, linked=linked, online=online, running=running)
        if linked:
            self._schedule_flap(ws)

    def set_rates(self, **rates: float) -> None:
        for name, value in rates.items():
            if value is None:
                continue
            if name not in ("abend", "stuck", "late", "flap"):
                raise ValueError(f"unknown rate {name!r}")
            value = float(value)
            if value < 0 or (name != "flap" and value > 1):
                raise ValueError(f"rate {name} must be between 0 and 1 (flap: ≥ 0 per hour)")
            setattr(self.rates, name, value)
        if rates.get("flap") is not None:
            for ws in self.workstations:
                if not ws.manual and ws.linked:
                    self._schedule_flap(ws)
