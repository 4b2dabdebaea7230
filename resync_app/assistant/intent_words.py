"""The vocabulary of the fast path's parser: the plan statuses and the words operators use for them, the words that
are never names, and the phrase patterns of each intent family (reasoning, actions, knowledge, one job, the plan,
time expressions, the shift). Patterns run on the lower-cased, normalised question (`intents.normalize`)."""

from __future__ import annotations

import re

from resync_app.tws.statuses import FAILED_STATUSES, SPEC_CODES

# HWA REST API v2 JobInPlanStatus (hwa-rest-api-v2.openapi.json) and the failed ones, from `tws/statuses.py`
PLAN_STATUSES = SPEC_CODES
FAILED = ["ABEND", *(code for code in FAILED_STATUSES if code != "ABEND")]
ACTIONS = ("rerun", "hold", "release", "cancel")
SEVERITIES = ("critical", "warning", "info")

# words an operator uses for statuses (exact word forms; the upper-case codes themselves are recognised too)
STATUS_WORDS: list[tuple[str, list[str]]] = [
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
STATUS_RE = [(re.compile(rf"\b(?:{pattern})\b"), codes) for pattern, codes in STATUS_WORDS]

# upper-case words that are never job, stream or workstation names
RESERVED = frozenset(PLAN_STATUSES) | {
    "TWS", "HWA", "IWS", "HCL", "IBM", "RC", "OK", "ID", "AM", "PM", "UTC", "I", "A", "AI", "LLM", "API", "SLA", "ETA",
    "FYI", "ASAP", "DB", "CPU", "WS", "JOB", "JOBS", "STATUS", "CRITICAL", "WARNING", "INFO", "RERUN", "HOLD",
    "RELEASE", "CANCEL", "ALL", "ANY", "WHAT", "WHY", "HOW", "IS", "ARE", "THE", "LATE", "STUCK", "NOW", "TODAY",
    "PLEASE", "PLAN", "OQL", "REST", "JSON", "URL", "HTTP", "HTTPS", "SSH", "FTA", "MDM", "DWC", "ZOS", "UNIX", "LINUX",
    "WINDOWS", "AIX", "PDF", "CSV", "EOD", "SOD", "ERROR", "FAIL",
}
# common words that cannot be a name even after "job", "stream" or "workstation" (link states too: "any workstation
# offline?" asks about a state)
COMMON = frozenset("""
a an the this that these those it its is are was were be been do does did has have had to of on in at for from by
with and or not no any all every each some status state log logs list show running run runs ran late stuck failed
abended ok done finished there here which what who when where why how now today yet still again please me my us our
details detail info information history dependencies dependency deadline time times name names that's
stream streams workstation workstations job jobs agent agents as so if then than up down everything anything
nothing something them they those one ones linked unlinked link links online offline reachable unreachable connected
disconnected
""".split())

NAME_CHARS = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
NAME_RE = re.compile(rf"^(?:(?P<ws>{NAME_CHARS})#)?(?:(?P<stream>{NAME_CHARS})\.)?(?P<name>{NAME_CHARS})$")
NOT_A_NAME_RE = re.compile(r"^(?:\d+(?:am|pm|h|hr|hrs|m|min|mins|s|st|nd|rd|th|%)?|rc\d+|\d+[:.]\d+)$", re.I)
QUOTED_RE = re.compile(r"(?:(?<=\s)|^)[\"'`]([A-Za-z0-9][A-Za-z0-9_#.\-]*)[\"'`](?=[\s?.!,;:]|$)")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})

WS_BEFORE = {"on", "workstation", "ws", "agent", "host", "server", "machine", "cpu", "computer"}
STREAM_BEFORE = {"stream", "jobstream", "schedule", "in"}
JOB_BEFORE = {"job"}
WS_AFTER = {"workstation", "agent", "host", "server", "machine", "ws"}
NAME_KEYWORDS = {"job", "stream", "jobstream", "workstation", "ws", "agent"}
STREAM_AFTER = {"stream", "jobstream", "schedule"}

# always needs a model: reasoning, judgement, history beyond today's plan
REASONING_RE = re.compile(
    r"\b(?:why|how come|analy[sz]\w*|compar\w*|versus|vs|root cause|caus(?:e|es|ed|ing)|recommend\w*|suggest\w*|"
    r"advi[cs]e|should|shall|pattern\w*|trend\w*|predict\w*|forecast\w*|impact\w*|affect\w*|correlat\w*|safe|"
    r"optimi[sz]\w*|improve\w*|reason|explain why|what went wrong|yesterday|tomorrow|overnight|last night|"
    r"this week|last week|this month|last month|(?:last|past|previous) \d* ?(?:days?|weeks?|months?)|"
    r"since (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)|ignore|pretend|instructions?|"
    r"prompt injection|system prompt)\b")
# investigation words: a how-to without names is a knowledge question, with a name it needs a model
INVESTIGATE_RE = re.compile(r"\b(?:troubleshoot\w*|fix\w*|diagnos\w*|investigat\w*|resolve|debug\w*|solve)\b")
ACTION_VERB_RE = re.compile(r"\b(?:re-?run|restart|hold|release|unhold|cancel|kill|resubmit|submit)\b")
ACTION_RE = re.compile(
    r"^(?:(?:please|pls|kindly|can you|could you|would you|go ahead and|i want to|i'd like to|i would like to)\s+)*"
    r"(?:(?P<verb>re-?run|restart|hold|release|unhold|cancel)\s+(?:the\s+)?(?:job\s+)?(?P<name>\S+?)(?:\s+job)?"
    r"|put\s+(?:the\s+)?(?:job\s+)?(?P<hold_name>\S+?)(?:\s+job)?\s+on\s+hold"
    r"|take\s+(?:the\s+)?(?:job\s+)?(?P<release_name>\S+?)(?:\s+job)?\s+off\s+hold"
    r"|run\s+(?:the\s+)?(?:job\s+)?(?P<again_name>\S+?)(?:\s+job)?\s+again)"
    r"(?:\s+(?:please|now|right now|asap|for me|again|thanks|thank you))*\s*[.!]*\??$")
