"""What the fast path's answer builders share: the answer (`FastAnswer`), the plan reads recorded as tool calls
(`PlanReads`), the answer's context (`AnswerContext`: clock, time zone, summary, wording) and the job-table helpers.
The English text is the message id of the catalogues (`assistant/lang`)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from resync_app.assistant import fmt
from resync_app.assistant.fmt import name
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.lang import Wording, wording

SHOWN_ROWS = 10
SCAN_ROWS = 500
PLAN_FOOTER = "answered from the plan, no model used"


@dataclass
class FastAnswer:
    """A fast-path answer. `source`: "plan", "knowledge:builtin" or "knowledge:rag"."""

    text: str
    intent: Intent
    source: str
    as_of: datetime | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    confirm: dict[str, Any] | None = None  # action_request: {action, job_id, job, job_stream, workstation, instance}

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.text, "fast_path": True, "intent": self.intent.as_dict(), "source": self.source,
                "as_of": self.as_of.isoformat() if self.as_of else None, "tool_calls": self.calls,
                "confirm": self.confirm}


class NotAnswerable(Exception):
    """The reader cannot answer this intent (the question goes to the model)."""


class PlanReads:
    """Calls to the reader, awaited when needed and recorded as tool calls."""

    def __init__(self, reader: Any, instance: str | None):
        self.reader, self.instance, self.calls = reader, instance, []

    async def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        fn = getattr(self.reader, method, None)
        if fn is None:
            raise NotAnswerable(method)
        arguments = {"instance": self.instance, **{k: v for k, v in kwargs.items() if v is not None}}
        if args:
            arguments["job"] = args[0]
        self.calls.append({"name": f"plan.{method}", "arguments": {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in arguments.items()}})
        result = fn(self.instance, *args, **kwargs)
        return await result if inspect.isawaitable(result) else result


@dataclass
class AnswerContext:
    """What an answer builder needs besides the intent and the reads."""

    now: datetime
    tz: tzinfo
    instance: str | None
    summary: dict
    w: Wording = wording("en")  # the answer's language
    may_act: bool = True

    def at(self, value: Any) -> str:
        return self.w.clock(value, self.now, self.tz)


def scope(intent: Intent) -> str:
    """" on WS in stream S": the workstation and stream the question narrowed a list to."""
    w, parts = wording(intent.lang), []
    if intent.get("workstation"):
        parts.append(w.t("on {workstation}", workstation=name(intent.get("workstation"))))
    if intent.get("stream"):
        parts.append(w.t("in stream {stream}", stream=name(intent.get("stream"))))
    return (" " + " ".join(parts)) if parts else ""


def job_table(rows: list[dict], ctx: AnswerContext,
              extra: tuple[str, Callable[[dict], Any]] | None = None) -> str:
    """The first SHOWN_ROWS jobs as a Markdown table; `extra`: (header, value of a row) of one more column."""
    headers = ctx.w.headers("job", "stream", "workstation", "status", "start", "end", "RC")
    if extra:
        headers.append(ctx.w.t(extra[0]))
    out = []
    for r in rows[:SHOWN_ROWS]:
        row = [name(r.get("name")), r.get("job_stream"), r.get("workstation"), r.get("status"),
               ctx.at(r.get("start")), ctx.at(r.get("end")), r.get("return_code")]
        if extra:
            row.append(extra[1](r))
        out.append(row)
    return fmt.table(headers, out)


def more(shown: int, total: int, w: Wording) -> str:
    """"…and N more on the Monitoring page" when a list was cut."""
    return w.t("\n\n…and {count} more on the Monitoring page.", count=total - shown) if total > shown else ""
