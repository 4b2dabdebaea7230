"""Intent parser of the zero-cost fast path: a plain lookup question → a structured `Intent`; anything else → None.

Deterministic rules, no model, a few microseconds per question. The parser is deliberately conservative: a question
it cannot map with certainty (reasoning: "why", "analyse", "compare", "should I", "root cause"; several questions or
jobs at once; history beyond today's plan; an action on anything but exactly one job) returns None and goes to the
model. English only.

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

Brazilian Portuguese questions are read by the same rules: `parse` detects the question's language and rewrites a
Portuguese question into this vocabulary first (`assistant/lang`); the intent carries the language (`Intent.lang`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from resync_app.assistant import estimate_intent, lang
from resync_app.tws.statuses import FAILED_STATUSES, SPEC_CODES

MAX_CHARS = 300

# HWA REST API v2 JobInPlanStatus (hwa-rest-api-v2.openapi.json) and the failed ones, from `tws/statuses.py`
PLAN_STATUSES = SPEC_CODES
FAILED = ["ABEND", *(code for code in FAILED_STATUSES if code != "ABEND")]
ACTIONS = ("rerun", "hold", "release", "cancel")
SEVERITIES = ("critical", "warning", "info")

# words an operator uses for statuses (exact word forms; the upper-case codes themselves are recognised too)
_STATUS_WORDS: list[tuple[str, list[str]]] = [
    (r"abend(?:s|ed|ing)?|abnormal(?:ly)? end(?:ed)?", ["ABEND"]),
    (r"fail(?:s|ed|ing|ures?)?|in error|errors?|errored|broken", FAILED),
    (r"cancel(?:l)?ed|cancel(?:l)?ations?", ["CANCL"]),
    (r"succeeded|successful(?:ly)?|success|completed(?: successfully)?|finished|ended ok|done", ["SUCC"]),
    (r"on hold|held", ["HOLD"]),
    (r"waiting", ["WAIT", "HOLD"]),
    (r"ready", ["READY"]),
    (r"suspended", ["SUSP"]),
    (r"suppressed", ["SUPPR"]),
    (r"pending confirmation|awaiting confirmation", ["PEND"]),
]
_STATUS_RE = [(re.compile(rf"\b(?:{pattern})\b"), codes) for pattern, codes in _STATUS_WORDS]

# upper-case words that are never job, stream or workstation names
_RESERVED = frozenset(PLAN_STATUSES) | {
    "TWS", "HWA", "IWS", "HCL", "IBM", "RC", "OK", "ID", "AM", "PM", "UTC", "I", "A", "AI", "LLM", "API", "SLA", "ETA",
    "FYI", "ASAP", "DB", "CPU", "WS", "JOB", "JOBS", "STATUS", "CRITICAL", "WARNING", "INFO", "RERUN", "HOLD",
    "RELEASE", "CANCEL", "ALL", "ANY", "WHAT", "WHY", "HOW", "IS", "ARE", "THE", "LATE", "STUCK", "NOW", "TODAY",
    "PLEASE", "PLAN", "OQL", "REST", "JSON", "URL", "HTTP", "HTTPS", "SSH", "FTA", "MDM", "DWC", "ZOS", "UNIX", "LINUX",
    "WINDOWS", "AIX", "PDF", "CSV", "EOD", "SOD", "ERROR", "FAIL",
}
# common words that cannot be a name even after "job", "stream" or "workstation" (link states too: "any workstation
# offline?" asks about a state)
_COMMON = frozenset("""
a an the this that these those it its is are was were be been do does did has have had to of on in at for from by
with and or not no any all every each some status state log logs list show running run runs ran late stuck failed
abended ok done finished there here which what who when where why how now today yet still again please me my us our
details detail info information history dependencies dependency deadline time times name names that's
stream streams workstation workstations job jobs agent agents as so if then than up down everything anything
nothing something them they those one ones linked unlinked link links online offline reachable unreachable connected
disconnected
""".split())

_NAME_CHARS = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
_NAME_RE = re.compile(rf"^(?:(?P<ws>{_NAME_CHARS})#)?(?:(?P<stream>{_NAME_CHARS})\.)?(?P<name>{_NAME_CHARS})$")
_NOT_A_NAME_RE = re.compile(r"^(?:\d+(?:am|pm|h|hr|hrs|m|min|mins|s|st|nd|rd|th|%)?|rc\d+|\d+[:.]\d+)$", re.I)
_QUOTED_RE = re.compile(r"(?:(?<=\s)|^)[\"'`]([A-Za-z0-9][A-Za-z0-9_#.\-]*)[\"'`](?=[\s?.!,;:]|$)")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})

_WS_BEFORE = {"on", "workstation", "ws", "agent", "host", "server", "machine", "cpu", "computer"}
_STREAM_BEFORE = {"stream", "jobstream", "schedule", "in"}
_JOB_BEFORE = {"job"}
_WS_AFTER = {"workstation", "agent", "host", "server", "machine", "ws"}
_NAME_KEYWORDS = {"job", "stream", "jobstream", "workstation", "ws", "agent"}
_STREAM_AFTER = {"stream", "jobstream", "schedule"}

# always needs a model: reasoning, judgement, history beyond today's plan
_REASONING_RE = re.compile(
    r"\b(?:why|how come|analy[sz]\w*|compar\w*|versus|vs|root cause|caus(?:e|es|ed|ing)|recommend\w*|suggest\w*|"
    r"advi[cs]e|should|shall|pattern\w*|trend\w*|predict\w*|forecast\w*|impact\w*|affect\w*|correlat\w*|safe|"
    r"optimi[sz]\w*|improve\w*|reason|explain why|what went wrong|yesterday|tomorrow|overnight|last night|"
    r"this week|last week|this month|last month|(?:last|past|previous) \d* ?(?:days?|weeks?|months?)|"
    r"since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)|ignore|pretend|instructions?|"
    r"prompt injection|system prompt)\b")
# investigation words: a how-to without names is a knowledge question, with a name it needs a model
_INVESTIGATE_RE = re.compile(r"\b(?:troubleshoot\w*|fix\w*|diagnos\w*|investigat\w*|resolve|debug\w*|solve)\b")
_ACTION_VERB_RE = re.compile(r"\b(?:re-?run|restart|hold|release|unhold|cancel|kill|resubmit|submit)\b")
_ACTION_RE = re.compile(
    r"^(?:(?:please|pls|kindly|can you|could you|would you|go ahead and|i want to|i'd like to|i would like to)\s+)*"
    r"(?:(?P<verb>re-?run|restart|hold|release|unhold|cancel)\s+(?:the\s+)?(?:job\s+)?(?P<name>\S+?)(?:\s+job)?"
    r"|put\s+(?:the\s+)?(?:job\s+)?(?P<hold_name>\S+?)(?:\s+job)?\s+on\s+hold"
    r"|take\s+(?:the\s+)?(?:job\s+)?(?P<release_name>\S+?)(?:\s+job)?\s+off\s+hold"
    r"|run\s+(?:the\s+)?(?:job\s+)?(?P<again_name>\S+?)(?:\s+job)?\s+again)"
    r"(?:\s+(?:please|now|right now|asap|for me|again|thanks|thank you))*\s*[.!]*\??$")
_VERB_ACTION = {"rerun": "rerun", "re-run": "rerun", "restart": "rerun", "hold": "hold", "release": "release",
                "unhold": "release", "cancel": "cancel"}

# "what does X mean", "what is a X", "how do I …": a question about the knowledge base
_KNOWLEDGE_RE = re.compile(
    r"\b(?:mean|means|meaning|stand for|stands for|definition|define|difference between|what'?s the difference|"
    r"what is the difference)\b|^(?:what|who)(?:'s| is| are) (?:a|an)\b|^(?:how do i|how do you|how to|how can i|"
    r"how does|what do i do|what to do)\b|^what does (?:the )?(?:\w+ ){1,2}(?:do|mean)\b")
# "explain X", "what is the X": knowledge only when nothing in the question points at the plan
_KNOWLEDGE_WEAK_RE = re.compile(r"^(?:explain|what is the|what's the|what are)\b")
_RC_RE = re.compile(r"\b(?:rc|return code|exit code|exit status|error code)\s*=?\s*-?\d+\b")

_LOG_RE = re.compile(r"\b(?:log|logs|joblog|stdlist|output|stdout|stderr)\b")
_DEPS_RE = re.compile(r"\b(?:waiting (?:for|on)|wait(?:s)? (?:for|on)|depend on|dependencies|dependency|predecessors?|"
                      r"blocked by|blocking it|prerequisites?|held up by)\b")
_SUCCESSORS_RE = re.compile(r"\b(?:depends on|successors?|downstream|dependents?)\b")
_DEADLINE_RE = re.compile(r"\b(?:deadlines?|at risk|risks?|risky|threat\w*|on time|in time|sla|make it|miss(?:es)?)\b")
_HISTORY_RE = re.compile(r"\b(?:how long (?:does|do|did|will|would)|usually|typically|normally|on average|average|"
                         r"history|previous runs?|past runs?|last runs?|earlier runs?|run times?|durations?)\b")
_JOB_STATUS_RE = re.compile(
    r"\b(?:status|state|running|run|ran|finish\w*|complet\w*|done|succe\w*|ok|okay|end\w*|start\w*|rc|return code|"
    r"exit code|show|display|details?|info|check|abend\w*|fail\w*|late|stuck|where|doing|progress|look|happen\w*|"
    r"how long has|executing|error|when)\b")
_LINK_RE = re.compile(r"\b(?:linked|unlinked|link|links|online|offline|reachable|unreachable|connected|disconnected)\b")
_WS_CUE_RE = re.compile(_LINK_RE.pattern + r"|\b(?:is|are) (?:the )?\S+ (?:workstation |agent )?(?:up|down)\b")
_WORKSTATIONS_RE = re.compile(r"\b(?:workstations?|agents?|hosts?|servers?|machines?|ws)\b")
_LATE_RE = re.compile(r"\b(?:late|behind|overdue|delayed|not started)\b")
_STUCK_RE = re.compile(r"\b(?:stuck|hung|hanging|too long|long[- ]running|running long|running for long)\b")
_RUNNING_RE = re.compile(r"\b(?:running|executing|in progress|active|exec)\b")
_EVENTS_RE = re.compile(r"\b(?:events?|alerts?|alarms?|warnings?|happened|happening|notifications?|what'?s new|news|"
                        r"incidents?|changes?)\b")
_SUMMARY_RE = re.compile(
    r"\b(?:summary|summari[sz]e|overview|health|healthy|dashboard|kpis?|overall|big picture)\b|"
    r"\bhow (?:is|are|'s) (?:tws|hwa|the plan|the batch|the schedule|the system|everything|things|it going|we doing)\b|"
    r"\bstatus of (?:the )?(?:plan|tws|hwa|batch)\b|\bplan status\b|\bhow are things\b")
_CRITICAL_RE = re.compile(r"\bcritical\b")
_JOBS_WORD_RE = re.compile(r"\b(?:jobs?|anything|what|which|list|show|how many|any)\b")
_SEVERITY_RE = re.compile(r"\b(critical|warnings?|info)\b")

_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
                 "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "half an": 0.5, "": 1}
_LAST_RE = re.compile(r"\b(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|ten|fifteen|twenty|thirty|"
                      r"forty-five|half an)?\s*(hours?|hrs?|h|minutes?|mins?|m)\b")
_SINCE_RE = re.compile(r"\bsince\s+(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h)?(?![\w:])")
_TODAY_RE = re.compile(r"\b(?:today|this morning|so far|since midnight)\b")
_UNPARSED_TIME_RE = re.compile(r"\b(?:since|before|after|between|until|till|from)\s+(?:\d|noon|midnight|morning|"
                               r"evening|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the start|start)")


_SHIFT_RE = re.compile(
    r"\b(?:(?:my|this|the|our|last|current|previous|past) shift|shift (?:report|summary|summari[sz]ed?|recap|"
    r"hand-?over|hand over)|hand-?over|hand over (?:the |my )?shift)\b|^summari[sz]e (?:my|this|the) shift\b")
_NOT_THIS_RE = re.compile(r"\b(?:night|day|morning|evening|afternoon|early|late|weekend) shift\b|"
                          r"^(?:how (?:do|can|should) i|what is a|what's a|how to)\b")


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


@dataclass
class _Name:
    text: str
    role: str  # job | stream | workstation | bare
    stream: str | None = None
    workstation: str | None = None


def _intent(kind: str, /, **args: Any) -> Intent:
    return Intent(kind, {k: v for k, v in args.items() if v is not None and v != []})


def normalize(text: str) -> str:
    """NFKC, ASCII quotes, one space between words, no surrounding blanks."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())


