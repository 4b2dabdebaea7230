"""The fast path parser's rules per intent family, on a normalised question (`low`: lower-cased): an action request,
a knowledge question, a question about one job, a question about the plan, the shift report. Each returns the
`Intent`, or None (the model answers)."""

from __future__ import annotations

import re

from resync_app.assistant import estimate_intent
from resync_app.assistant.intent_arguments import QuestionName, clean_token, find_since, find_severity, find_statuses
from resync_app.assistant.intent_types import Intent, make_intent
from resync_app.assistant.intent_words import (
    ACTION_RE, ACTION_VERB_RE, COMMON, CRITICAL_RE, DEADLINE_RE, DEPS_RE, EVENTS_RE, HISTORY_RE, JOB_STATUS_RE,
    JOBS_WORD_RE, KNOWLEDGE_RE, KNOWLEDGE_WEAK_RE, LATE_RE, LOG_RE, NAME_RE, NOT_A_NAME_RE, NOT_THIS_RE, PLAN_STATUSES,
    RC_RE, RESERVED, RUNNING_RE, SHIFT_RE, STUCK_RE, SUCCESSORS_RE, SUMMARY_RE, VERB_ACTION, WORKSTATIONS_RE,
    WS_CUE_RE)


def is_knowledge(text: str, low: str) -> bool:
    """Whether a question without names asks the knowledge base ("what does ABEND mean?")."""
    if re.search(r"\bwhat happened\b", low):
        return False
    if KNOWLEDGE_RE.search(low):
        return True
    if RC_RE.search(low):  # "RC 137?", "what is exit code 127" (not "which jobs ended with RC 12")
        return not re.search(r"\b(?:jobs?|which|list|show|ended|how many|with|had|have)\b", low)
    if re.fullmatch(r"explain (?:the )?(?:status )?[a-z]+\??", low) and low.split()[-1].rstrip("?").upper() in PLAN_STATUSES:
        return True
    if not KNOWLEDGE_WEAK_RE.search(low):
        return False
    plan_cues = (LATE_RE, STUCK_RE, RUNNING_RE, EVENTS_RE, SUMMARY_RE, WS_CUE_RE,
                 re.compile(r"\b(?:status|state|jobs|right now|currently|today)\b"))
    return not any(p.search(low) for p in plan_cues) and not find_statuses(low, text)


def knowledge_query(text: str, low: str) -> str:
    """What to search the knowledge base for ("what does hold do?" → "what does hold do action")."""
    query = text.rstrip("?!. ")
    match = re.match(r"^what does (?:the )?(rerun|re-run|hold|release|cancel|kill)(?: action)? do\b", low)
    return f"{query} action" if match and "action" not in low else query


def action_intent(text: str, low: str) -> Intent | bool | None:
    """An action_request; False when the text asks for an action we cannot take apart safely; None: no action."""
    match = ACTION_RE.match(low)
    if match:
        if match.group("verb"):
            action, raw = VERB_ACTION[match.group("verb")], match.group("name")
        elif match.group("hold_name"):
            action, raw = "hold", match.group("hold_name")
        elif match.group("release_name"):
            action, raw = "release", match.group("release_name")
        else:
            action, raw = "rerun", match.group("again_name")
        # take the name with its original case from the text (the regex ran on the lower-cased copy)
        original = text.split()[[t.lower() for t in text.split()].index(raw)] if raw in low.split() else raw
        token = clean_token(original)
        named = NAME_RE.match(token)
        if not named or token.lower() in COMMON or NOT_A_NAME_RE.match(token) or token.upper() in RESERVED:
            return False
        return make_intent("action_request", action=action, job=named.group("name").upper(),
                       stream=(named.group("stream") or "").upper() or None,
                       workstation=(named.group("ws") or "").upper() or None)
    if not ACTION_VERB_RE.search(low):
        return None
    if re.search(r"\b(?:on hold|held|cancel(?:l)?ed|released|rerun(?:s)? (?:of|count))\b", low) and not re.search(
            r"^(?:please |can you |could you )?(?:re-?run|restart|hold|release|unhold|cancel|kill)\b", low):
        return None  # a status word ("jobs on hold", "what was cancelled"), not a request
    if KNOWLEDGE_RE.search(low):
        return None  # "what does hold do?", "difference between hold and cancel"
    return False


