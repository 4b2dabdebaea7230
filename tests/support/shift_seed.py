"""A hand-made shift with known answers: plan jobs, TWS events and audit entries of instance `shift-tws` around
one 8-hour window, read 5 minutes after it ends. EXPECTED is what the shift report must say, worked out by hand
from the rows below (the comments say why each row is in or out).

Times are written on the shift's own clock: the window runs from 06:00 to 14:00 and the report is read at 14:05;
`Shift.at(7, 30)` is 1 h 30 min after the window's start. `seed(end)` puts the window's end at `end` (default:
the current minute, so that "now" in the API and the page is the real clock, 14:05 on the shift's clock, give or
take the test's run time).

Edges: an abend at 06:00:00 (in: the window is [from, to)), at 13:59:59 (in), at 05:59:59 and at 14:00:00 (out);
an action at 14:00:00 (out); events and an action of another instance (out); a sign-in (not a job action); a hold
before the window that still holds a job (open now, not an action of the window).

`python -m tests.support.shift_seed seed|unseed` does the same against RESYNC_DATABASE_URL (the browser tests'
server) and prints the window. Shared by the service, PostgreSQL, API and browser tests.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete

INSTANCE = "shift-tws"
OTHER = "other-tws"
SEED_CLIENT = "shift-seed"  # the client address of the seeded audit entries (unseed removes them by it)
EVIL = "EVIL_[x](javascript:alert(1))<img src=x onerror=alert(1)>"  # a job name no page may turn into markup


@dataclass(frozen=True)
class Shift:
    """The seeded window [start, end) and the moment the report is read (`now`, 5 minutes after the end)."""

    start: datetime
    end: datetime

    @property
    def now(self) -> datetime:
        return self.end + timedelta(minutes=5)

    def at(self, hour: int, minute: int = 0, second: int = 0) -> datetime:
        """A time on the shift's clock (06:00 = the window's start) as aware UTC."""
        return self.start + timedelta(hours=hour - 6, minutes=minute, seconds=second)


def shift_ending(end: datetime | None = None) -> Shift:
    end = (end or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(second=0, microsecond=0)
    return Shift(end - timedelta(hours=8), end)


# job id → (name, stream, workstation, status now, run now, fields)
JOBS = {
    "J01": ("PAYROLL_DAILY", "FIN", "CPU_A", "SUCC", 2, {}),  # abended 07:00, rerun by alice → SUCC run 2
    "J02": ("GL_POST", "FIN", "CPU_A", "ABEND", 1, {}),  # abended 13:59:59 (in), still abended
    "J03": ("BACKUP", "OPS", "CPU_B", "ABEND", 1, {}),  # abended 05:59:59 (before): open, not in the window
    "J04": ("REPORTS", "FIN", "CPU_B", "EXEC", 2, {}),  # abended 14:00:00 (after the window), running again
    "J05": ("EXTRACT", "ETL", "CPU_C", "ABEND", 1, {}),  # abended 06:00:00 (in)
    "J06": ("LOADER", "ETL", "CPU_C", "READY", 1, {"late": True}),  # late 09:00, still late; held + released
    "J07": ("CRUNCH", "ETL", "CPU_C", "EXEC", 1, {"stuck": True}),  # stuck 10:00, still stuck
    "J08": ("CRIT_A", "EOD", "CPU_A", "SUCC", 1, {"critical": True, "deadline": (11, 0), "end": (11, 30),
                                                  "risk": "high"}),  # ended after its deadline: missed
    "J09": ("CRIT_B", "EOD", "CPU_A", "SUCC", 1, {"critical": True, "deadline": (12, 0), "end": (11, 50),
                                                  "risk": "normal"}),  # made it
    "J10": ("CRIT_C", "EOD", "CPU_B", "EXEC", 1, {"critical": True, "deadline": (16, 0), "risk": "high",
                                                  "confidence": 0.2}),  # at risk now, deadline still ahead
    "J11": ("CRIT_D", "EOD", "CPU_B", "ABEND", 1, {"critical": True, "deadline": (5, 0), "risk": "high"}),
    # missed, but its deadline was before the window
    "J12": ("CRIT_E", "EOD", "CPU_B", "ABEND", 1, {"critical": True, "deadline": (13, 0), "risk": "high"}),
    # abended critical job, deadline 13:00 passed: missed
    "J13": (EVIL, "WEB", "CPU_D", "ABEND", 1, {}),  # abended 12:00
    "J14": ("WAITER", "OPS", "CPU_D", "HOLD", 1, {}),  # held by bob 08:00, never released
    "J15": ("QUEUED", "OPS", "CPU_D", "WAIT", 1, {}),  # held by erin 04:00 (before the window), never released
}

# (type, job id, local time, run, extra key part)
EVENTS = [
    ("job_started", "J03", (5, 0, 0), 1, ""),  # out: before
    ("job_late", "J15", (5, 0, 0), 1, ""),  # out: before
    ("job_abended", "J03", (5, 59, 59), 1, ""),  # out: one second before
    ("job_abended", "J05", (6, 0, 0), 1, ""),  # in: the first instant
    ("job_started", "J01", (6, 30, 0), 1, ""),
    ("job_abended", "J01", (7, 0, 0), 1, ""),
    ("job_started", "J01", (7, 31, 0), 2, ""),
    ("job_completed", "J01", (7, 45, 0), 2, ""),
    ("job_started", "J07", (8, 0, 0), 1, ""),
    ("job_started", "J10", (9, 0, 0), 1, ""),
    ("job_late", "J06", (9, 0, 0), 1, ""),
    ("job_stuck", "J07", (10, 0, 0), 1, ""),
    ("deadline_at_risk", "J08", (10, 30, 0), 1, "potential"),
    ("deadline_at_risk", "J08", (10, 45, 0), 1, "high"),  # the same job again: one critical job at risk
    ("job_completed", "J08", (11, 30, 0), 1, ""),
    ("job_completed", "J09", (11, 50, 0), 1, ""),
    ("job_abended", "J13", (12, 0, 0), 1, ""),
    ("deadline_at_risk", "J10", (13, 0, 0), 1, "high"),
    ("job_started", "J02", (13, 0, 0), 1, ""),
    ("job_started", "J04", (13, 30, 0), 1, ""),
    ("job_abended", "J02", (13, 59, 59), 1, ""),  # in: the last second
    ("job_abended", "J04", (14, 0, 0), 1, ""),  # out: the window ends before 14:00:00
    ("job_started", "J04", (14, 0, 0), 2, ""),  # out
]
OTHER_EVENTS = [("job_abended", "X01", (9, 0, 0)), ("job_started", "X01", (8, 0, 0)), ("job_late", "X02", (9, 0, 0))]

# (local time, user, audit action, job id, action, error key/value)
ACTIONS = [
    ((4, 0, 0), "erin", "tws.job.action", "J15", "hold", None),  # out (before); J15 is still held
    ((7, 30, 0), "alice", "tws.job.action", "J01", "rerun", None),
    ((8, 0, 0), "bob", "tws.job.action", "J14", "hold", None),
    ((9, 30, 0), "carol", "tws.job.action.failed", "J06", "release", ("error", "refused")),
    ((10, 30, 0), "dave", "tws.job.action.refused", "J07", "cancel", ("reason", "read-only")),
    ((12, 0, 0), "alice", "tws.job.action", "J06", "hold", None),
    ((12, 30, 0), "alice", "tws.job.action", "J06", "release", None),  # J06 is not held any more
    ((14, 0, 0), "alice", "tws.job.action", "J04", "cancel", None),  # out: after
]

EXPECTED = {
    "totals": {"started": 6, "completed": 3, "abended": 4, "reruns": 1, "holds": 2, "releases": 1, "cancels": 0,
               "late": 1, "stuck": 1, "critical_missed": 2, "critical_at_risk": 2, "actions_failed": 2},
    "abended": ["J05", "J01", "J13", "J02"],  # oldest first
    "abended_now": {"J05": "ABEND", "J01": "SUCC", "J13": "ABEND", "J02": "ABEND"},
    "actions": [("alice", "rerun", "J01", "done"), ("bob", "hold", "J14", "done"),
                ("carol", "release", "J06", "failed"), ("dave", "cancel", "J07", "refused"),
                ("alice", "hold", "J06", "done"), ("alice", "release", "J06", "done")],
    "late": {"J06": ["late"], "J07": ["stuck"], "J08": ["at_risk"], "J10": ["at_risk"]},
    "missed": ["J08", "J12"],  # by deadline
    "open": {"J02": ["abended"], "J03": ["abended"], "J05": ["abended"], "J11": ["abended"], "J12": ["abended"],
             "J13": ["abended"], "J07": ["stuck"], "J06": ["late"], "J10": ["at_risk"], "J14": ["held"],
             "J15": ["held"]},
    "open_counts": {"abended": 6, "stuck": 1, "late": 1, "at_risk": 1, "held": 2, "total": 11},
}


def _plan_rows(shift: Shift, instance: str) -> list:
    from resync_app.tws.models import TwsPlanJob

    at = shift.at
    rows = []
    for job_id, (name, stream, ws, status, run, extra) in JOBS.items():
        deadline = at(*extra["deadline"]) if "deadline" in extra else None
        end = at(*extra["end"]) if "end" in extra else None
        rows.append(TwsPlanJob(
            instance=instance, job_id=job_id, name=name, job_stream=stream, workstation=ws, status=status,
            run_number=run, start=at(6, 15), end=end, scheduled_start=at(6), deadline=deadline,
            critical=bool(extra.get("critical")), late=bool(extra.get("late")), stuck=bool(extra.get("stuck")),
            risk=extra.get("risk", ""), confidence=extra.get("confidence"),
            return_code=12 if status == "ABEND" else (0 if status == "SUCC" else None), updated_at=shift.now))
    return rows


def _event(shift: Shift, instance: str, kind: str, job_id: str, moment: tuple, run: int, key: str, jobs: dict):
    from resync_app.tws.models import TwsEvent

    name, stream, ws = (jobs.get(job_id) or (job_id, "S", "W"))[:3]
    return TwsEvent(at=shift.at(*moment), instance=instance, type=kind, job=name, job_id=job_id, job_stream=stream,
                    workstation=ws, severity="critical" if kind == "job_abended" else "info",
                    status="ABEND" if kind == "job_abended" else None,
                    return_code=12 if kind == "job_abended" else None, message=f"{kind} {name}",
                    dedupe_key=f"{instance}:{kind}:{job_id}:{run}" + (f":{key}" if key else ""))


def seed(end: datetime | None = None) -> Shift:
    """Write the instances (paused: nothing polls them), the plan, events and audit entries of a shift ending at
    `end` (default: this minute)."""
    from resync_app.audit.models import AuditEntry
    from resync_app.db import session_scope
    from resync_app.tws import instances, service
    from resync_app.tws.models import TwsSummary

    shift = shift_ending(end)
    at = shift.at
    known = {i.name for i in instances.list_instances()}
    for name in (INSTANCE, OTHER):  # created disabled and paused, then enabled: no poller ever polls them
        if name not in known:
            instances.create_instance({"name": name, "base_url": "http://127.0.0.1:9", "username": "seed",
                                       "password": "seed-password-1", "display_name": "Shift seed",
                                       "enabled": False}, "tests")
        service.set_paused(name, True, "tests")
        instances.update_instance(name, {"enabled": True}, "tests")
    with session_scope() as db:
        db.add_all(_plan_rows(shift, INSTANCE))
        summary = db.get(TwsSummary, INSTANCE) or TwsSummary(instance=INSTANCE)  # a poller may have said "paused"
        summary.as_of, summary.poll_seq, summary.total = at(13, 59), 1, len(JOBS)
        db.add(summary)
        db.add_all([_event(shift, INSTANCE, *e, jobs=JOBS) for e in EVENTS])
        db.add_all([_event(shift, OTHER, kind, job_id, moment, 1, "", jobs={})
                    for kind, job_id, moment in OTHER_EVENTS])
        for moment, user, action, job_id, what, error in ACTIONS:
            name, stream, ws = JOBS[job_id][:3]
            detail = {"job_id": job_id, "job": f"{ws}#{stream}.{name}", "action": what}
            if error:
                detail[error[0]] = error[1]
            db.add(AuditEntry(timestamp=at(*moment), actor=user, action=action, client=SEED_CLIENT,
                              target=f"{INSTANCE}/{ws}#{stream}.{name}", detail=json.dumps(detail, sort_keys=True)))
        db.add(AuditEntry(timestamp=at(9), actor="zoe", action="tws.job.action", target=f"{OTHER}/W#S.X01",
                          detail=json.dumps({"job_id": "X01", "job": "W#S.X01", "action": "rerun"}),
                          client=SEED_CLIENT))
        db.add(AuditEntry(timestamp=at(9, 5), actor="alice", action="auth.login", target="alice", detail="{}",
                          client=SEED_CLIENT))
    return shift


def unseed() -> None:
    """Remove what `seed` wrote (the instances, their rows, the seeded audit entries)."""
    from resync_app.audit.models import AuditEntry
    from resync_app.db import get_engine
    from resync_app.tws import instances
    from resync_app.tws.models import TwsEvent, TwsPlanJob, TwsSummary

    with get_engine().begin() as conn:
        for table in (TwsPlanJob, TwsSummary, TwsEvent):
            conn.execute(delete(table).where(table.instance.in_((INSTANCE, OTHER))))
        conn.execute(delete(AuditEntry).where(AuditEntry.client == SEED_CLIENT))
    for name in (INSTANCE, OTHER):
        try:
            instances.delete_instance(name, "tests")
        except Exception:  # already gone
            pass


def run(command: str) -> int:
    """`seed` (prints the shift's window as JSON) | `unseed`, against the database of the environment (the browser
    tests run it for the live server's, in a forked child: tests/support/forked.py)."""
    if command == "seed":
        seeded = seed()
        print(json.dumps({"from": seeded.start.isoformat(), "to": seeded.end.isoformat()}))
    else:
        unseed()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]))
