"""The `Intent` the fast path's parser (`intents.parse`) turns a plain lookup question into: its name, the arguments
the question gave and the question's language.

Intents and their arguments (arguments that are None are left out of `Intent.args`):

| intent | arguments | example |
|---|---|---|
| `job_status` | job, stream?, workstation? | "status of job PAYROLL_DAILY", "did GL_POST_01 finish?" |
| `job_log` | job, stream?, workstation? | "show the log of PAYROLL_DAILY" |
| `job_dependencies` | job, stream?, workstation? | "what is PAYROLL_DAILY waiting for?" |
| `job_history` | job, stream?, workstation? | "how long does BACKUP_NIGHTLY usually take?" |
| `list_jobs` | status?, since?, workstation?, stream? | "what abended in the last hour" |
| `late_jobs` | workstation?, stream? | "what is late on CPU_LINUX01" |
| `stuck_jobs` | workstation?, stream? | "any stuck jobs?" |
| `running_jobs` | workstation?, stream? | "what's running right now" |
| `workstation_status` | name?, link? ("linked"/"unlinked") | "is workstation CPU_LINUX01 linked?" |
| `recent_events` | since?, severity? | "what happened in the last 30 minutes?" |
| `summary` | | "how is TWS doing?" |
| `deadline_threats` | job? (None: every critical job at risk) | "what threatens PAYROLL_DAILY's deadline?" |
| `job_estimate` | ask ("when"/"deadline"), job, stream?, workstation? | "when will PAYROLL_DAILY finish?" |
| `action_request` | action (rerun/hold/release/cancel), job, stream?, workstation? | "rerun PAYROLL_DAILY" |
| `knowledge` | query, question? (a Portuguese question as asked) | "what does ABEND mean?" |
| `shift_report` | since? | "what happened in my shift?" (assistant/shift.py) |

`status` is a list of HWA plan statuses (`JobInPlanStatus` of the REST API v2: ABEND, SUCC, CANCL, …): "failed"
means ABEND + FAIL + ABENP + ERROR, "cancelled" CANCL, "completed"/"succeeded" SUCC, "waiting" WAIT + HOLD. `since` is
`"<N>m"` (the last N minutes), `"today"` (since local midnight) or `"HH:MM"` (today, local time); see
`resolve_since`. Names are TWS identifiers, upper-cased: `JOB`, `STREAM.JOB` or `WS#STREAM.JOB`, optionally
quoted. An `action_request` is never executed here: the chat asks the operator to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resync_app.assistant import lang


@dataclass(frozen=True)
class Intent:
    """A structured plain-lookup request. `args` holds only the arguments that were given; `lang` is the language
    of the question (the answer's language)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    lang: str = lang.EN

    def as_dict(self) -> dict[str, Any]:
        return {"intent": self.name, **self.args}

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)


def make_intent(kind: str, /, **args: Any) -> Intent:
    """The intent `kind` with the arguments that were given (None and [] left out)."""
    return Intent(kind, {k: v for k, v in args.items() if v is not None and v != []})