def _clean_token(token: str) -> str:
    token = token.strip("\"'`()[]{}<>,;:!?")
    if token.lower().endswith("'s"):
        token = token[:-2]
    return token.rstrip(".")


def _names(text: str) -> list[_Name]:
    """The job, stream and workstation names in `text`, with the role their context gives them."""
    all_upper = not any(c.islower() for c in text)
    quoted = {m.group(1).rstrip(".").upper() for m in _QUOTED_RE.finditer(text)}
    tokens = [_clean_token(t) for t in text.split()]
    lowered = [t.lower() for t in tokens]
    found: list[_Name] = []
    for i, token in enumerate(tokens):
        if (token.isalpha() and token.islower() and (not i or lowered[i - 1] not in _NAME_KEYWORDS)
                and token.upper() not in quoted) or lowered[i] in _COMMON:
            continue  # plain words (the most tokens) are names only when quoted or after "job", "stream", …
        match = _NAME_RE.match(token)
        if not match or _NOT_A_NAME_RE.match(token):
            continue
        upper = token.upper()
        before = lowered[i - 1] if i else ""
        before2 = lowered[i - 2] if i > 1 else ""
        after = lowered[i + 1] if i + 1 < len(tokens) else ""
        qualified = match.group("ws") or match.group("stream")
        if qualified and any(len(p) < 2 for p in (match.group("ws"), match.group("stream"), match.group("name")) if p):
            continue  # "e.g", "i.e"
        shaped = bool(qualified) or ("_" in token) or (any(c.isdigit() for c in token) and any(c.isalpha() for c in
                                                                                                  token))
        keyword = before in _NAME_KEYWORDS  # "job payroll", "workstation cpu1": a plain word named as such
        capital = token.isupper() and len(token) >= 2 and not all_upper and any(c.isalpha() for c in token)
        if upper in _RESERVED and upper not in quoted and not shaped:
            continue
        if token.lower() in _COMMON and upper not in quoted:
            continue
        if not (upper in quoted or shaped or capital or (keyword and token.lower() not in _COMMON)):
            continue
        if match.group("stream") or match.group("ws"):
            role = "job"
        elif after in _WS_AFTER or before in _WS_BEFORE or (before == "the" and before2 in _WS_BEFORE):
            role = "workstation"
        elif after in _STREAM_AFTER or before in _STREAM_BEFORE or (before == "the" and before2 in _STREAM_BEFORE):
            role = "stream"
        elif before in _JOB_BEFORE:
            role = "job"
        else:
            role = "bare"
        found.append(_Name(match.group("name").upper(), role, (match.group("stream") or "").upper() or None,
                           (match.group("ws") or "").upper() or None))
    return found


