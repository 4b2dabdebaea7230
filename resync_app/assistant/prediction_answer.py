"""The fast-path answer to "when will X finish?" / "will X make its deadline?" (intent `job_estimate`, issue 17):
the poller's estimated end with its 80 % interval, the confidence of ending by the deadline and the top causes of
delay — read from the job's §13 fields, $0. English and Brazilian Portuguese (`Intent.lang`)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from resync_app.assistant import fmt
from resync_app.assistant.fmt import name
from resync_app.prediction import wording as estimate_wording
from resync_app.tws.statuses import CANCELLED_STATUSES, FAILED_STATUSES, SUCCESS_STATUSES

TOP_CAUSES = 3
_PT = {
    "{job} is **{status}**.": "{job} está **{status}**.",
    "It ended at {end}.": "Terminou às {end}.",
    "It ended at {end}, {verdict} its deadline ({deadline}).": "Terminou às {end}, {verdict} o prazo ({deadline}).",
    "within": "dentro do", "after": "depois do",
    "It will not finish without an operator (rerun it, or fix what blocks it).":
        "Não vai terminar sem um operador (reexecute-o ou corrija o que o bloqueia).",
    "Estimated end **{end}**, 80 % interval {low}–{high}.":
        "Término estimado **{end}**, intervalo de 80 % {low}–{high}.",
    "Deadline {deadline}: **{verdict}**, {confidence} chance of ending on time ({risk} risk).":
        "Prazo {deadline}: **{verdict}**, {confidence} de chance de terminar no prazo (risco {risk}).",
    "likely yes": "provavelmente sim", "uncertain": "incerto", "likely not": "provavelmente não",
    "What delays it:": "O que o atrasa:",
    "Nothing upstream delays it now.": "Nada antes dele o atrasa agora.",
    "No estimate for it yet: Resync estimates the critical jobs and their predecessors after each poll.":
        "Ainda não há estimativa: o Resync estima os jobs críticos e seus predecessores a cada coleta.",
    "It has no deadline in the plan.": "Não tem prazo no plano.",
    "normal": "normal", "potential": "potencial", "high": "alto",
}

FindJob = Callable[[Any, Any], Awaitable[tuple[dict | None, str | None]]]


def _t(lang: str, msgid: str, **values: Any) -> str:
    text = _PT.get(msgid, msgid) if lang.startswith("pt") else msgid
    return text.format(**values)


def _verdict(confidence: float | None) -> str:
    if confidence is None:
        return "uncertain"
    return "likely yes" if confidence >= 0.8 else "uncertain" if confidence >= 0.5 else "likely not"


def estimate_lines(job: dict, lang: str, at: Callable[[Any], str], ask: str = "when") -> list[str]:
    """The answer's lines for one job row (also what a page could reuse)."""
    status = str(job.get("status") or "?")
    lines = [_t(lang, "{job} is **{status}**.", job=name(job.get("name")), status=fmt.plain(status))]
    deadline = job.get("deadline")
    if status in SUCCESS_STATUSES:
        if deadline and job.get("end"):
            made = str(job["end"]) <= str(deadline)
            lines.append(_t(lang, "It ended at {end}, {verdict} its deadline ({deadline}).", end=at(job.get("end")),
                            verdict=_t(lang, "within" if made else "after"), deadline=at(deadline)))
        else:
            lines.append(_t(lang, "It ended at {end}.", end=at(job.get("end"))))
        return lines
    if status in FAILED_STATUSES or status in CANCELLED_STATUSES:
        lines.append(_t(lang, "It will not finish without an operator (rerun it, or fix what blocks it)."))
        return lines
    if not job.get("estimated_end"):
        lines.append(_t(lang, "No estimate for it yet: Resync estimates the critical jobs and their predecessors "
                              "after each poll."))
        return lines
    lines.append(_t(lang, "Estimated end **{end}**, 80 % interval {low}–{high}.", end=at(job.get("estimated_end")),
                    low=at(job.get("estimated_end_low") or job.get("estimated_end")),
                    high=at(job.get("estimated_end_high") or job.get("estimated_end"))))
    confidence = job.get("confidence")
    if deadline:
        risk = str(job.get("risk") or "")
        lines.append(_t(lang, "Deadline {deadline}: **{verdict}**, {confidence} chance of ending on time ({risk} "
                              "risk).", deadline=at(deadline), verdict=_t(lang, _verdict(confidence)),
                        confidence=fmt.percent(confidence), risk=_t(lang, risk) if risk else "?"))
    elif ask == "deadline":
        lines.append(_t(lang, "It has no deadline in the plan."))
    causes = estimate_wording.top_causes(job.get("why"), lang, TOP_CAUSES)
    if causes:
        lines += ["", _t(lang, "What delays it:")] + [f"- {fmt.plain(c)}" for c in causes]
    elif deadline:
        lines.append(_t(lang, "Nothing upstream delays it now."))
    return lines


async def estimate_answer(intent: Any, reads: Any, ctx: Any, find_job: FindJob) -> tuple[str, None]:
    """The `job_estimate` handler (`fastpath._HANDLERS`; `find_job` is `job_answers.find_job`)."""
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing, None
    return "\n".join(estimate_lines(job, intent.lang or "en", ctx.at, intent.get("ask") or "when")), None
