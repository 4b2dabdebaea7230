"""A workstation outage in the bundled simulator (used by the incident tests and `make chaos`): `n` jobs of one
workstation running at once; then the workstation unlinks and, a minute later, all `n` abend together."""

from __future__ import annotations

from collections import Counter


def busiest_workstation(sim) -> str:
    return Counter(j["workstation"] for j in sim.find_jobs() if j["workstation"] != "MASTER").most_common(1)[0][0]


def start_jobs(sim, workstation: str, n: int = 30, max_hours: int = 48) -> list[str]:
    """Make `n` jobs of `workstation` run at the same time; returns their ids. A job is scripted to run until told
    otherwise once nothing it waits for is kept running too (its predecessors have succeeded), and the clock moves
    on half an hour at a time until `n` of them run."""
    scripted: list[str] = []
    for _ in range(max_hours * 2):
        for job in sim.find_jobs(workstation=workstation):
            if job["id"] in scripted or job["status"] not in ("HOLD", "READY"):
                continue
            if all(_done(sim, p) for p in job["predecessors"]):
                sim.script_job(job["id"], "stuck")
                scripted.append(job["id"])
        running = [j for j in scripted if sim.job_info(j)["status"] == "EXEC"]
        if len(running) >= n:
            return running[:n]
        sim.advance(minutes=30)
    raise AssertionError(f"only {len(running)} of {n} jobs of {workstation} run at once after {max_hours} h")


def _done(sim, job_id: str) -> bool:
    try:
        return sim.job_info(job_id)["status"] == "SUCC"
    except KeyError:  # left the plan (its day is over)
        return True


def unlink_and_abend(sim, workstation: str, jobs: list[str]) -> None:
    """The outage: the workstation unlinks and its running `jobs` abend a minute later (the clock is not moved:
    the caller polls in between and then advances past the minute)."""
    sim.unlink(workstation)
    for job_id in jobs:
        sim.script_job(job_id, "abend")  # a job that was kept running ends 60 plan seconds later