def _statuses(low: str, text: str) -> list[str]:
    codes: list[str] = []
    for token in text.split():
        word = _clean_token(token)
        if word.isupper() and word in PLAN_STATUSES and word not in codes:
            codes.append(word)
    for pattern, mapped in _STATUS_RE:
        if pattern.search(low):
            codes += [c for c in mapped if c not in codes]
    return codes


def _since(low: str) -> tuple[str | None, bool]:
    """(since spec, whether a time expression was found that could not be understood)."""
    match = _LAST_RE.search(low)
    if match:
        amount = match.group(1) or ""
        count = float(amount) if amount.isdigit() else _NUMBER_WORDS.get(amount, 1)
        minutes = count * (60 if match.group(2).startswith("h") else 1)
        return (f"{int(minutes)}m", False) if minutes >= 1 else (None, True)
    match = _SINCE_RE.search(low)
    if match:
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None, True
        return f"{hour:02d}:{minute:02d}", False
    if _TODAY_RE.search(low):
        return "today", False
    if _UNPARSED_TIME_RE.search(low):
        return None, True
    return None, False


def _severity(low: str) -> str | None:
    match = _SEVERITY_RE.search(low)
    if not match:
        return None
    word = match.group(1)
    return "warning" if word.startswith("warning") else word


def _is_knowledge(text: str, low: str) -> bool:
    if re.search(r"\bwhat happened\b", low):
        return False
    if _KNOWLEDGE_RE.search(low):
        return True
    if _RC_RE.search(low):  # "RC 137?", "what is exit code 127" (not "which jobs ended with RC 12")
        return not re.search(r"\b(?:jobs?|which|list|show|ended|how many|with|had|have)\b", low)
    if re.fullmatch(r"explain (?:the )?(?:status )?[a-z]+\??", low) and low.split()[-1].rstrip("?").upper() in PLAN_STATUSES:
        return True
    if not _KNOWLEDGE_WEAK_RE.search(low):
        return False
    plan_cues = (_LATE_RE, _STUCK_RE, _RUNNING_RE, _EVENTS_RE, _SUMMARY_RE, _WS_CUE_RE,
                 re.compile(r"\b(?:status|state|jobs|right now|currently|today)\b"))
    return not any(p.search(low) for p in plan_cues) and not _statuses(low, text)


