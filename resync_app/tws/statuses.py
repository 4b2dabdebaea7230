"""The one table of HWA job statuses: what each means to an operator, and how Resync counts, filters, colours and
alerts on it. Everything that needs the status vocabulary reads it from here (the poller's counts and events, the
status filter of `/api/v1/tws/jobs`, `/monitoring`'s chips and rows, the assistant, the Teams filters, the
simulator).

The 27 codes of the spec's `JobInPlanStatus` come first; then the codes and spellings a real engine or its
command line also shows (`SCHED`, `ADD`, `DONE`, `BOUND`, `WAITD`, `USER STAT`), and aliases that mean one of
them (`CANCELLED` → CANCL, `ABEND P` → ABENP …). A status Resync does not know is kept and shown as TWS sent it,
counted in the total and in no group, never alerted on.

Groups (the summary's counts): `running` (counts as running; may become stuck), `success` (completed), `failed`
(failed: a `job_abended` event and a red row), `cancelled` (did not run / will not run; counted in the total
only), `waiting` (pending; may become late), `other` (none of these). `final`: the run will not change by itself
(its end is recorded in the run history; a final job is never late or stuck). `attention`: a waiting status that
needs an operator (the row is highlighted). Meanings from HCL's "Status description and mapping for distributed
jobs" and the conman `showjobs` reference.
"""

from __future__ import annotations

from dataclasses import dataclass

RUNNING, SUCCESS, FAILED, CANCELLED, WAITING, OTHER = "running", "success", "failed", "cancelled", "waiting", "other"
GROUPS = (RUNNING, SUCCESS, FAILED, CANCELLED, WAITING, OTHER)
COLORS = {RUNNING: "blue", SUCCESS: "green", FAILED: "red", CANCELLED: "gray", WAITING: "gray", OTHER: "gray"}


@dataclass(frozen=True)
class Status:
    code: str
    group: str
    meaning: str
    final: bool = False
    attention: bool = False  # waiting on an operator: highlighted
    common: str = "UNDECIDED"  # the CommonStatusV2 the engine reports with it
    in_spec: bool = True  # one of the 27 codes of JobInPlanStatus
    color: str = ""

    @property
    def badge(self) -> str:
        """The badge colour on the pages."""
        return self.color or ("orange" if self.attention else COLORS[self.group])


_S = Status
TABLE: tuple[Status, ...] = (
    _S("HOLD", WAITING, "waiting for its dependencies or its start time, or held", common="WAITING"),
    _S("READY", WAITING, "ready to launch", common="READY", color="cyan"),
    _S("FENCE", WAITING, "priority below the workstation fence", attention=True,
       common="WAITING"),
    _S("INTRO", RUNNING, "being introduced for launch", common="RUNNING"),
    _S("FAIL", FAILED, "could not be launched", final=True, common="ERROR"),
    _S("EXEC", RUNNING, "running", common="RUNNING"),
    _S("WAIT", WAITING, "waiting on the agent side", common="WAITING"),
    _S("SUPPR", CANCELLED, "suppressed: it will not run",
       final=True, common="SUPPRESS"),
    _S("END", SUCCESS, "ended", final=True, common="COMPLETED"),
    _S("SUCC", SUCCESS, "completed successfully", final=True, common="SUCCESSFUL"),
    _S("SUCCP", RUNNING, "success confirmation received, not completed yet", common="RUNNING"),
    _S("ABEND", FAILED, "ended in error", final=True, common="ERROR"),
    _S("CANCL", CANCELLED, "cancelled", final=True, common="CANCELED"),
    _S("CANCLP", CANCELLED, "cancel pending", final=True,
       common="CANCELED"),
    _S("ABENP", FAILED, "abend pending: abend confirmation received, not completed yet", common="ERROR"),
    _S("PEND", WAITING, "ended, waiting for a confirmation", attention=True, common="WAITING"),
    _S("SUSP", WAITING, "suspended", attention=True, common="WAITING"),
    _S("STUCK", WAITING, "interrupted, needs an operator", attention=True,
       common="BLOCKED"),
    _S("EXTRN", WAITING, "external dependency, status unknown", common="UNDECIDED"),
    _S("INTRPT", WAITING, "interrupted", attention=True, common="INTERRUPTED"),
    _S("COMPLT", SUCCESS, "complete", final=True, common="COMPLETED"),
    _S("ERROR", FAILED, "ended in error (or a remote dependency could not be checked)", final=True, common="ERROR"),
    _S("PENDPRED", WAITING, "waiting for a pending predecessor", common="WAITING"),
    _S("STARTED", RUNNING, "started", common="RUNNING"),
    _S("UNDCDED", WAITING, "undecided: its status is being checked", common="UNDECIDED"),
    _S("ARRVING", WAITING, "arriving", common="READY"),
    _S("NONREPPRED", WAITING, "waiting for a predecessor on a non-reporting workstation",
       common="READY_PREV_WS_NONREP"),
    # Not in JobInPlanStatus: the command line's and other engines' codes.
    _S("SCHED", WAITING, "its start (at) time has not come yet", common="WAITING", in_spec=False),
    _S("ADD", WAITING, "being submitted", common="WAITING", in_spec=False),
    _S("WAITD", WAITING, "waiting, deferred", common="WAITING", in_spec=False),
    _S("BOUND", WAITING, "a shadow job bound to its remote job", common="WAITING", in_spec=False),
    _S("DONE", OTHER, "ended in an unknown state", final=True, common="COMPLETED", in_spec=False),
    _S("USER STAT", OTHER, "a status set by a user, not by the engine",
       common="UNDECIDED", in_spec=False),
)
BY_CODE: dict[str, Status] = {s.code: s for s in TABLE}
SPEC_CODES = tuple(s.code for s in TABLE if s.in_spec)
CODES = tuple(s.code for s in TABLE)

