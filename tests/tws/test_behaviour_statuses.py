"""Issue 16, D4: more of the job statuses (the simulator's extended statuses on), each counted, filtered, highlighted
and alerted as an operator expects. The expected groups are written out here, independently of tws/statuses.py:
FAIL, ERROR, ABENP and ABEND are failures; INTRO, EXEC and SUCCP are running (SUCCP: confirmed successful, still
running); SCHED, PEND (ended, awaiting confirmation), HOLD, READY and WAIT are pending; CANCELLED is CANCL."""

from __future__ import annotations

from resync_app.db import session_scope
from resync_app.state.monitoring import job_row
from resync_app.tws import queries
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsJobRun
from resync_app.tws_simulator.behaviours import Behaviours
from tests.tws.polling import NAME, configure, events, notices, poll

FAILED = {"ABEND", "FAIL", "ERROR", "ABENP"}
RUNNING = {"INTRO", "EXEC", "SUCCP"}
PENDING = {"HOLD", "READY", "WAIT", "SCHED", "PEND"}
ENDED = {"SUCC", "ABEND", "FAIL", "ERROR", "CANCELLED"}
SCRIPTS = ("fail", "error", "succp", "abenp", "pend")


def _counts_agree(sim) -> None:
    shown = sim.state()["status_counts"]
    counts = queries.summary(NAME)["counts"]
    expected = {name: sum(n for s, n in shown.items() if s in group)
                for name, group in (("failed", FAILED), ("running", RUNNING), ("pending", PENDING))}
    assert {k: counts[k] for k in expected} == expected, shown


async def test_extended_statuses_count_filter_highlight_and_alert(clean_db, simulator_factory):
    sim = simulator_factory(behaviours=Behaviours(extended_statuses=1.0))
    roots = sim.find_jobs(root=True)
    watched = {job["id"]: outcome for job, outcome in zip(roots, SCRIPTS)}
    for job_id, outcome in watched.items():
        sim.script_job(job_id, outcome)
    cancelled = roots[len(SCRIPTS)]["id"]
    seen: dict[str, list[tuple[str, dict]]] = {job_id: [] for job_id in watched}  # per job: (sim status, Resync)
    configure(sim)
    async with HWAClient(sim.connection()) as client:
        with notices() as sent:
            await poll(sim, client)
            _counts_agree(sim)
            waiting = queries.jobs(NAME, status="SCHED", limit=500)  # start time not come yet: pending, filterable
            assert waiting["count"] == sim.state()["status_counts"]["SCHED"] > 0
            last = {job_id: "" for job_id in watched}
            for _ in range(20000):  # 5 plan-seconds a step; a poll at each status change of a watched job
                if all(last[j] in ENDED for j in watched):
                    break
                sim.advance(5)
                now = {j: sim.job_info(j)["shown_status"] for j in watched}
                if now == last:
                    continue
                await poll(sim, client)
                _counts_agree(sim)
                for job_id, status in now.items():
                    if status != last[job_id]:
                        row = queries.job(NAME, job_id)
                        seen[job_id].append((status, {"status": row["status"], "flag": job_row(row).flag,
                                                      "types": [e.type for e in events(job_id=job_id)]}))
                last = now
            sim.cancel(cancelled)
            await poll(sim, client)
    path = {watched[j]: [status for status, _ in steps] for j, steps in seen.items()}
    launched = ["SCHED", "READY", "INTRO", "EXEC"]
    assert path == {"fail": ["SCHED", "READY", "FAIL"], "error": [*launched, "ERROR"],
                    "succp": [*launched, "SUCCP", "SUCC"], "abenp": [*launched, "ABENP", "ABEND"],
                    "pend": [*launched, "PEND", "SUCC"]}
    at = {watched[j]: dict(steps) for j, steps in seen.items()}
    # failures: a red row and one job_abended event, at the first failed status, never repeated
    for outcome, status in (("fail", "FAIL"), ("error", "ERROR"), ("abenp", "ABENP")):
        assert at[outcome][status]["flag"] == "abend" and at[outcome][status]["types"].count("job_abended") == 1
    assert at["abenp"]["ABEND"]["types"].count("job_abended") == 1
    # SUCCP is still running: no completion until SUCC; PEND awaits an operator: highlighted, not completed
    assert "job_completed" not in at["succp"]["SUCCP"]["types"]
    assert at["succp"]["SUCC"]["types"].count("job_completed") == 1
    assert at["pend"]["PEND"]["flag"] == "attention" and "job_completed" not in at["pend"]["PEND"]["types"]
    assert at["pend"]["SUCC"]["types"].count("job_completed") == 1
    # one card per failure
    abended = [n for n in sent if n.type == "job_abended" and n.job_id in watched]
    assert sorted(n.status for n in abended) == ["ABENP", "ERROR", "FAIL"]
    # the status filter: a group word, a code, and the spelling CANCELLED
    failed_ids = {r["id"] for r in queries.jobs(NAME, status="FAILED", limit=500)["results"]}
    assert {j for j, o in watched.items() if o in ("fail", "error", "abenp")} <= failed_ids
    assert queries.jobs(NAME, status="FAIL,ERROR")["count"] == 2
    [row] = queries.jobs(NAME, status="CANCELLED", limit=500)["results"]
    assert row["id"] == cancelled and row["status"] == "CANCL"
    # the run that ended in ABEND after ABENP is in the history
    abenp = next(j for j, o in watched.items() if o == "abenp")
    with session_scope() as db:
        runs = db.query(TwsJobRun).filter(TwsJobRun.job_id == abenp).all()
    assert [r.status for r in runs] == ["ABEND"]