def _knowledge_query(text: str, low: str) -> str:
    query = text.rstrip("?!. ")
    match = re.match(r"^what does (?:the )?(rerun|re-run|hold|release|cancel|kill)(?: action)? do\b", low)
    return f"{query} action" if match and "action" not in low else query


def parse(text: str) -> Intent | None:
    """The intent of an operator's question (English or Brazilian Portuguese), or None when it needs the model."""
    if not text or len(text) > MAX_CHARS:
        return None
    text = normalize(text)
    language = lang.detect(text)
    intent = _parse(lang.for_parser(text, language))
    if intent is None or language == lang.EN:
        return intent
    if intent.name == "knowledge":  # `query` is the rewriting (what finds a built-in document); `question` as asked
        intent = replace(intent, args={**intent.args, "question": text.rstrip("?!. ")})
    return replace(intent, lang=language)


def _parse(text: str) -> Intent | None:
    low = text.lower()
    if not text or text.count("?") > 1 or ";" in text or "\n" in text:
        return None
    if _REASONING_RE.search(low) or _SUCCESSORS_RE.search(low):
        return None  # reasoning; or successors ("what depends on X"), which the plan data does not list
    if (shift := _shift_intent(low)) is not None:
        return shift
    action = _action(text, low)
    if action is not None:
        return action or None  # False: an action verb in a request we do not take apart → the model
    names = _names(text)
    jobs = [n for n in names if n.role in ("job", "bare")]
    workstations = [n for n in names if n.role == "workstation"]
    streams = [n for n in names if n.role == "stream"]
    if len(jobs) > 1 or len(workstations) > 1 or len(streams) > 1:
        return None
    if not names and _is_knowledge(text, low):
        return _intent("knowledge", query=_knowledge_query(text, low))
    if low.startswith("explain"):
        return None  # "explain the late jobs on CPU1": an explanation of plan data needs the model
    if _INVESTIGATE_RE.search(low):
        return None  # "troubleshoot PAYROLL_DAILY", "fix the late jobs": needs the model
    if re.search(r"\b(?:and|also|then|plus)\b", low) and re.search(
            r"\b(?:and|also|then|plus) (?:then |also )?(?:tell|show|give|list|what|which|who|when|where|how|is|are|"
            r"was|were|did|does|do|check|explain|rerun|hold|release|cancel)\b", low):
        return None  # two questions in one
    since, unparsed_time = _since(low)
    if unparsed_time:
        return None
    ws = workstations[0].text if workstations else None
    stream = streams[0].text if streams else None
    if jobs:
        return _job_intent(jobs[0], low, since, ws, stream)
    return _plan_intent(text, low, since, ws, stream)


