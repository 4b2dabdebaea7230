"""The fast-path answer to "when will X finish?" / "will X make its deadline?" (intent `job_estimate`, issue 17):
the poller's estimated end with its 80 % interval, the confidence of ending by the deadline and the top causes of
delay — read from the job's §13 fields, $0. English and Brazilian Portuguese (`Intent.lang`)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from resync_app.assistant import fmt
from resync_app.assistant.fmt import name
from resync_app.assistant.lang import wording
from resync_app.prediction import wording as estimate_wording
from resync_app.tws.statuses import CANCELLED_STATUSES, FAILED_STATUSES, SUCCESS_STATUSES

TOP_CAUSES = 3

FindJob = Callable[[Any, Any], Awaitable[tuple[dict | None, str | None]]]


def _verdict(confidence: float | None) -> str:
    if confidence is None:
        return "uncertain"
    return "likely yes" if confidence >= 0.8 else "uncertain" if confidence >= 0.5 else "likely not"


def estimate_lines(job: dict, lang: str, at: Callable[[Any], str], ask: str = "when") -> list[str]:
    """The answer's lines for one job row (also what a page could reuse)."""
    w = wording(lang)
    status = str(job.get("status") or "?")
    lines = [w.t("{job} is **{status}**.", job=name(job.get("name")), status=fmt.plain(status))]
    deadline = job.get("deadline")
    if status in SUCCESS_STATUSES:
        if deadline and job.get("end"):
            made = str(job["end"]) <= str(deadline)
            lines.append(w.t("It ended at {end}, {verdict} its deadline ({deadline}).", end=at(job.get("end")),
                             verdict=w.t("within" if made else "after"), deadline=at(deadline)))
        else:
            lines.append(w.t("It ended at {end}.", end=at(job.get("end"))))
        return lines
    if status in FAILED_STATUSES or status in CANCELLED_STATUSES:
        lines.append(w.t("It will not finish without an operator (rerun it, or fix what blocks it)."))
        return lines
    if not job.get("estimated_end"):
        lines.append(w.t("No estimate for it yet: Resync estimates the critical jobs and their predecessors "
                         "after each poll."))
        return lines
    lines.append(w.t("Estimated end **{end}**, 80 % interval {low}–{high}.", end=at(job.get("estimated_end")),
                     low=at(job.get("estimated_end_low") or job.get("estimated_end")),
                     high=at(job.get("estimated_end_high") or job.get("estimated_end"))))
    confidence = job.get("confidence")
    if deadline:
        risk = str(job.get("risk") or "")
        lines.append(w.t("Deadline {deadline}: **{verdict}**, {confidence} chance of ending on time ({risk} "
                         "risk).", deadline=at(deadline), verdict=w.t(_verdict(confidence)),
                         confidence=fmt.percent(confidence), risk=w.term(risk) if risk else "?"))
    elif ask == "deadline":
        lines.append(w.t("It has no deadline in the plan."))
    causes = estimate_wording.top_causes(job.get("why"), lang, TOP_CAUSES)
    if causes:
        lines += ["", w.t("What delays it:")] + [f"- {fmt.plain(c)}" for c in causes]
    elif deadline:
        lines.append(w.t("Nothing upstream delays it now."))
    return lines


async def estimate_answer(intent: Any, reads: Any, ctx: Any, find_job: FindJob) -> tuple[str, None]:
    """The `job_estimate` handler (`fastpath._HANDLERS`; `find_job` is `job_answers.find_job`)."""
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    return "\n".join(estimate_lines(job, intent.lang or "en", ctx.at, intent.get("ask") or "when")), None