# Other spellings of a code (the Dynamic Workload Console writes "ABEND P"; the broker and CONTRACT §9 CANCELLED).
ALIASES = {"CANCELLED": "CANCL", "CANCELED": "CANCL", "CANCEL": "CANCL", "CANCEL P": "CANCLP", "ABEND P": "ABENP",
           "SUCC P": "SUCCP", "USERSTAT": "USER STAT", "USER_STAT": "USER STAT"}
# Words an operator types into a status filter for a whole group.
GROUP_WORDS = {"FAILED": FAILED, "FAILURES": FAILED, "RUNNING": RUNNING, "SUCCESS": SUCCESS, "SUCCESSFUL": SUCCESS,
               "COMPLETED": SUCCESS, "WAITING": WAITING, "PENDING": WAITING}
FILTER_WORDS = {"HELD": ("HOLD",)}


def canonical(status: str | None) -> str:
    """The table's code for a status as TWS sent it (an alias → its code; case and spaces tidied); an unknown
    status comes back tidied, not replaced."""
    text = " ".join(str(status or "").split()).upper()
    return ALIASES.get(text, text)


def info(status: str | None) -> Status | None:
    found = BY_CODE.get(status) if status.__class__ is str else None  # the usual case: already the table's code
    return found if found is not None else BY_CODE.get(canonical(status))


def group(status: str | None) -> str:
    found = info(status)
    return found.group if found is not None else OTHER


def codes_of(group_name: str) -> tuple[str, ...]:
    return tuple(s.code for s in TABLE if s.group == group_name)


def meaning(status: str | None) -> str:
    found = info(status)
    return found.meaning if found is not None else "a status Resync does not know"


def expand_filter(word: str) -> tuple[str, ...] | None:
    """The codes a status-filter word means: a code or alias (itself), a group word (FAILED → ABEND, FAIL, ERROR,
    ABENP), HELD → HOLD; None when it means nothing."""
    text = canonical(word)
    if text in BY_CODE:
        return (text,)
    if text in GROUP_WORDS:
        return codes_of(GROUP_WORDS[text])
    return FILTER_WORDS.get(text)


RUNNING_STATUSES = codes_of(RUNNING)
SUCCESS_STATUSES = codes_of(SUCCESS)
FAILED_STATUSES = codes_of(FAILED)
CANCELLED_STATUSES = codes_of(CANCELLED)
WAITING_STATUSES = codes_of(WAITING)
FINAL_STATUSES = tuple(s.code for s in TABLE if s.final)
ATTENTION_STATUSES = tuple(s.code for s in TABLE if s.attention)
BADGE_COLORS = {s.code: s.badge for s in TABLE}

__all__ = [
    "ALIASES", "ATTENTION_STATUSES", "BADGE_COLORS", "BY_CODE", "CANCELLED_STATUSES", "CODES", "FAILED_STATUSES",
    "FINAL_STATUSES", "GROUPS", "RUNNING_STATUSES", "SPEC_CODES", "SUCCESS_STATUSES", "Status", "TABLE",
    "WAITING_STATUSES", "canonical", "codes_of", "expand_filter", "group", "info", "meaning",
]
