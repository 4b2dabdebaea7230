"""What a fast-path answer says about the plan, whatever its language: used to check that a Portuguese answer
carries exactly the data of its English twin (tests/assistant/test_portuguese.py, bench/assistant.py)."""

from __future__ import annotations

import re


def answer_data(text: str) -> dict:
    """Names (code spans), figures and times (dates in one form), status codes, and the same per table row."""
    text = re.sub(r"\b(\d\d)/(\d\d)/(\d{4})\b", r"\3-\2-\1", text)  # 03/03/2025 → 2025-03-03
    text = text.replace("```", "\n")  # a log block is data too: its words are compared, not its fence

    def tokens(part: str) -> list[str]:
        rest = re.sub(r"`[^`]+`", "", part)
        return sorted(re.findall(r"`[^`]+`", part) + re.findall(r"\d+(?:[:.\-]\d+)*", rest)
                      + re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", rest))

    rows = [tokens(line) for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    return {"all": tokens(text), "rows": [r for r in rows if r]}


def same_data(portuguese, english) -> bool:
    """Whether two fast-path answers (FastAnswer) carry the same data: the same intent, reads, proposal and
    figures (plan answers), or the same knowledge document."""
    if (portuguese.intent.name, portuguese.source, portuguese.confirm, portuguese.as_of) != (
            english.intent.name, english.source, english.confirm, english.as_of):
        return False
    if portuguese.source != "plan":
        doc = re.search(r"\(`([a-z0-9-]+)`\) · ", english.text)
        return bool(doc) and f"(`{doc.group(1)}`) · " in portuguese.text
    return portuguese.calls == english.calls and answer_data(portuguese.text) == answer_data(english.text)
