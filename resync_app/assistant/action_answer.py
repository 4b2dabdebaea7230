"""The fast path's answer to an action request ("rerun X"): never executed here — it names the job, warns when the
action does not fit its status and carries what the confirm button needs (`FastAnswer.confirm`)."""

from __future__ import annotations

from resync_app.assistant.acting import sign_in_to_act
from resync_app.assistant.fast_answer import AnswerContext, PlanReads
from resync_app.assistant.fmt import FINISHED, qualified
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.job_answers import find_job, headline
from resync_app.tws.statuses import RUNNING_STATUSES


def _action_note(action: str, status: str) -> str | None:
    """A warning when the action does not fit the job's current status (the operator still decides; a message id
    of the catalogues)."""
    running, ended = status in RUNNING_STATUSES, status in FINISHED
    if action == "rerun" and running:
        return "it is running now; a rerun normally follows an ABEND or FAIL."
    if action == "rerun" and not ended:
        return "it has not run yet."
    if action == "hold" and running:
        return "it is running now, and hold does not stop a running job."
    if action == "hold" and ended:
        return "it has already ended; a hold only keeps a job from starting."
    if action == "release" and status != "HOLD":
        return "it is not on hold."
    if action == "cancel" and running:
        return "it is running now; cancelling a running job does not stop it."
    if action == "cancel" and ended:
        return "it has already ended."
    return None


async def action_request(intent: Intent, reads: PlanReads, ctx: AnswerContext) -> tuple[str, dict | None]:
    w = ctx.w
    job, missing = await find_job(intent, reads)
    if job is None:
        return missing + w.t(" Nothing was done."), None
    action, status = intent.get("action"), str(job.get("status") or "")
    if not ctx.may_act:
        return f"{headline(job, w)}\n\n{sign_in_to_act(action, qualified(job), w)}", None
    note = _action_note(action, status)
    lines = [headline(job, w), "", w.t("**{Action} {job}?** Nothing has been done yet: confirm to {action} it "
                                       "(needs a signed-in operator).", Action=w.term(action).capitalize(),
                                       job=qualified(job), action=w.term(action))]
    if note:
        lines.append(w.t("\nNote: {note}", note=w.t(note)))
    confirm = {"action": action, "job_id": job.get("id"), "job": job.get("name"), "job_stream": job.get("job_stream"),
               "workstation": job.get("workstation"), "instance": ctx.instance or ctx.summary.get("instance")}
    return "\n".join(lines), confirm
