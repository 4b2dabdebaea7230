"""Intent parser of the zero-cost fast path: a plain lookup question → a structured `Intent` (`intent_types`, which
lists the intents and their arguments); anything else → None.

Deterministic rules, no model, a few microseconds per question. The parser is deliberately conservative: a question
it cannot map with certainty (reasoning: "why", "analyse", "compare", "should I", "root cause"; several questions or
jobs at once; history beyond today's plan; an action on anything but exactly one job) returns None and goes to the
model. English only.

Brazilian Portuguese questions are read by the same rules: `parse` detects the question's language and rewrites a
Portuguese question into this vocabulary first (`assistant/lang`); the intent carries the language (`Intent.lang`).

The vocabulary is in `intent_words`, the arguments (names, statuses, time windows) are read by `intent_arguments`
and the rules of each intent family are in `intent_rules`; `parse` runs them in order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from resync_app.assistant import lang
from resync_app.assistant.intent_arguments import find_names, find_since
from resync_app.assistant.intent_rules import (action_intent, is_knowledge, job_intent, knowledge_query, plan_intent,
                                               shift_intent)
from resync_app.assistant.intent_types import Intent, make_intent
from resync_app.assistant.intent_words import INVESTIGATE_RE, QUOTES, REASONING_RE, SUCCESSORS_RE

MAX_CHARS = 300


def normalize(text: str) -> str:
    """NFKC, ASCII quotes, one space between words, no surrounding blanks."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(QUOTES).split())


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
    if REASONING_RE.search(low) or SUCCESSORS_RE.search(low):
        return None  # reasoning; or successors ("what depends on X"), which the plan data does not list
    if (shift := shift_intent(low)) is not None:
        return shift
    action = action_intent(text, low)
    if action is not None:
        return action or None  # False: an action verb in a request we do not take apart → the model
    names = find_names(text)
    jobs = [n for n in names if n.role in ("job", "bare")]
    workstations = [n for n in names if n.role == "workstation"]
    streams = [n for n in names if n.role == "stream"]
    if len(jobs) > 1 or len(workstations) > 1 or len(streams) > 1:
        return None
    if not names and is_knowledge(text, low):
        return make_intent("knowledge", query=knowledge_query(text, low))
    if low.startswith("explain"):
        return None  # "explain the late jobs on CPU1": an explanation of plan data needs the model
    if INVESTIGATE_RE.search(low):
        return None  # "troubleshoot PAYROLL_DAILY", "fix the late jobs": needs the model
    if re.search(r"\b(?:and|also|then|plus)\b", low) and re.search(
            r"\b(?:and|also|then|plus) (?:then |also )?(?:tell|show|give|list|what|which|who|when|where|how|is|are|"
            r"was|were|did|does|do|check|explain|rerun|hold|release|cancel)\b", low):
        return None  # two questions in one
    since, unparsed_time = find_since(low)
    if unparsed_time:
        return None
    ws = workstations[0].text if workstations else None
    stream = streams[0].text if streams else None
    if jobs:
        return job_intent(jobs[0], low, since, ws, stream)
    return plan_intent(text, low, since, ws, stream)