def job_intent(job: QuestionName, low: str, since: str | None, ws: str | None, stream: str | None) -> Intent | None:
    args = {"job": job.text, "stream": job.stream or stream, "workstation": job.workstation or ws}
    if job.role == "bare" and not (job.stream or job.workstation) and WS_CUE_RE.search(low) and not re.search(
            r"\bjob\b|what'?s up|what is up", low):
        return make_intent("workstation_status", name=job.text)
    if SUCCESSORS_RE.search(low):
        return None
    if LOG_RE.search(low):
        return make_intent("job_log", **args)
    if DEPS_RE.search(low):
        return make_intent("job_dependencies", **args)
    if (asked := estimate_intent.ask(low)) is not None:  # issue 17: "when will X finish?", "will X make it?"
        return make_intent("job_estimate", ask=asked, **args)
    if DEADLINE_RE.search(low):
        return make_intent("deadline_threats", **args)
    if HISTORY_RE.search(low):
        return make_intent("job_history", **args)
    if JOB_STATUS_RE.search(low):
        return make_intent("job_status", **args)
    rest = re.sub(r"\b(?:what's up with|what is up with|tell me about|what about|how about|what is|what's|the|job|"
                  r"please|about|me)\b", " ", low.replace(job.text.lower(), " "))
    if not re.sub(r"[\W_]", "", rest):  # the name alone ("PAYROLL_DAILY?", "job payroll_daily", "what about X")
        return make_intent("job_status", **args)
    return None


def plan_intent(text: str, low: str, since: str | None, ws: str | None, stream: str | None) -> Intent | None:
    """Questions about the plan rather than one job."""
    negated = re.search(r"\b(?:not|n't|never|without|except|other than)\b", low)
    late, stuck = bool(LATE_RE.search(low)), bool(STUCK_RE.search(low))
    statuses = find_statuses(low, text)
    if DEADLINE_RE.search(low) and (CRITICAL_RE.search(low) or "deadline" in low):
        return None if (ws or stream or negated) else make_intent("deadline_threats")
    if ws and WS_CUE_RE.search(low) and not (late or stuck or statuses):
        return make_intent("workstation_status", name=ws)
    if not ws and not stream and WORKSTATIONS_RE.search(low) and not re.search(r"\bjobs?\b", low):
        link = ("unlinked" if re.search(r"\b(?:unlinked|not linked|offline|down|disconnected|unreachable)\b", low)
                else "linked" if re.search(r"\b(?:linked|online|up|connected)\b", low) else None)
        return make_intent("workstation_status", link=link)
    if ws and re.search(r"\b(?:status|state)\b", low) and not re.search(r"\bjobs?\b", low):
        return make_intent("workstation_status", name=ws)
    if negated:
        return None
    kinds = [k for k, hit in (("late", late), ("stuck", stuck)) if hit]
    running = bool(RUNNING_RE.search(low)) and not stuck
    if len(kinds) > 1 or (kinds and statuses) or (running and statuses):
        return None
    if late:
        return make_intent("late_jobs", workstation=ws, stream=stream)
    if stuck:
        return make_intent("stuck_jobs", workstation=ws, stream=stream)
    if running:
        return None if since else make_intent("running_jobs", workstation=ws, stream=stream)
    if statuses:
        return make_intent("list_jobs", status=statuses, since=since, workstation=ws, stream=stream)
    if EVENTS_RE.search(low) and not ws and not stream:
        return make_intent("recent_events", since=since, severity=find_severity(low))
    if (SUMMARY_RE.search(low) or re.fullmatch(r"(?:what(?: is|'s) the )?(?:overall )?status\??", low)) and not (
            ws or stream):
        return make_intent("summary")
    if (ws or stream) and (JOBS_WORD_RE.search(low) or (stream and re.search(r"\b(?:status|state)\b", low))):
        return make_intent("list_jobs", since=since, workstation=ws, stream=stream)  # "status of stream X": its jobs
    return None


def shift_intent(low: str) -> Intent | None:
    """The `shift_report` intent (the chat's "what happened in my shift?", answered by `assistant/shift.py`) of a
    lower-cased, normalised question, or None (not a shift question)."""
    if not SHIFT_RE.search(low) or NOT_THIS_RE.search(low):
        return None
    since, unparsed = find_since(low)
    if unparsed:
        return None
    return make_intent("shift_report", since=since)
