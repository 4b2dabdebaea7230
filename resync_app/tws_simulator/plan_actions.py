"""What the REST API's job actions do to the simulated plan (hold, release, cancel, rerun; TWS' refusals as
`ActionError`), and a test's scripted outcome. `PlanActions` is mixed into `Plan`; its methods expect the plan's
lock held, like the plan's own."""

from __future__ import annotations

import random

from resync_app.tws_simulator import build
from resync_app.tws_simulator.behaviours import Behaviours
from resync_app.tws_simulator.lifecycle import EXTENDED_OUTCOMES, SCRIPTED
from resync_app.tws_simulator.model import FINAL, HOLDABLE, OUTCOMES, RERUNNABLE, RUNNING, Job, Run


class ActionError(Exception):
    """An action TWS refuses (answered 400 with this message)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class PlanActions:
    """The operator's actions on jobs (mixed into `Plan`, whose state machine they drive)."""

    now: float
    rng: random.Random
    behaviours: Behaviours
    numbers: build.Counter
    run_by_id: dict[str, tuple[Job, Run]]
    _waiting: dict[int, set[Job]]

    def hold(self, job: Job) -> None:
        if job.held:
            raise ActionError(f"AWSJSM101E The job {job.key} is already held.")
        if job.status not in HOLDABLE:
            raise ActionError(f"AWSJSM102E The job {job.key} cannot be held: its status is {job.status}.")
        job.held = True
        job.priority = 0
        job.token += 1
        self._waiting[job.ws.index].discard(job)
        self._set(job, "HOLD", "HOLD_PRIORITY_ZERO")

    def release(self, job: Job) -> None:
        if not job.held:
            raise ActionError(f"AWSJSM103E The job {job.key} is not held: there is nothing to release.")
        job.held = False
        job.priority = 10
        self._touch(job)
        if job.run.rerun:
            self._make_ready(job)
        else:
            self._evaluate(job)

    def cancel(self, job: Job) -> None:
        if job.status in FINAL:
            raise ActionError(f"AWSJSM104E The job {job.key} cannot be cancelled: it has already ended "
                              f"({job.status}).")
        job.token += 1
        job.held = False
        run = job.run
        if run.start is not None:
            run.end = self.now
        run.finish_at = None
        self._waiting[job.ws.index].discard(job)
        self._set(job, "CANCL", None)
        self._release_successors(job)

    def rerun(self, job: Job) -> Run:
        if job.status not in RERUNNABLE:
            raise ActionError(f"AWSJSM105E The job {job.key} cannot be rerun: its status is {job.status} "
                              f"(only a job that ended — SUCC, ABEND, FAIL, ERROR — can be rerun).")
        number = None if self.behaviours.late_job_numbers else self.numbers.next()
        run = Run(build.new_id(self.rng), number, len(job.runs) + 1, True)
        run.status = "READY"
        job.runs.append(run)
        self.run_by_id[run.id] = (job, run)
        job.held = False
        job.priority = 10
        self._touch(job)
        self._make_ready(job)
        return run

    def script(self, job: Job, outcome: str) -> None:
        """Force the outcome of the job's current run if it is running (abend, stuck, succ, and the extended
        outcomes of `lifecycle.py` but fail), else of its next."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
        run = job.run
        if run.status == "INTRO" and outcome not in ("late", "fail"):  # launched, its end not planned yet
            run.outcome, run.confirm = SCRIPTED[outcome]
            return
        if run.status in RUNNING and outcome in EXTENDED_OUTCOMES and self._script_running(job, outcome):
            return
        if run.status in RUNNING and outcome in ("succ", "abend", "stuck"):
            was_stuck = run.finish_at is None
            run.outcome = outcome
            if outcome == "stuck":
                job.token += 1
                run.finish_at = None
            elif was_stuck:
                self._plan_finish(job, after=60.0)
            return
        job.script = outcome
        if run.status == "READY" and outcome == "late":
            self._make_ready(job)
