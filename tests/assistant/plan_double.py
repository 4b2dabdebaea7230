"""A small in-memory stand-in for the TWS read layer (`resync_app/tws/queries.py`, another branch): it implements
the assistant's `PlanReader` protocol over a fixed plan, so the fast path's formatting is tested (and benchmarked)
without the poller. It is a test double of the other branch's read layer, not of the assistant's code."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0) -> str:
    return NOW.replace(hour=hour, minute=minute).isoformat()


def _job(id: str, name: str, stream: str, ws: str, status: str, start=None, end=None, rc=None, **extra) -> dict:
    duration = None
    if start and end:
        duration = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    row = {"id": id, "name": name, "job_stream": stream, "workstation": ws, "status": status, "start": start,
           "end": end, "duration_s": duration, "return_code": rc, "late": False, "stuck": False, "critical": False,
           "deadline": None, "risk": None, "confidence": None}
    row.update(extra)
    return row


JOBS = [
    _job("j1", "PAYROLL_DAILY", "HR_PAYROLL", "CPU_LINUX01", "ABEND", at(6), at(6, 12), 12, critical=True,
         deadline=at(11), risk="high", confidence=0.23),
    _job("j2", "BACKUP_NIGHTLY", "SYSTEM", "CPU_LINUX01", "EXEC", at(8, 30), stuck=True),
    _job("j3", "GL_POST_01", "FINANCE_EOD", "CPU_WIN02", "SUCC", at(6), at(6, 20), 0),
    _job("j4", "GL_CLOSE", "FINANCE_EOD", "ACCT", "HOLD", late=True),
    _job("j5", "EOD_SETTLEMENT", "FINANCE_EOD", "CPU_WIN02", "READY", critical=True, deadline=at(12),
         risk="potential", confidence=0.61, estimated_end=at(11, 40), estimated_end_low=at(11, 20),
         estimated_end_high=at(12, 10), why=[{"cause": "late_start", "job": "EOD_SETTLEMENT", "minutes": 4.0},
                                             {"cause": "slow_run", "job": "GL_CLOSE", "minutes": 21.0}]),
    _job("j6", "TEMP_CLEANUP", "SYSTEM", "CPU_WIN02", "HOLD"),
    _job("j7", "REPORT_SALES", "SALES", "CPU_WIN02", "FAIL", at(8, 10), at(8, 10), None),
    _job("j8", "INVOICE_RUN", "SALES", "CPU_WIN02", "ABEND", at(9, 5), at(9, 30), 8),
    _job("j9", "DAILY_EXTRACT", "SALES", "CPU_LINUX01", "CANCL"),
    _job("j10", "CLEANUP", "SYSTEM", "CPU_LINUX01", "SUCC", at(5), at(5, 2), 0),
    _job("j11", "CLEANUP", "SALES", "CPU_WIN02", "SUCC", at(5), at(5, 3), 0),
    _job("j12", "LOAD_DWH", "HR_PAYROLL", "CPU_LINUX01", "EXEC", at(9, 40)),
    _job("j13", "PAYROLL_PREP", "HR_PAYROLL", "CPU_LINUX01", "SUCC", at(5, 30), at(5, 55), 0, critical=True,
         deadline=at(9), risk="normal", confidence=0.99),
]
DETAILS = {
    "j1": {
        "dependencies": [
            {"name": "PAYROLL_PREP", "job_stream": "HR_PAYROLL", "status": "SUCC", "satisfied": True,
             "type": "INTERNAL"},
            {"name": "GL_CLOSE", "job_stream": "FINANCE_EOD", "status": "HOLD", "satisfied": False,
             "type": "EXTERNAL_JOB"},
        ],
        "history": [
            {"start": "2025-03-02T06:00:00+00:00", "end": "2025-03-02T06:10:00+00:00", "duration_s": 600,
             "status": "SUCC", "return_code": 0},
            {"start": "2025-03-01T06:00:00+00:00", "end": "2025-03-01T06:14:00+00:00", "duration_s": 840,
             "status": "SUCC", "return_code": 0},
            {"start": "2025-02-28T06:00:00+00:00", "end": "2025-02-28T06:11:00+00:00", "duration_s": 660,
             "status": "SUCC", "return_code": 0},
        ],
        "log_excerpt": "=== JOB PAYROLL_DAILY\nloading employees.csv\nERROR: table PAYROLL locked by session 42\n"
                       "=== Exit Status: 12",
    },
    "j2": {"history": [{"start": "2025-03-02T08:30:00+00:00", "end": "2025-03-02T09:00:00+00:00",
                        "duration_s": 1800, "status": "SUCC", "return_code": 0}]},
}
THREATS = {
    "j1": {"deadline": at(11), "estimated_end": at(11, 20), "risk": "high", "confidence": 0.23, "threats": [
        {"id": "j4", "name": "GL_CLOSE", "job_stream": "FINANCE_EOD", "workstation": "ACCT", "status": "HOLD",
         "slack_s": -1200, "estimated_end": at(10, 45), "reason": "late"},
        {"id": "j5", "name": "EOD_SETTLEMENT", "job_stream": "FINANCE_EOD", "workstation": "CPU_WIN02",
         "status": "READY", "slack_s": 900, "estimated_end": at(10, 30), "reason": "waiting for a predecessor"},
    ]},
    "j5": {"deadline": at(12), "estimated_end": at(11, 40), "risk": "potential", "confidence": 0.61, "threats": []},
}
WORKSTATIONS = [
    {"name": "CPU_LINUX01", "linked": True, "status": "LINKED"},
    {"name": "CPU_WIN02", "linked": True, "status": "LINKED"},
    {"name": "ACCT", "linked": False, "status": "UNLINKED"},
]
EVENTS = [
    {"id": 5, "at": at(9, 30), "instance": "PROD", "type": "job_abended", "severity": "critical", "job": "INVOICE_RUN",
     "workstation": "CPU_WIN02", "message": "INVOICE_RUN ended in ABEND (RC 8)"},
    {"id": 4, "at": at(9, 10), "instance": "PROD", "type": "workstation_unlinked", "severity": "warning", "job": None,
     "workstation": "ACCT", "message": "ACCT unlinked"},
    {"id": 3, "at": at(8, 10), "instance": "PROD", "type": "job_failed", "severity": "critical", "job": "REPORT_SALES",
     "workstation": "CPU_WIN02", "message": "REPORT_SALES could not be launched"},
    {"id": 2, "at": at(6, 12), "instance": "PROD", "type": "job_abended", "severity": "critical",
     "job": "PAYROLL_DAILY", "workstation": "CPU_LINUX01", "message": "PAYROLL_DAILY ended in ABEND (RC 12)"},
    {"id": 1, "at": at(6, 0), "instance": "PROD", "type": "job_started", "severity": "info", "job": "PAYROLL_DAILY",
     "workstation": "CPU_LINUX01", "message": "PAYROLL_DAILY started"},
]


class MemoryPlan:
    """`PlanReader` over the fixed plan above (instance "PROD")."""

    def __init__(self, *, stale: bool = False, with_workstations: bool = True, empty: bool = False):
        self.jobs_rows = copy.deepcopy(JOBS)
        self.stale, self.empty = stale, empty
        if not with_workstations:
            self.workstations = None  # type: ignore[assignment]

    def summary(self, instance):
        if self.empty:
            return None
        rows = self.jobs_rows
        count = lambda *s: sum(1 for r in rows if r["status"] in s)  # noqa: E731
        return {"instance": instance or "PROD", "as_of": (NOW - timedelta(seconds=20)).isoformat(),
                "stale_since": at(9, 50) if self.stale else None, "health": "degraded",
                "counts": {"running": count("EXEC"), "completed": count("SUCC"),
                           "failed": count("ABEND", "FAIL", "ERROR"), "pending": count("HOLD", "READY", "WAIT"),
                           "late": sum(r["late"] for r in rows), "stuck": sum(r["stuck"] for r in rows),
                           "total": len(rows)},
                "workstations": {"linked": 2, "unlinked": 1, "total": 3}}

    def jobs(self, instance, *, status=None, workstation=None, stream=None, q=None, sort=None, limit=50, offset=0,
             late=None, stuck=None, critical=None, at_risk=None):
        rows = [r for r in self.jobs_rows
                if (not status or r["status"] in status) and (not workstation or r["workstation"] == workstation)
                and (not stream or r["job_stream"] == stream) and (not q or q.upper() in r["name"])
                and (late is None or r["late"] == late) and (stuck is None or r["stuck"] == stuck)
                and (critical is None or r["critical"] == critical)
                and (not at_risk or (r["critical"] and r["risk"] in ("potential", "high") and r["status"] != "SUCC"
                                     and datetime.fromisoformat(r["deadline"]) >= NOW))]
        if sort:
            key = sort.lstrip("-")
            rows.sort(key=lambda r: (r.get(key) is None, r.get(key) or ""), reverse=sort.startswith("-"))
            if sort.startswith("-"):  # keep the rows without a value last
                rows.sort(key=lambda r: r.get(key) is None)
        return {"count": len(rows), "results": copy.deepcopy(rows[offset:offset + limit])}

    def job(self, instance, job_id_or_name):
        for r in self.jobs_rows:
            if job_id_or_name in (r["id"], r["name"]):
                detail = {"dependencies": [], "history": [], "log_excerpt": None, **copy.deepcopy(r)}
                detail.update(copy.deepcopy(DETAILS.get(r["id"], {})))
                return detail
        return None

    def events(self, instance, *, severity=None, type=None, since=None, limit=50):
        rows = [e for e in EVENTS if (not severity or e["severity"] == severity) and (not type or e["type"] == type)
                and (since is None or datetime.fromisoformat(e["at"]) >= since)]
        return {"count": len(rows), "results": copy.deepcopy(rows[:limit])}

    def deadline_threats(self, instance, job):
        row = next((r for r in self.jobs_rows if job in (r["id"], r["name"])), None)
        if row is None:
            return None
        data = THREATS.get(row["id"], {"deadline": None})
        return {"job": copy.deepcopy(row), **copy.deepcopy(data)}

    def workstations(self, instance):
        return {"count": len(WORKSTATIONS), "results": copy.deepcopy(WORKSTATIONS)}


class AsyncMemoryPlan(MemoryPlan):
    """The same plan behind `async def` methods (an async read layer fits the protocol too)."""

    async def summary(self, instance):
        return MemoryPlan.summary(self, instance)

    async def jobs(self, instance, **kwargs):
        return MemoryPlan.jobs(self, instance, **kwargs)

    async def job(self, instance, job_id_or_name):
        return MemoryPlan.job(self, instance, job_id_or_name)

    async def events(self, instance, **kwargs):
        return MemoryPlan.events(self, instance, **kwargs)

    async def deadline_threats(self, instance, job):
        return MemoryPlan.deadline_threats(self, instance, job)

    async def workstations(self, instance):
        return MemoryPlan.workstations(self, instance)