def _action(text: str, low: str) -> Intent | bool | None:
    """An action_request; False when the text asks for an action we cannot take apart safely; None: no action."""
    match = _ACTION_RE.match(low)
    if match:
        if match.group("verb"):
            action, raw = _VERB_ACTION[match.group("verb")], match.group("name")
        elif match.group("hold_name"):
            action, raw = "hold", match.group("hold_name")
        elif match.group("release_name"):
            action, raw = "release", match.group("release_name")
        else:
            action, raw = "rerun", match.group("again_name")
        # take the name with its original case from the text (the regex ran on the lower-cased copy)
        original = text.split()[[t.lower() for t in text.split()].index(raw)] if raw in low.split() else raw
        token = _clean_token(original)
        named = _NAME_RE.match(token)
        if not named or token.lower() in _COMMON or _NOT_A_NAME_RE.match(token) or token.upper() in _RESERVED:
            return False
        return _intent("action_request", action=action, job=named.group("name").upper(),
                       stream=(named.group("stream") or "").upper() or None,
                       workstation=(named.group("ws") or "").upper() or None)
    if not _ACTION_VERB_RE.search(low):
        return None
    if re.search(r"\b(?:on hold|held|cancel(?:l)?ed|released|rerun(?:s)? (?:of|count))\b", low) and not re.search(
            r"^(?:please |can you |could you )?(?:re-?run|restart|hold|release|unhold|cancel|kill)\b", low):
        return None  # a status word ("jobs on hold", "what was cancelled"), not a request
    if _KNOWLEDGE_RE.search(low):
        return None  # "what does hold do?", "difference between hold and cancel"
    return False


