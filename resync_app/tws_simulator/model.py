"""The simulator's plan objects (compact, slot-based: a 50 000-job plan must stay small in memory).

Times are virtual epoch seconds (floats). Each object keeps a `cache` of its rendered JSON bytes, dropped by
`Plan._touch` whenever the object changes.
"""

from __future__ import annotations

# Job status (JobInPlanStatus) -> CommonStatusV2, for the states the simulator uses.
COMMON_STATUS = {
    "HOLD": "WAITING", "READY": "READY", "WAIT": "WAITING", "EXEC": "RUNNING", "SUCC": "SUCCESSFUL",
    "ABEND": "ERROR", "CANCL": "CANCELED",
}
FINAL = frozenset({"SUCC", "ABEND", "CANCL"})
RERUNNABLE = frozenset({"SUCC", "ABEND"})
HOLDABLE = frozenset({"HOLD", "READY", "WAIT"})
OUTCOMES = ("succ", "abend", "stuck", "late")
ABEND_CODES = (1, 4, 8, 12, 16, 127, 255)

# activeStates of a healthy workstation; unlinking/stopping/setting offline removes some.
LINK_STATES = ("LINKED", "FULLY_LINKED", "WRITER_RUNNING")
RUN_STATES = ("RUNNING", "JOBMAN_UP")


class Workstation:
    __slots__ = ("id", "name", "type", "os", "host_type", "domain", "linked", "online", "running", "manual",
                 "flap_token", "cache", "index")

    def __init__(self, id: str, name: str, type: str, os: str, host_type: str, index: int) -> None:
        self.id, self.name, self.type, self.os, self.host_type, self.index = id, name, type, os, host_type, index
        self.domain = "MASTERDM"
        self.linked = True
        self.online = True
        self.running = True
        self.manual = False  # unlinked by the control API: no automatic relink
        self.flap_token = 0
        self.cache: bytes | None = None

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
        if self.online:
            out.append("ONLINE")
        return out


class Stream:
    __slots__ = ("id", "name", "ws", "day", "at", "deadline", "jobs", "cache", "template")

    def __init__(self, id: str, name: str, ws: Workstation, day: float, at: float, deadline: float | None,
                 template: int) -> None:
        self.id, self.name, self.ws, self.day, self.at, self.deadline = id, name, ws, day, at, deadline
        self.template = template
        self.jobs: list[Job] = []
        self.cache: bytes | None = None


class Run:
    __slots__ = ("id", "number", "attempt", "status", "substatus", "start", "end", "rc", "rerun", "outcome",
                 "finish_at", "log_seed")

    def __init__(self, id: str, number: int, attempt: int, rerun: bool) -> None:
        self.id, self.number, self.attempt, self.rerun = id, number, attempt, rerun
        self.status = "HOLD"
        self.substatus = "HOLD_WAITING_FOR_PREDECESSOR"
        self.start: float | None = None
        self.end: float | None = None
        self.rc: int | None = None
        self.outcome = ""  # drawn at launch (or scripted): succ | abend | stuck | late
        self.finish_at: float | None = None
        self.log_seed = number


class Job:
    __slots__ = ("id", "name", "stream", "ws", "position", "at", "deadline", "est", "critical", "critical_start",
                 "preds", "succs", "runs", "held", "token", "script", "late_flag", "deadline_passed", "cache",
                 "definition_id", "priority", "description", "task", "order")

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
