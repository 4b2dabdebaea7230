"""The simulator's plan objects (compact, slot-based: a 50 000-job plan must stay small in memory).

Times are virtual epoch seconds (floats). Each object keeps a `cache` of its rendered JSON bytes, dropped by
`Plan._touch` whenever the object changes.
"""

from __future__ import annotations

# Job statuses (JobInPlanStatus; what each means and its CommonStatusV2: resync_app/tws/statuses.py). The plain life
# cycle uses HOLD READY WAIT EXEC SUCC ABEND CANCL; jobs with extended statuses (behaviours.py, D4) also INTRO, FAIL,
# ERROR, SUCCP, ABENP and PEND.
FINAL = frozenset({"SUCC", "ABEND", "CANCL", "FAIL", "ERROR"})
RERUNNABLE = frozenset({"SUCC", "ABEND", "FAIL", "ERROR"})
HOLDABLE = frozenset({"HOLD", "READY", "WAIT"})
RUNNING = frozenset({"INTRO", "EXEC", "SUCCP", "ABENP"})  # launched, not ended
OUTCOMES = ("succ", "abend", "stuck", "late", "fail", "error", "succp", "abenp", "pend")
ABEND_CODES = (1, 4, 8, 12, 16, 127, 255)

# activeStates of a healthy workstation; unlinking/stopping/setting offline removes some.
LINK_STATES = ("LINKED", "FULLY_LINKED", "WRITER_RUNNING")
RUN_STATES = ("RUNNING", "JOBMAN_UP")


class Workstation:
    __slots__ = ("id", "name", "type", "os", "host_type", "domain", "linked", "online", "running", "manual",
                 "flap_token", "cache", "index", "reports_online")

    def __init__(self, id: str, name: str, type: str, os: str, host_type: str, index: int) -> None:
        self.id, self.name, self.type, self.os, self.host_type, self.index = id, name, type, os, host_type, index
        self.domain = "MASTERDM"
        self.linked = True
        self.online = True
        self.running = True
        self.manual = False  # unlinked by the control API: no automatic relink
        self.flap_token = 0
        self.cache: bytes | None = None
        self.reports_online = True  # False: an agent that never lists ONLINE in activeStates (behaviours, D6)

    @property
    def available(self) -> bool:
        """Jobs can be launched here."""
        return self.linked and self.online and self.running

    def states(self) -> list[str]:
        out = ["MASTER"] if self.host_type == "MASTER" else []
        if self.linked:
            out += LINK_STATES
            if self.running:
                out += RUN_STATES
        if self.online and self.reports_online:
            out.append("ONLINE")
        return out

    def flags(self) -> list[str]:
        """activeFlags. A workstation set offline does not launch jobs: its job launching is deactivated."""
        out = ["AUTO_LINK", "FULL_STATUS"] + (["TCP_IP_LINK"] if self.linked else [])
        if not self.online:
            out.append("DISABLED_DEACTIVE_JOB_LAUNCHING_FLAG")
        return out


class Stream:
    __slots__ = ("id", "name", "ws", "day", "at", "deadline", "jobs", "cache", "template", "succs")

    def __init__(self, id: str, name: str, ws: Workstation, day: float, at: float, deadline: float | None,
                 template: int) -> None:
        self.id, self.name, self.ws, self.day, self.at, self.deadline = id, name, ws, day, at, deadline
        self.template = template
        self.jobs: list[Job] = []
        self.cache: bytes | None = None
        self.succs: list[Job] = []  # jobs that follow this whole stream (EXTERNAL_JOBSTREAM, behaviours D3)

    @property
    def done(self) -> bool:
        """Every job ended successfully or was cancelled: a follows-stream dependency is satisfied."""
        return all(j.status in ("SUCC", "CANCL") for j in self.jobs)


class Run:
    __slots__ = ("id", "number", "attempt", "status", "substatus", "start", "end", "rc", "rerun", "outcome",
                 "finish_at", "log_seed", "confirm")

    def __init__(self, id: str, number: int | None, attempt: int, rerun: bool) -> None:
        self.id, self.number, self.attempt, self.rerun = id, number, attempt, rerun
        self.status = "HOLD"
        self.substatus = "HOLD_WAITING_FOR_PREDECESSOR"
        self.start: float | None = None
        self.end: float | None = None
        self.rc: int | None = None
        self.outcome = ""  # drawn at launch (or scripted): succ | abend | stuck | late
        self.finish_at: float | None = None
        self.log_seed = number or attempt
        self.confirm = ""  # extended statuses: "early" (SUCCP / ABENP while running) or "pend" (PEND at the end)


class Job:
    __slots__ = ("id", "name", "stream", "ws", "position", "at", "deadline", "est", "critical", "critical_start",
                 "preds", "succs", "runs", "held", "token", "script", "late_flag", "deadline_passed", "cache",
                 "definition_id", "priority", "description", "task", "order", "stream_preds", "extended")

    def __init__(self, id: str, name: str, stream: Stream, ws: Workstation, position: int, at: float, est: float,
                 order: int) -> None:
        self.id, self.name, self.stream, self.ws, self.position, self.at, self.est = (
            id, name, stream, ws, position, at, est)
        self.order = order  # plan-wide creation order (the default sort of queries)
        self.deadline: float | None = None
        self.critical = False
        self.critical_start: float | None = None
        self.preds: list[Job] = []
        self.succs: list[Job] = []
        self.stream_preds: list[Stream] = []  # whole job streams this job follows (behaviours D3)
        self.extended = False  # goes through the extended statuses (behaviours D4)
        self.runs: list[Run] = []
        self.held = False
        self.token = 0  # bumped to void pending launch/finish events
        self.script = ""  # outcome forced for the next (or current) run
        self.late_flag = False
        self.deadline_passed = False
        self.cache: bytes | None = None
        self.definition_id = ""
        self.priority = 10
        self.description = ""
        self.task = ""

    @property
    def run(self) -> Run:
        return self.runs[-1]

    @property
    def status(self) -> str:
        return self.runs[-1].status

    @property
    def key(self) -> str:
        return f"{self.stream.ws.name}#{self.stream.name}.{self.name}"

    def pred_done(self, pred: Job) -> bool:
        """A predecessor releases its successors when it ended successfully or was cancelled (as in TWS)."""
        return pred.status in ("SUCC", "CANCL")

    def waiting_for_predecessors(self) -> bool:
        return any(not self.pred_done(p) for p in self.preds) or any(not s.done for s in self.stream_preds)
