"""Engine behaviours the REST API v2 spec leaves open, which a real HWA engine may show (issue 16, D1-D6).

The simulator's default answers are the plainest reading of the spec. Each behaviour below is what a real engine
may do instead; Resync must be right under every one of them, so the simulator can do each (all off by default,
so that a plan for a seed stays the same):

- `late_job_numbers` (D5): a run's `jobNumber` is assigned when the run is launched, not when the plan is built
  (before launch the run has no `jobNumber`).
- `agents_without_online` (D6): this share of the agents (every workstation but the master and the fault-tolerant
  agents) never lists `ONLINE` in `activeStates`, though linked and running.
- `stream_dependencies` (D3): this share of the job streams depend on a whole earlier job stream (an
  `EXTERNAL_JOBSTREAM` dependency of their first job; `plan/job/{id}/predecessors` answers a JOBSTREAM node).
- `predecessor_depth` (D3): how many levels `plan/job/{id}/predecessors|successors` answers when the request has
  no `depth` (1 = direct only; 0 = every ancestor).
- `extended_statuses` (D4): this share of the jobs go through more of the 27 statuses and the engine's other
  spellings: INTRO before EXEC, SCHED while their start time has not come, FAIL (not launched) and ERROR instead
  of some abends, SUCCP / ABENP (confirmed while still running), PEND (ended, awaiting confirmation), and
  CANCELLED for a cancelled job.
- `error_body` (D1): the body of an error answer, which the spec does not describe: `json` ({code, messageId,
  message}), `nested` ({"error": {"message", "code"}}), `text` (text/plain), `html` (an application server's error
  page) or `empty`.
- `refusal` (D2): how an action TWS refuses is answered: `400` (the spec's "parameters are not valid"), `409`, or
  `200` (an ActionResourceResponseV2 with `isError: true` and the reason in `message`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

ERROR_BODIES = ("json", "nested", "text", "html", "empty")
REFUSALS = ("400", "409", "200")
SHARES = ("agents_without_online", "stream_dependencies", "extended_statuses")
RUNTIME = ("error_body", "refusal", "predecessor_depth", "late_job_numbers")  # may change while running


@dataclass
class Behaviours:
    late_job_numbers: bool = False
    agents_without_online: float = 0.0
    stream_dependencies: float = 0.0
    predecessor_depth: int = 1
    extended_statuses: float = 0.0
    error_body: str = "json"
    refusal: str = "400"

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            setattr(self, name, check(name, value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(name: str, value: Any) -> Any:
    """`value` for behaviour `name`, converted; ValueError saying what is allowed."""
    if name in SHARES:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{name} is a share between 0 and 1")
        return float(value)
    if name == "late_job_numbers":
        if not isinstance(value, bool):
            raise ValueError("late_job_numbers is true or false")
        return value
    if name == "predecessor_depth":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("predecessor_depth is a whole number ≥ 0 (0: every ancestor)")
        return value
    if name == "error_body":
        if value not in ERROR_BODIES:
            raise ValueError(f"error_body is one of {', '.join(ERROR_BODIES)}")
        return value
    if name == "refusal":
        value = str(value)
        if value not in REFUSALS:
            raise ValueError(f"refusal is one of {', '.join(REFUSALS)}")
        return value
    raise ValueError(f"unknown behaviour {name!r}; known: {', '.join(f.name for f in fields(Behaviours))}")


def all_on() -> Behaviours:
    """Every behaviour at once, with shares a demo shows (`python -m resync_app.tws_simulator --real-engine`)."""
    return Behaviours(late_job_numbers=True, agents_without_online=1.0, stream_dependencies=0.15,
                      predecessor_depth=0, extended_statuses=0.3, error_body="html", refusal="200")


__all__ = ["Behaviours", "ERROR_BODIES", "REFUSALS", "RUNTIME", "all_on", "check"]