VERB_ACTION = {"rerun": "rerun", "re-run": "rerun", "restart": "rerun", "hold": "hold", "release": "release",
                "unhold": "release", "cancel": "cancel"}

# "what does X mean", "what is a X", "how do I …": a question about the knowledge base
KNOWLEDGE_RE = re.compile(
    r"\b(?:mean|means|meaning|stand for|stands for|definition|define|difference between|what'?s the difference|"
    r"what is the difference)\b|^(?:what|who)(?:'s| is| are) (?:a|an)\b|^(?:how do i|how do you|how to|how can i|"
    r"how does|what do i do|what to do)\b|^what does (?:the )?(?:\w+ ){1,2}(?:do|mean)\b")
# "explain X", "what is the X": knowledge only when nothing in the question points at the plan
KNOWLEDGE_WEAK_RE = re.compile(r"^(?:explain|what is the|what's the|what are)\b")
RC_RE = re.compile(r"\b(?:rc|return code|exit code|exit status|error code)\s*=?\s*-?\d+\b")

LOG_RE = re.compile(r"\b(?:log|logs|joblog|stdlist|output|stdout|stderr)\b")
DEPS_RE = re.compile(r"\b(?:waiting (?:for|on)|wait(?:s)? (?:for|on)|depend on|dependencies|dependency|predecessors?|"
                      r"blocked by|blocking it|prerequisites?|held up by)\b")
SUCCESSORS_RE = re.compile(r"\b(?:depends on|successors?|downstream|dependents?)\b")
DEADLINE_RE = re.compile(r"\b(?:deadlines?|at risk|risks?|risky|threat\w*|on time|in time|sla|make it|miss(?:es)?)\b")
HISTORY_RE = re.compile(r"\b(?:how long (?:does|do|did|will|would)|usually|typically|normally|on average|average|"
                         r"history|previous runs?|past runs?|last runs?|earlier runs?|run times?|durations?)\b")
JOB_STATUS_RE = re.compile(
    r"\b(?:status|state|running|run|ran|finish\w*|complet\w*|done|succe\w*|ok|okay|end\w*|start\w*|rc|return code|"
    r"exit code|show|display|details?|info|check|abend\w*|fail\w*|late|stuck|where|doing|progress|look|happen\w*|"
    r"how long has|executing|error|when)\b")
LINK_RE = re.compile(r"\b(?:linked|unlinked|link|links|online|offline|reachable|unreachable|connected|disconnected)\b")
WS_CUE_RE = re.compile(LINK_RE.pattern + r"|\b(?:is|are) (?:the )?\S+ (?:workstation |agent )?(?:up|down)\b")
WORKSTATIONS_RE = re.compile(r"\b(?:workstations?|agents?|hosts?|servers?|machines?|ws)\b")
LATE_RE = re.compile(r"\b(?:late|behind|overdue|delayed|not started)\b")
STUCK_RE = re.compile(r"\b(?:stuck|hung|hanging|too long|long[- ]running|running long|running for long)\b")
RUNNING_RE = re.compile(r"\b(?:running|executing|in progress|active|exec)\b")
EVENTS_RE = re.compile(r"\b(?:events?|alerts?|alarms?|warnings?|happened|happening|notifications?|what'?s new|news|"
                        r"incidents?|changes?)\b")
SUMMARY_RE = re.compile(
    r"\b(?:summary|summari[sz]e|overview|health|healthy|dashboard|kpis?|overall|big picture)\b|"
    r"\bhow (?:is|are|'s) (?:tws|hwa|the plan|the batch|the schedule|the system|everything|things|it going|we doing)\b|"
    r"\bstatus of (?:the )?(?:plan|tws|hwa|batch)\b|\bplan status\b|\bhow are things\b")
CRITICAL_RE = re.compile(r"\bcritical\b")
JOBS_WORD_RE = re.compile(r"\b(?:jobs?|anything|what|which|list|show|how many|any)\b")
SEVERITY_RE = re.compile(r"\b(critical|warnings?|info)\b")

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
                 "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "half an": 0.5, "": 1}
LAST_RE = re.compile(r"\b(?:last|past|previous)\s+(\d+|a|an|one|two|three|four|five|six|ten|fifteen|twenty|thirty|"
                      r"forty-five|half an)?\s*(hours?|hrs?|h|minutes?|mins?|m)\b")
SINCE_RE = re.compile(r"\bsince\s+(\d{1,2})(?:[:h.](\d{2}))?\s*(am|pm|h)?(?![\w:])")
TODAY_RE = re.compile(r"\b(?:today|this morning|so far|since midnight)\b")
UNPARSED_TIME_RE = re.compile(r"\b(?:since|before|after|between|until|till|from)\s+(?:\d|noon|midnight|morning|"
                               r"evening|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the start|start)")


SHIFT_RE = re.compile(
    r"\b(?:(?:my|this|the|our|last|current|previous|past) shift|shift (?:report|summary|summari[sz]ed?|recap|"
    r"hand-?over|hand over)|hand-?over|hand over (?:the |my )?shift)\b|^summari[sz]e (?:my|this|the) shift\b")
NOT_THIS_RE = re.compile(r"\b(?:night|day|morning|evening|afternoon|early|late|weekend) shift\b|"
                          r"^(?:how (?:do|can|should) i|what is a|what's a|how to)\b")