def _job_intent(job: _Name, low: str, since: str | None, ws: str | None, stream: str | None) -> Intent | None:
    args = {"job": job.text, "stream": job.stream or stream, "workstation": job.workstation or ws}
    if job.role == "bare" and not (job.stream or job.workstation) and _WS_CUE_RE.search(low) and not re.search(
            r"\bjob\b|what'?s up|what is up", low):
        return _intent("workstation_status", name=job.text)
    if _SUCCESSORS_RE.search(low):
        return None
    if _LOG_RE.search(low):
        return _intent("job_log", **args)
    if _DEPS_RE.search(low):
        return _intent("job_dependencies", **args)
    if (asked := estimate_intent.ask(low)) is not None:  # issue 17: "when will X finish?", "will X make it?"
        return _intent("job_estimate", ask=asked, **args)
    if _DEADLINE_RE.search(low):
        return _intent("deadline_threats", **args)
    if _HISTORY_RE.search(low):
        return _intent("job_history", **args)
    if _JOB_STATUS_RE.search(low):
        return _intent("job_status", **args)
    rest = re.sub(r"\b(?:what's up with|what is up with|tell me about|what about|how about|what is|what's|the|job|"
                  r"please|about|me)\b", " ", low.replace(job.text.lower(), " "))
    if not re.sub(r"[\W_]", "", rest):  # the name alone ("PAYROLL_DAILY?", "job payroll_daily", "what about X")
        return _intent("job_status", **args)
    return None


