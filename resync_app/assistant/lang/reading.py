"""How a question in another language is read by the one intent parser: its words are rewritten into the parser's
(English) vocabulary, names kept exactly as typed.

    reader = Reader(rules, words)            # a language's phrase rules and word table (see `pt_br`)
    reader.rewrite("o que está atrasado no CPU_LINUX01?")  # → "what is late on CPU_LINUX01?"

1. `split_names`: tokens that can be TWS names (`PAYROLL_DAILY`, `ACCT#FIN.GL_CLOSE`, `gl_post_01`, quoted words,
   upper-case words in mixed-case text) are set aside behind placeholders, so no rule can change them.
2. The rest is lower-cased and its accents removed ("está" and "esta" read alike), commas dropped.
3. The phrase rules (ordered regular expressions) and then the word table rewrite it. Both write their English in
   UPPER CASE, which no rule matches (rules are lower case): nothing is rewritten twice.
4. Lower-cased again, names put back, and the `after` rules (on the English) fix the word order (PT adjectives
   follow the noun: "jobs atrasados" → "jobs late" → "late jobs").

Words no rule knows are kept (lower case, without accents): the parser treats them as it treats unknown English
words, and a question it cannot map still goes to the model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass

_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
_NAME_CHARS = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
_SHAPED_RE = re.compile(rf"^(?:{_NAME_CHARS}#)?(?:{_NAME_CHARS}\.)?{_NAME_CHARS}$")
_QUOTED_RE = re.compile(r"^[\"'`][A-Za-z0-9][A-Za-z0-9_#.\-]*[\"'`][?.!,;:]*$")
_EDGE = "?!.,;:()[]{}<>"
_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)*")

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def strip_accents(text: str) -> str:
    """"está" → "esta", "ação" → "acao" (NFD, combining marks dropped)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def is_name(token: str, all_upper: bool, words: Container[str] = frozenset()) -> bool:
    """Whether `token` (as typed) can be a TWS name: quoted; or shaped like one (an underscore, letters and digits
    mixed, STREAM.JOB or WS#STREAM.JOB); or an upper-case word of two letters or more in a text that is not all
    upper case, unless it is one of `words` (upper-case words the rules read, e.g. TWS)."""
    if _QUOTED_RE.match(token):
        return True
    core = token.strip(_EDGE)
    if not core or not _SHAPED_RE.match(core):
        return False
    has_alpha, has_digit = any(c.isalpha() for c in core), any(c.isdigit() for c in core)
    if "_" in core or "#" in core or ("." in core and has_alpha) or (has_alpha and has_digit):
        return True
    return (not all_upper and core.isupper() and len(core) >= 2 and has_alpha
            and core.lower() not in words)


def split_names(text: str, keep_words: Container[str] = frozenset()) -> tuple[list[str], list[str]]:
    """(tokens with every name replaced by a placeholder, the names in order)."""
    all_upper = not any(c.islower() for c in text)
    keep = keep_words
    tokens, names = [], []
    for token in text.split():
        if is_name(token, all_upper, keep):
            core = token.rstrip("?!,;:.")
            tail = token[len(core):]
            tokens.append(f"\ue000{len(names)}\ue001{tail}")
            names.append(core)
        else:
            tokens.append(token)
    return tokens, names


def plain_words(text: str, keep_words: Container[str] = frozenset()) -> list[str]:
    """The words of `text` that are not names, lower case, without accents (what language detection counts)."""
    tokens, _ = split_names(text, keep_words)
    return _WORD_RE.findall(strip_accents(" ".join(t for t in tokens if "\ue000" not in t).lower()))


@dataclass(frozen=True)
class Reader:
    """A language's rewrite into the parser's vocabulary.

    `before`: accent-sensitive replacements on the lower-cased text, before accents are removed ("é" → "eh",
    so that it is not read as "e", and). `rules`: phrase rules (lower-case patterns; the replacement is UPPER CASE
    English, or a function). `words`: one word → UPPER CASE English ("" drops it). `after`: rules on the final
    lower-case English. `keep_upper`: upper-case words that are vocabulary, not names (TWS, RC)."""

    before: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]
    words: Mapping[str, str]
    after: tuple[Rule, ...] = ()
    keep_upper: frozenset[str] = frozenset()

    def rewrite(self, text: str) -> str:
        tokens, names = split_names(text, self.keep_upper)
        low = " ".join(tokens).lower()
        for old, new in self.before:
            low = re.sub(rf"(?<![\w\ue001]){re.escape(old)}(?![\w\ue000])", new, low)
        low = strip_accents(low).replace(",", " ")
        low = " ".join(low.split())
        for pattern, replacement in self.rules:
            low = pattern.sub(replacement, low)
        low = _WORD_RE.sub(lambda m: self.words.get(m.group(0), m.group(0)), low)
        english = " ".join(low.lower().split())
        for pattern, replacement in self.after:
            english = pattern.sub(replacement, english)
        english = _PLACEHOLDER_RE.sub(lambda m: names[int(m.group(1))], english)
        return " ".join(english.split())


def compile_rules(rules: Iterable[tuple[str, str | Callable[[re.Match[str]], str]]]) -> tuple[Rule, ...]:
    return tuple((re.compile(pattern), replacement) for pattern, replacement in rules)
