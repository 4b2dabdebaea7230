"""The simulator's plan inspection and control methods (find and describe jobs and workstations, act on them,
script outcomes, set rates), mixed into `Simulator`; each takes the plan's lock."""

from __future__ import annotations

from resync_app.tws_simulator import render
from resync_app.tws_simulator.model import Job, Workstation
from resync_app.tws_simulator.plan import Plan
from resync_app.tws_simulator.render import iso


class PlanControls:
    """Needs `self.plan` (a Plan), which `Simulator.__init__` sets."""

    plan: Plan

    def _job(self, job_id: str) -> Job:
        job = self.plan.job_by_id.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id} in the simulated plan")
        return job

    def _ws(self, name: str) -> Workstation:
        ws = self.plan.ws_by_name.get(name) or self.plan.ws_by_id.get(name)
        if ws is None:
            raise KeyError(f"no workstation {name} in the simulated plan")
        return ws

    def job_info(self, job_id: str) -> dict:
        with self.plan.lock:
            return _job_info(self._job(job_id))

    def find_jobs(self, *, status: str | None = None, workstation: str | None = None, stream: str | None = None,
                  critical: bool | None = None, root: bool | None = None, has_successors: bool | None = None,
                  limit: int | None = None) -> list[dict]:
        """Jobs matching every given filter, earliest start first. `root`: no predecessors (or only those)."""
        with self.plan.lock:
            out = []
            for job in sorted(self.plan.jobs, key=lambda j: (j.at, j.order)):
                if status is not None and job.status != status:
                    continue
                if workstation is not None and job.ws.name != workstation:
                    continue
                if stream is not None and job.stream.name != stream:
                    continue
                if critical is not None and job.critical != critical:
                    continue
                if root is not None and (not job.preds and not job.stream_preds) != root:
                    continue
                if has_successors is not None and bool(job.succs) != has_successors:
                    continue
                out.append(_job_info(job))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def job_count(self) -> int:
        with self.plan.lock:
            return len(self.plan.jobs)

    def job_ids(self) -> list[str]:
        with self.plan.lock:
            return [job.id for job in self.plan.jobs]

    def script_job(self, job_id: str, outcome: str) -> None:
        """abend | stuck | late | succ: for the current run if it is running (not late), else the next run."""
        with self.plan.lock:
            self.plan.script(self._job(job_id), outcome)

    def hold(self, job_id: str) -> None:
        with self.plan.lock:
            self.plan.hold(self._job(job_id))

    def release(self, job_id: str) -> None:
        with self.plan.lock:
            self.plan.release(self._job(job_id))

    def cancel(self, job_id: str) -> None:
        with self.plan.lock:
            self.plan.cancel(self._job(job_id))

    def rerun(self, job_id: str) -> str:
        with self.plan.lock:
            return self.plan.rerun(self._job(job_id)).id

    def workstation_info(self, name: str) -> dict:
        with self.plan.lock:
            ws = self._ws(name)
            return {"id": ws.id, "name": ws.name, "type": ws.type, "os": ws.os, "linked": ws.linked,
                    "online": ws.online, "running": ws.running, "states": ws.states(), "flags": ws.flags(),
                    "reports_online": ws.reports_online}

    def workstation_names(self) -> list[str]:
        return [ws.name for ws in self.plan.workstations]

    def set_workstation(self, name: str, *, linked: bool | None = None, online: bool | None = None,
                        running: bool | None = None) -> None:
        with self.plan.lock:
            self.plan.control_workstation(self._ws(name), linked=linked, online=online, running=running)

    def unlink(self, name: str) -> None:
        self.set_workstation(name, linked=False)

    def link(self, name: str) -> None:
        self.set_workstation(name, linked=True)

    def set_offline(self, name: str) -> None:
        self.set_workstation(name, online=False)

    def set_online(self, name: str) -> None:
        self.set_workstation(name, online=True)

    def set_rates(self, *, abend: float | None = None, stuck: float | None = None, late: float | None = None,
                  flap: float | None = None) -> None:
        with self.plan.lock:
            self.plan.set_rates(abend=abend, stuck=stuck, late=late, flap=flap)


def _job_info(job: Job) -> dict:
    run = job.run
    return {
        "id": job.id, "name": job.name, "stream": job.stream.name, "stream_id": job.stream.id,
        "workstation": job.ws.name, "status": run.status, "substatus": run.substatus, "held": job.held,
        "at": iso(job.at), "start": iso(run.start), "end": iso(run.end), "return_code": run.rc,
        "run_id": run.id, "run_number": run.number, "runs": len(job.runs), "critical": job.critical,
        "deadline": iso(job.deadline), "late": job.late_flag, "predecessors": [p.id for p in job.preds],
        "successors": [s.id for s in job.succs], "estimated_s": job.est, "outcome": run.outcome,
        "stream_predecessors": [s.id for s in job.stream_preds], "extended": job.extended,
        "shown_status": render.shown_status(job, run),
    }

