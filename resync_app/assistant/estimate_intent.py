"""Which questions ask for a job's estimated end (issue 17): "when will X finish?", "will X make its deadline?",
and their Portuguese forms once `assistant/lang` has rewritten them ("quando o job X termina?" → "when job X
termina?", "o job X vai cumprir o prazo?" → "job X will make deadline?"). `intent_rules.job_intent` asks `ask(low)`
before its other deadline rule; "what threatens X's deadline?" stays `deadline_threats`."""

from __future__ import annotations

import re

_END_WORDS = r"(?:finish\w*|end|ends|complete|completes|be done|be finished|be over|termina\w*|acaba\w*|conclu\w*)"
_WHEN_RE = re.compile(rf"\bwhen\b(?! (?:did|was|has|had)\b).*\b{_END_WORDS}\b|\beta\b|\bestimated (?:end|finish)\b|"
                      rf"\bexpected to {_END_WORDS}\b|\bwhat time (?:will|does) .*\b{_END_WORDS}\b")
_DEADLINE_RE = re.compile(r"\b(?:will|is|does|can|going to|gonna)\b.*\b(?:make|meet|hit|miss|beat)\b "
                          r"(?:its |it'?s |the |his |her )?(?:deadline|sla)\b|"
                          r"\b(?:finish|end|complete|be done)\w* (?:on|in) time\b|"
                          r"\bbe on time\b")


def ask(low: str) -> str | None:
    """"deadline" (will it make its deadline), "when" (when will it end) or None, from the lower-cased question."""
    if _DEADLINE_RE.search(low):
        return "deadline"
    if _WHEN_RE.search(low):
        return "when"
    return None