def _plan_intent(text: str, low: str, since: str | None, ws: str | None, stream: str | None) -> Intent | None:
    """Questions about the plan rather than one job."""
    negated = re.search(r"\b(?:not|n't|never|without|except|other than)\b", low)
    late, stuck = bool(_LATE_RE.search(low)), bool(_STUCK_RE.search(low))
    statuses = _statuses(low, text)
    if _DEADLINE_RE.search(low) and (_CRITICAL_RE.search(low) or "deadline" in low):
        return None if (ws or stream or negated) else _intent("deadline_threats")
    if ws and _WS_CUE_RE.search(low) and not (late or stuck or statuses):
        return _intent("workstation_status", name=ws)
    if not ws and not stream and _WORKSTATIONS_RE.search(low) and not re.search(r"\bjobs?\b", low):
        link = ("unlinked" if re.search(r"\b(?:unlinked|not linked|offline|down|disconnected|unreachable)\b", low)
                else "linked" if re.search(r"\b(?:linked|online|up|connected)\b", low) else None)
        return _intent("workstation_status", link=link)
    if ws and re.search(r"\b(?:status|state)\b", low) and not re.search(r"\bjobs?\b", low):
        return _intent("workstation_status", name=ws)
    if negated:
        return None
    kinds = [k for k, hit in (("late", late), ("stuck", stuck)) if hit]
    running = bool(_RUNNING_RE.search(low)) and not stuck
    if len(kinds) > 1 or (kinds and statuses) or (running and statuses):
        return None
    if late:
        return _intent("late_jobs", workstation=ws, stream=stream)
    if stuck:
        return _intent("stuck_jobs", workstation=ws, stream=stream)
    if running:
        return None if since else _intent("running_jobs", workstation=ws, stream=stream)
    if statuses:
        return _intent("list_jobs", status=statuses, since=since, workstation=ws, stream=stream)
    if _EVENTS_RE.search(low) and not ws and not stream:
        return _intent("recent_events", since=since, severity=_severity(low))
    if (_SUMMARY_RE.search(low) or re.fullmatch(r"(?:what(?: is|'s) the )?(?:overall )?status\??", low)) and not (
            ws or stream):
        return _intent("summary")
    if (ws or stream) and (_JOBS_WORD_RE.search(low) or (stream and re.search(r"\b(?:status|state)\b", low))):
        return _intent("list_jobs", since=since, workstation=ws, stream=stream)  # "status of stream X": its jobs
    return None


def _shift_intent(low: str) -> Intent | None:
    """The `shift_report` intent (the chat's "what happened in my shift?", answered by `assistant/shift.py`) of a
    lower-cased, normalised question, or None (not a shift question)."""
    if not _SHIFT_RE.search(low) or _NOT_THIS_RE.search(low):
        return None
    since, unparsed = _since(low)
    if unparsed:
        return None
    return _intent("shift_report", since=since)


def resolve_since(spec: str | None, now: datetime, tz: tzinfo) -> datetime | None:
    """The aware datetime a `since` spec stands for, at `now` in the operator's time zone `tz`."""
    if not spec:
        return None
    local = now.astimezone(tz)
    if spec == "today":
        return datetime.combine(local.date(), time(0, 0), tz)
    if spec.endswith("m") and spec[:-1].isdigit():
        return now - timedelta(minutes=int(spec[:-1]))
    hour, _, minute = spec.partition(":")
    at = datetime.combine(local.date(), time(int(hour), int(minute)), tz)
    return at if at <= local else at - timedelta(days=1)  # "since 23:00" asked at 01:00 means last night
