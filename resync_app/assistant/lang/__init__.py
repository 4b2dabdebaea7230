"""Languages of the assistant's zero-cost fast path (CONTRACT §16): English and Brazilian Portuguese.

    language = detect("quais jobs abendaram hoje?")            # "pt-BR"
    for_parser("quais jobs abendaram hoje?", language)         # "which abended jobs today?" (what intents.parse reads)
    wording(language).t("No late job{scope} right now.", scope="")   # "Nenhum job atrasado agora."

- **Detection** (`detect`), per question, a small rule set: the words of the question that are not TWS names are
  counted against two short lists, words only Portuguese uses (o, da, no, que, está, hoje, abendou, cadeia, …) and
  words only English uses (the, is, what, which, …); letters with Portuguese accents (ã, ç, é, …) count one more
  for Portuguese. Portuguese wins only with more points; a tie (no word of either list: "PAYROLL_DAILY?",
  "rerun X") is English, the default.
- **Reading** (`for_parser`): a Portuguese question is rewritten into the parser's vocabulary (`pt_br.READER`),
  so one parser (`intents.parse`) reads both languages; the intent carries the language (`Intent.lang`).
- **Wording** (`wording`): the answers' words. English text is written in the fast path's answer builders
  (`fastpath.py`, `job_answers.py`, `plan_answers.py`, …) and is the key of the catalogues
  (`pt_br_answers.PORTUGUESE`); figures, names and rows are the same whatever the language.
- **The model** (`model_instruction`): a question the fast path cannot answer goes to the model, told to answer
  in the question's language.
"""

from __future__ import annotations

import re

from resync_app.assistant.lang import en, pt_br
from resync_app.assistant.lang.reading import plain_words, strip_accents
from resync_app.assistant.lang.wording import Wording

EN = "en"
PT_BR = "pt-BR"
LANGUAGES = (EN, PT_BR)
_PT_LETTERS = re.compile(r"[ãõçáéíóúâêôà]")
_NOT_PT_LETTERS = re.compile(r"[ñ¿¡ßäöëïÿœæèìòù]")  # Spanish, German, French …: no accent point for Portuguese


def scores(text: str) -> tuple[int, int]:
    """(Portuguese points, English points) of a question (see the module's docstring)."""
    words = plain_words(text, pt_br.READER.keep_upper)
    portuguese = sum(1 for w in words if w in pt_br.DETECT_WORDS)
    english = sum(1 for w in words if w in en.DETECT_WORDS)
    low = " ".join(w for w in text.lower().split() if not any(c in w for c in "_#"))
    if _PT_LETTERS.search(low) and not _NOT_PT_LETTERS.search(low):
        portuguese += 1
    return portuguese, english


def detect(text: str) -> str:
    """The language of a question: "pt-BR" when Portuguese has more points than English, else "en"."""
    portuguese, english = scores(text or "")
    return PT_BR if portuguese > english else EN


def for_parser(text: str, language: str) -> str:
    """The question in the vocabulary the intent parser reads (English text is returned as it is)."""
    return pt_br.READER.rewrite(text) if language == PT_BR else text


def wording(language: str) -> Wording:
    """The answers' words in `language` (English for a language it does not know)."""
    if language == PT_BR:
        from resync_app.assistant.lang.pt_br_answers import PORTUGUESE

        return PORTUGUESE
    return en.ENGLISH


def model_instruction(message: str) -> str:
    """The line added to the model's system prompt: answer in the question's language."""
    if detect(message) == PT_BR:
        return ("The operator writes in Brazilian Portuguese: answer in Brazilian Portuguese (pt-BR), keeping job, "
                "stream and workstation names, status codes and return codes exactly as the tools give them.")
    return "Answer in the language of the operator's question."


__all__ = ["EN", "LANGUAGES", "PT_BR", "Wording", "detect", "for_parser", "model_instruction", "scores",
           "strip_accents", "wording"]
