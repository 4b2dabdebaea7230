"""The zero-cost fast path: answer a plain lookup from the plan snapshot (or the knowledge base), no model.

    answer = await fast_path(message, reader, instance=None, tz=settings.timezone)
    if answer is None: ...ask the model...

`fast_path` parses the message (`intents.parse`) and formats the answer from a `PlanReader`; it returns None when
the question needs the model (no intent, or nothing to answer it with: an unknown knowledge topic, a reader without
workstation data). Answers are short Markdown that cite the plan data they used (job names, statuses, times) and
end with "as of HH:MM … answered from the plan, no model used". `FastAnswer.calls` lists the reads made (for the
`tool_calls` of `POST /api/v1/chat`). An `action_request` is never executed here: the answer asks for a
confirmation and `FastAnswer.confirm` carries what the confirm button needs.

The answer is in the question's language (`Intent.lang`): the English text written here is the message id of the
catalogues (`assistant/lang`: `w.t("English {field}", field=…)`); the data (names, statuses, figures, rows) is the
same in every language.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any

from resync_app.assistant import fmt, job_answers, plan_answers
from resync_app.assistant.action_answer import action_request
from resync_app.assistant.fast_answer import PLAN_FOOTER, AnswerContext, FastAnswer, NotAnswerable, PlanReads
from resync_app.assistant.fmt import name
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.intents import parse
from resync_app.assistant.kb import KnowledgeBase, get_knowledge_base
from resync_app.assistant.knowledge_answer import KnowledgeSearch, knowledge_answer
from resync_app.assistant.lang import Wording, wording
from resync_app.assistant.prediction_answer import estimate_answer
from resync_app.assistant.rag import knowledge_search
from resync_app.assistant.shift import shift_answer


async def fast_path(message: str, reader: Any, *, instance: str | None = None, tz: tzinfo = timezone.utc,
                    now: datetime | None = None, knowledge: KnowledgeSearch | None = None,
                    kb: KnowledgeBase | None = None) -> FastAnswer | None:
    """Parse `message` and answer it at no cost, or None (the model answers)."""
    intent = parse(message)
    if intent is None:
        return None
    return await answer(intent, reader, instance=instance, tz=tz, now=now, knowledge=knowledge, kb=kb)


async def answer(intent: Intent, reader: Any, *, instance: str | None = None, tz: tzinfo = timezone.utc,
                 now: datetime | None = None, knowledge: KnowledgeSearch | None = None,
                 kb: KnowledgeBase | None = None, may_act: bool = True) -> FastAnswer | None:
    """The answer to `intent`, or None when it cannot be answered without the model. `may_act=False` (nobody
    signed in): an action request says to sign in instead of proposing the action."""
    now = now or datetime.now(timezone.utc)
    w = wording(intent.lang)
    if intent.name == "knowledge":
        return await knowledge_answer(intent, knowledge or knowledge_search, kb or get_knowledge_base())
    reads = PlanReads(reader, instance)
    try:
        summary = await reads("summary")
    except NotAnswerable:
        return None
    if not summary:
        text = w.t("No plan data is available for this TWS instance yet: the poller has not completed a poll. "
                   "Check the instance on the TWS Configuration page.")
        return FastAnswer(text + f"\n\n_{w.t(PLAN_FOOTER)}._", intent, "plan", None, reads.calls)
    handler = _HANDLERS[intent.name]
    try:
        body, confirm = await handler(intent, reads, AnswerContext(now, tz, instance, summary, w, may_act))
    except NotAnswerable:
        return None
    as_of = fmt.to_datetime(summary.get("as_of"))
    text = _with_footer(body, summary, as_of, now, tz, w)
    return FastAnswer(text, intent, "plan", as_of, reads.calls, confirm)


def _with_footer(body: str, summary: dict, as_of: datetime | None, now: datetime, tz: tzinfo, w: Wording) -> str:
    parts = []
    stale = summary.get("stale_since")
    if stale:
        parts.append(w.t("⚠ TWS has not answered since {at}: this data may be out of date.",
                         at=w.clock(stale, now, tz)))
    parts.append(body)
    when = (w.t("As of {at} ({zone})", at=w.clock(as_of, now, tz), zone=_tz_label(as_of or now, tz)) if as_of
            else w.t("As of the last poll"))
    where = w.t(" on {instance}", instance=name(summary.get("instance"))) if summary.get("instance") else ""
    parts.append(f"_{when}{where} · {w.t(PLAN_FOOTER)}._")
    return "\n\n".join(parts)


def _tz_label(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).tzname() or str(tz)


_HANDLERS = {
    "job_status": job_answers.job_status, "job_log": job_answers.job_log,
    "job_dependencies": job_answers.job_dependencies, "job_history": job_answers.job_history,
    "list_jobs": plan_answers.list_jobs, "late_jobs": plan_answers.late_jobs, "stuck_jobs": plan_answers.stuck_jobs,
    "running_jobs": plan_answers.running_jobs, "summary": plan_answers.summary,
    "workstation_status": plan_answers.workstation_status, "recent_events": plan_answers.recent_events,
    "deadline_threats": plan_answers.deadline_threats, "action_request": action_request,
    "shift_report": shift_answer,
    "job_estimate": lambda intent, reads, ctx: estimate_answer(intent, reads, ctx, job_answers.find_job),  # issue 17
}
