"""The extended job life cycle (behaviours D4): the statuses a real engine shows besides HOLD READY EXEC SUCC ABEND.

A job marked `extended` (a seeded share of the plan, `behaviours.extended_statuses`), or any job scripted with one
of these outcomes, is launched through INTRO (introduced for launching, 5-20 s) before EXEC, and:
- `fail`: FAIL at launch (the engine could not launch it: no start, no return code);
- `error`: ERROR shortly after it started (the agent reported an error; no return code);
- confirmation `early` (`succp` / `abenp`): an operator confirms it while it runs: SUCCP or ABENP until it ends in
  SUCC or ABEND;
- confirmation `pend` (`pend`): it ends in PEND (ended, awaiting confirmation) and is confirmed 5-15 minutes
  later (SUCC, or ABEND when it failed).
An extended job's drawn abends are ABEND, FAIL or ERROR alike, and a third of its runs are confirmed early, a third
end in PEND. What the REST API shows besides (SCHED while the start time has not come, CANCELLED for a cancelled
job) is rendering only (`render.shown_status`).

`ExtendedLifecycle` is mixed into `Plan`; its methods expect the plan's lock held, like the plan's own.
"""

from __future__ import annotations

from resync_app.tws_simulator.model import ABEND_CODES, Job

# a scripted outcome → (the run's outcome, its confirmation)
SCRIPTED = {"succ": ("succ", ""), "abend": ("abend", ""), "stuck": ("stuck", ""), "fail": ("fail", ""),
            "error": ("error", ""), "succp": ("succ", "early"), "abenp": ("abend", "early"), "pend": ("succ", "pend")}
EXTENDED_OUTCOMES = frozenset({"fail", "error", "succp", "abenp", "pend"})
ENDED_BY_CONFIRMATION = ("SUCCP", "ABENP")


class ExtendedLifecycle:
    """The extended statuses' part of the plan's state machine (mixed into `Plan`)."""

    def _draw_extended(self, job: Job, outcome: str) -> tuple[str, str]:
        """The outcome and confirmation of an extended job's run (a drawn abend may be a FAIL or an ERROR)."""
        if outcome == "abend":
            outcome = self.rng.choice(("abend", "fail", "error"))
        confirm = self.rng.choice(("", "early", "pend")) if outcome in ("succ", "abend", "late") else ""
        return outcome, confirm

    def _launch_extended(self, job: Job) -> None:
        run = job.run
        if run.outcome == "fail":
            run.end, run.rc, run.finish_at = self.now, None, None
            self._set(job, "FAIL", None)
            return
        job.token += 1
        self._set(job, "INTRO", None)
        self._schedule(self.now + self.rng.uniform(5, 20), "exec", job, job.token)

    def _on_exec(self, job: Job, token: int) -> None:
        run = job.run
        if token != job.token or run.status != "INTRO":
            return
        run.start = self.now
        self._set(job, "EXEC", None)
        if run.outcome == "error":
            self._plan_finish(job, after=self.rng.uniform(10, 60))
        elif run.outcome != "stuck":
            self._plan_finish(job)
        if run.confirm == "early":
            halfway = (run.finish_at - self.now) / 2 if run.finish_at is not None else 600.0
            self._schedule(self.now + halfway, "confirm", job, job.token)

    def _on_confirm(self, job: Job, token: int) -> None:
        """An operator confirms the run while it still runs: SUCCP (or ABENP) until it ends."""
        run = job.run
        if token == job.token and run.status == "EXEC":
            self._set(job, "ABENP" if run.outcome == "abend" else "SUCCP", None)

    def _finish_extended(self, job: Job) -> bool:
        """Handle the end of an extended run (ERROR, PEND); False when the plain end applies."""
        run = job.run
        if run.outcome == "error":
            run.rc = None
            self._set(job, "ERROR", None)
            return True
        if run.confirm == "pend" and run.status == "EXEC":
            run.rc = self.rng.choice(ABEND_CODES) if run.outcome == "abend" else 0
            self._set(job, "PEND", None)
            job.token += 1
            self._schedule(self.now + self.rng.uniform(300, 900), "confirmed", job, job.token)
            return True
        return False

    def _on_confirmed(self, job: Job, token: int) -> None:
        """The operator's confirmation of a run that ended in PEND."""
        run = job.run
        if token != job.token or run.status != "PEND":
            return
        if run.outcome == "abend":
            self._set(job, "ABEND", None)
        else:
            self._set(job, "SUCC", "SUCC_COMPLETED")
            self._release_successors(job)

    def _script_running(self, job: Job, outcome: str) -> bool:
        """A scripted extended outcome for the run in progress; False when it is for the next run instead."""
        run = job.run
        if outcome == "fail":
            return False
        if outcome in ("succp", "abenp"):
            run.outcome, run.confirm = SCRIPTED[outcome]
            if run.status in ("EXEC", *ENDED_BY_CONFIRMATION):
                self._set(job, "SUCCP" if outcome == "succp" else "ABENP", None)
        elif outcome == "pend":
            run.outcome, run.confirm = "succ", "pend"
        elif outcome == "error":
            run.outcome = "error"
        if run.finish_at is None and run.status != "INTRO":
            self._plan_finish(job, after=60.0)
        return True


__all__ = ["EXTENDED_OUTCOMES", "ExtendedLifecycle", "SCRIPTED"]
