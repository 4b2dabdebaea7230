"""The words of the fast path's answers in one language (a message catalogue, gettext style).

The English text is written where the answer is built (`fastpath.py`, `job_answers.py`, `plan_answers.py`, …) and
is the message id:

    w.t("No {label} job{scope} right now.", label=..., scope=...)   # the template of w's language, filled in
    w.n(3, "late job")                                              # "3 late jobs" / "3 jobs atrasados"
    w.term("high")                                                  # a word of the plan's vocabulary: "alto"

A message the catalogue does not hold falls back to its English text (tests check that the Portuguese catalogue
holds every message the fast path uses). Values are never translated: names, statuses, figures and plan text
(event messages, log lines) are shown as the plan has them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from resync_app.assistant import fmt


@dataclass(frozen=True)
class Wording:
    """One language's catalogue. `messages`: English template → template; `nouns`: English singular noun →
    (singular, plural); `terms`: a word of the plan's vocabulary (risk level, health, link state, event type,
    severity, action, threat reason) → its translation; `term_patterns`: (full-match pattern, replacement) for
    such phrases that carry values; `status_phrases`: plan status code → what it means; `day_format`:
    strftime of a time on another day; `knowledge_dir`: the knowledge documents in this language (same ids as the
    English ones), None for the shipped English ones."""

    lang: str
    messages: Mapping[str, str] = field(default_factory=dict)
    nouns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    terms: Mapping[str, str] = field(default_factory=dict)
    status_phrases: Mapping[str, str] = field(default_factory=dict)
    term_patterns: tuple[tuple[re.Pattern[str], Any], ...] = ()  # replacement: a template or a function
    day_format: str = fmt.DAY_FORMAT
    knowledge_dir: Path | None = None

    def t(self, msgid: str, /, **values: Any) -> str:
        """The message `msgid` (English) in this language, its `{fields}` filled with `values`."""
        return self.messages.get(msgid, msgid).format(**values)

    def headers(self, *names: str) -> list[str]:
        """Table headers (each one a message)."""
        return [self.t(h) for h in names]

    def noun(self, count: int, noun: str, nouns: str | None = None) -> str:
        """The noun for `count` things: "job" / "jobs" (English singular `noun`, plural `nouns` or noun + "s")."""
        singular, plural = self.nouns.get(noun, (noun, nouns or noun + "s"))
        return singular if count == 1 else plural

    def n(self, count: int, noun: str, nouns: str | None = None) -> str:
        """"1 job", "3 jobs": the count and its noun."""
        return f"{count} {self.noun(count, noun, nouns)}"

    def term(self, word: Any) -> str:
        """A word or short phrase of the plan's vocabulary in this language: from `terms`, else the first of
        `term_patterns` that matches it whole (phrases with values: "running since 08:30"); else as it is."""
        if word is None:
            return "–"
        text = str(word)
        if text in self.terms:
            return self.terms[text]
        for pattern, replacement in self.term_patterns:
            if pattern.fullmatch(text):
                return pattern.sub(replacement, text)
        return text

    def status_phrase(self, status: str) -> str | None:
        return self.status_phrases.get(status)

    def clock(self, value: Any, now: datetime, tz: tzinfo) -> str:
        """"14:05" today, else the date and time in this language's usual form."""
        return fmt.clock(value, now, tz, self.day_format)

    def slack(self, seconds: Any) -> str:
        """A predecessor's slack: "15 min", or "20 min behind" once negative."""
        return fmt.slack(seconds, behind=self.messages.get("{} behind", "{} behind"))

    def document(self, doc_id: str):
        """The knowledge document `doc_id` written in this language, or None."""
        if self.knowledge_dir is None:
            return None
        from resync_app.assistant.kb import KnowledgeFormatError, parse_document

        path = self.knowledge_dir / f"{doc_id}.md"
        try:
            return parse_document(path.read_text(encoding="utf-8"), path.name) if path.is_file() else None
        except (OSError, KnowledgeFormatError):
            return None
