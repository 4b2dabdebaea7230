"""Answering from approved knowledge: the operators' corrections an admin approved (`learned_answers`).

    reply = await fast_answer(message, parse(message))   # a FastAnswer at $0, or None
    hits = search(query)                                 # the model's knowledge tool

**Always read from the database.** Every lookup reads the approved rows (id and question) afresh, so an entry that
is rejected or deleted stops answering at once on every worker; nothing an admin changes is cached in a worker.
Only pure functions of a text are memoised (a question's terms), which no admin action can make stale.

**Grounding beats recall.** A question the intent parser maps to the live plan ("status of job X", "what abended
today") is answered from the plan and never reaches this module; nor does a question with a live cue ("right
now", "currently", "today", "still", "status", …; a Portuguese question's cues are read through the parser's
rewriting: "agora", "ainda", "hoje"). A learned entry answers only questions about knowledge: procedures, contacts,
site rules. Its approved text is shown as written; the frame ("From approved answer #N") is in the question's
language.

**Matching** (a close paraphrase, not any question on the same topic). Questions are cut into terms as the
knowledge base does (SQLite FTS5's Porter stemmer over `unicode61`, the same stop words), then a short list of
operations synonyms folds words together (abend/fail/crash, rerun/restart/resubmit, call/contact/escalate, …).
Two questions match when

- their names agree: identifiers (`PAYROLL_DAILY`, `CPU_LINUX01`, `FINANCE.GL_CLOSE`) and numbers (`RC 12`) must be
  the same on both sides — an entry about one job never answers for another;
- they ask for the same kind of answer when both say it: who / when / where / why / how many / how to;
- and their terms overlap: weighted Dice ≥ ANSWER_THRESHOLD over terms and names, with at least two terms in
  common; words in nearly every TWS question (GENERIC: "run", "plan", "stream", …) weigh half, and a
  substitution (each side has a word of full weight the other lacks) is discounted.

The words of a question's form ("what is the procedure to", "is it allowed to", "how do I handle") are not terms:
the kind of answer stands for them. The thresholds were set on the first half of `bench/fixtures/
learning-questions.json`; `python -m bench.learning` reports a held-out set apart.

The model's knowledge tool (`search`) is looser: the share of the query's terms found in an entry's question and
approved text (≥ TOOL_THRESHOLD), and every name the query gives.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from resync_app.assistant import lang
from resync_app.assistant.fast_answer import FastAnswer
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.intents import normalize, parse
from resync_app.assistant.kb import STOPWORDS, get_knowledge_base
from resync_app.assistant.lang import Wording
from resync_app.assistant.lang.en import ENGLISH
from resync_app.assistant.learned_models import APPROVED, LearnedAnswer
from resync_app.db import session_scope

ANSWER_THRESHOLD = 0.72
SUBSTITUTION_DISCOUNT = 0.85
TOOL_THRESHOLD = 0.6
# words present in most TWS questions, which say little about which one it is: they weigh half
GENERIC = ("run", "runs", "plan", "operator", "operators", "time", "end", "status", "engine", "stream", "workstation",
           "system", "batch")
INTENT = "learned"
SOURCE = "learned"

# words that say nothing about the topic (the knowledge base's stop words, and these): fillers, connectives, and
# the words of a question's form ("what is the procedure to", "is it allowed to", "how do I handle"), which the
# kind of answer stands for
_FILLERS = frozenset("""
need needs needed want know get got let make us someone somebody anyone anybody one thing things ok okay hi hello
thanks thank if then than should would could can will must right correct proper best usual usually normally again
also just really actually exactly supposed happen happens happened has have had having put go goes able
after before once when whenever while until ahead during
way ways procedure procedures process steps step runbook instructions approach method handle handled handling deal
fix fixes fixing allowed allow permitted permission possible safe fine okay ask asks required
""".split())
_WH_WORDS = frozenset({"who", "whom", "whose", "when", "where", "why", "how", "which", "what"})

# operations vocabulary an operator uses for the same thing (words, stemmed when the table is built)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "fail": ("fail", "fails", "failed", "failing", "failure", "failures", "abend", "abends", "abended", "abending",
             "crash", "crashes", "crashed", "broke", "broken", "abnormal", "error", "errors", "errored"),
    "rerun": ("rerun", "reruns", "rerunning", "restart", "restarts", "restarted", "resubmit", "resubmitted",
              "relaunch", "retry", "retries"),
    "contact": ("contact", "call", "calls", "phone", "page", "paged", "ring", "escalate", "escalates",
                "escalation", "notify", "notified", "reach", "ping", "email", "mail", "alert"),
    "owner": ("owner", "owners", "owns", "own", "responsible", "team", "teams", "group", "squad"),
    "night": ("night", "nights", "nightly", "overnight", "tonight", "midnight"),
    "log": ("log", "logs", "stdlist", "joblog", "output", "stdout", "stderr"),
    "hold": ("hold", "holds", "held", "pause", "paused", "freeze", "frozen"),
    "cancel": ("cancel", "cancels", "cancelled", "canceled", "kill", "killed", "abort", "aborted", "terminate"),
    "start": ("start", "starts", "started", "begin", "begins", "launch", "launched", "kick", "trigger", "triggered"),
    "disk": ("disk", "disks", "filesystem", "filesystems", "storage", "space", "volume", "mount"),
    "slow": ("slow", "slower", "slowly", "sluggish"),
    "late": ("late", "delayed", "delay", "behind", "overdue"),
    "deadline": ("deadline", "deadlines", "sla", "slas", "cutoff", "due"),
    "fix": ("resolve", "resolved", "repair", "solve", "recover", "recovery", "remediate", "workaround"),
    "workstation": ("workstation", "workstations", "agent", "agents", "server", "servers", "host", "hosts",
                    "machine", "machines", "node", "nodes", "box"),
    "stream": ("stream", "streams", "jobstream", "jobstreams", "schedule", "schedules", "chain"),
    "password": ("password", "passwords", "credential", "credentials", "login", "logon"),
    "permission": ("permission", "permissions", "access", "denied", "unauthorized", "authorized", "privilege",
                   "privileges", "rights"),
    "maintenance": ("maintenance", "downtime", "outage", "outages", "patching", "patch"),
    "ticket": ("ticket", "tickets", "incident", "incidents", "servicenow"),
    "manager": ("manager", "supervisor", "lead", "boss"),
    "weekend": ("weekend", "weekends", "saturday", "sunday"),
    "holiday": ("holiday", "holidays"),
    "file": ("file", "files", "dataset", "datasets"),
    "approve": ("approve", "approval", "approved", "signoff"),
    "wait": ("wait", "waits", "waiting", "blocked", "block"),
}

# what kind of answer a question asks for: anchored at the start first, then anywhere (in this order)
_KINDS = (
    ("person", r"(?:who|whom|whose)\b|(?:which|what) (?:team|person|group|people|contact|owner|engineer|admin)s?\b"),
    ("quantity", r"how (?:many|much|often|long|soon)\b"),
    ("permission", r"(?:can|may) (?:i|we|operators?|an operator|you)\b|is it (?:ok|okay|safe|allowed|permitted|fine)\b|"
                   r"(?:am i|are we|are operators) allowed\b|do (?:i|we) need (?:an? )?(?:approval|permission)\b"),
    ("method", r"how\b|(?:what|which) (?:steps?|procedure|process|runbook)\b|what (?:should|do|must|can) (?:i|we) "
               r"do\b|what to do\b"),
    ("place", r"where\b|(?:which|what) (?:server|host|directory|folder|path|machine|share|url|site|page)s?\b"),
    ("reason", r"why\b|how come\b"),
    ("time", r"when\b|(?:what|which) (?:time|day|hour)\b|at what time\b"),
)
_KIND_AT_START = [(kind, re.compile(rf"^(?:{pattern})")) for kind, pattern in _KINDS]
_KIND_ANYWHERE = [(kind, re.compile(rf"\b(?:{pattern})")) for kind, pattern in _KINDS]

# a question about the state of the plan now: answered from the plan or by the model, never from stored text
_LIVE_RE = re.compile(r"\b(?:right now|now|currently|current|at the moment|today|this morning|this afternoon|"
                      r"this evening|so far|still|yet|status|state of|in the last|in the past|since|latest|"
                      r"just now|at present|is (?:it|\S+) running)\b")
_IDENTIFIER_RE = re.compile(r"^(?=.*[A-Za-z])(?=.*(?:[_#.]|\d))[A-Za-z0-9][A-Za-z0-9_#.\-]*$")
_TOKEN_RE = re.compile(r"[\w#.\-]+")
_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Signature:
    """What a question is about: its terms, its names (identifiers and numbers) and the kind of answer."""

    terms: frozenset[str]
    names: frozenset[str]
    kind: str | None


@dataclass(frozen=True)
class Match:
    """An approved entry found for a question."""

    entry_id: int
    question: str
    answer: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"id": f"approved-answer-{self.entry_id}", "title": self.question, "text": self.answer,
                "score": self.score}


@lru_cache(maxsize=1)
def _synonym_of() -> dict[str, str]:
    kb = get_knowledge_base()
    table: dict[str, str] = {}
    for canonical, words in SYNONYMS.items():
        for word in words:
            table.setdefault(kb.stem(word), canonical)
    return table


@lru_cache(maxsize=8192)
def _term(word: str) -> str | None:
    if word in STOPWORDS or word in _FILLERS or word in _WH_WORDS or len(word) < 2:
        return None
    stem = get_knowledge_base().stem(word)
    return _synonym_of().get(stem, stem)


@lru_cache(maxsize=1)
def _generic_terms() -> frozenset[str]:
    return frozenset(t for t in (_term(w) for w in GENERIC) if t is not None)


@lru_cache(maxsize=8192)
def _weight(term: str) -> float:
    return 0.5 if term in _generic_terms() else 1.0


def _kind(low: str) -> str | None:
    for kind, pattern in _KIND_AT_START:
        if pattern.match(low):
            return kind
    for kind, pattern in _KIND_ANYWHERE:
        if pattern.search(low):
            return kind
    return None


@lru_cache(maxsize=20000)
def signature(text: str) -> Signature:
    """The terms, names and answer kind of a question (a pure function of the text, so memoised)."""
    text = re.sub(r"\b([Rr])e-(\w)", r"\1e\2", normalize(text or ""))  # re-run → rerun
    terms: set[str] = set()
    names: set[str] = set()
    for token in _TOKEN_RE.findall(text):
        token = token.strip(".-#")
        if _IDENTIFIER_RE.match(token) and all(len(p) >= 2 for p in re.split(r"[.#]", token) if p):
            names.add(token.upper())
            continue
        for word in _WORD_RE.findall(token.lower()):
            if word.isdigit():
                names.add(word.lstrip("0") or "0")
            elif (term := _term(word)) is not None:
                terms.add(term)
    return Signature(frozenset(terms), frozenset(names), _kind(text.lower()))


def similarity(question: Signature, entry: Signature) -> float:
    """How closely two questions say the same thing (0–1): weighted Dice over their terms and names; 0 when their
    names or answer kinds differ or they share fewer than two terms (one, if one of them has only one). A
    substitution — each side keeps a term of full weight that the other lacks ("after a *network* outage" /
    "after a *database* outage", "*hold* all streams" / "*release* all streams") — is discounted
    (× SUBSTITUTION_DISCOUNT), so such a pair must agree on nearly everything else to match."""
    if question.names != entry.names:
        return 0.0
    if question.kind and entry.kind and question.kind != entry.kind:
        return 0.0
    common = question.terms & entry.terms
    if len(common) < min(2, len(question.terms), len(entry.terms)) or not common:
        return 0.0
    names = len(question.names)
    total = sum(_weight(t) for t in question.terms) + sum(_weight(t) for t in entry.terms) + 2 * names
    score = 2 * (sum(_weight(t) for t in common) + names) / total
    if _strong(question.terms - common) and _strong(entry.terms - common):
        score = SUBSTITUTION_DISCOUNT * score
    return round(score, 4)


def _strong(terms: frozenset[str]) -> bool:
    return any(_weight(t) >= 1.0 for t in terms)


def answers_from_plan(question: str) -> bool:
    """Whether the question is about the live plan (a plan intent, or a live cue such as "now" or "status"):
    such a question is never answered from a learned entry."""
    intent = parse(question)
    if intent is not None and intent.name != "knowledge":
        return True
    return _live(question)


def _approved(ids: list[int] | None = None) -> list[tuple[int, str, str]]:
    """(id, question, approved text) of the approved entries (of `ids`, when given), newest first."""
    query = select(LearnedAnswer.id, LearnedAnswer.question, LearnedAnswer.approved_answer).where(
        LearnedAnswer.status == APPROVED).order_by(LearnedAnswer.id.desc())
    if ids is not None:
        query = query.where(LearnedAnswer.id.in_(ids))
    with session_scope() as db:
        return [(int(i), q, a or "") for i, q, a in db.execute(query)]


def _questions() -> list[tuple[int, str]]:
    query = select(LearnedAnswer.id, LearnedAnswer.question).where(LearnedAnswer.status == APPROVED)
    with session_scope() as db:
        return [(int(i), q) for i, q in db.execute(query)]


def find(question: str, threshold: float = ANSWER_THRESHOLD) -> Match | None:
    """The approved entry that answers `question` (the closest above `threshold`; newest on a tie), or None.
    Reads the database every time (see the module docstring)."""
    wanted = signature(question)
    if not wanted.terms:
        return None
    scored = sorted(((similarity(wanted, signature(q)), i) for i, q in _questions()), reverse=True)
    for score, entry_id in scored:
        if score < threshold:
            return None
        rows = _approved([entry_id])  # still approved now (not rejected meanwhile)
        if rows and rows[0][2].strip():
            return Match(entry_id, rows[0][1], rows[0][2], score)
    return None


def search(query: str, limit: int = 3, threshold: float = TOOL_THRESHOLD) -> list[Match]:
    """Approved entries for the model's knowledge tool: those whose question and approved text hold at least
    `threshold` of the query's terms (weighted) and every name it gives; best first."""
    wanted = signature(query)
    if not wanted.terms:
        return []
    found = []
    for entry_id, question, text in _approved():
        entry = signature(f"{question}\n{text}")
        if not wanted.names <= entry.names:
            continue
        covered = sum(_weight(t) for t in wanted.terms & entry.terms) / sum(_weight(t) for t in wanted.terms)
        if covered >= threshold and text.strip():
            found.append(Match(entry_id, question, text, round(covered, 4)))
    found.sort(key=lambda m: (-m.score, -m.entry_id))
    return found[:limit]


def answer_text(match: Match, w: Wording = ENGLISH) -> str:
    """The approved text as written (whatever its language), framed in the question's language (`w`)."""
    return f"{match.answer.strip()}\n\n{w.t('_From approved answer #{id} · no model used._', id=match.entry_id)}"


def _live(message: str) -> bool:
    """A live cue in the question, read in English and, for a Portuguese question, in its reading by the parser
    ("agora", "ainda", "hoje" → now, still, today)."""
    text = normalize(message or "")
    language = lang.detect(text)
    return bool(_LIVE_RE.search(text.lower())
                or (language != lang.EN and _LIVE_RE.search(lang.for_parser(text, language).lower())))


async def fast_answer(message: str, intent: Intent | None) -> FastAnswer | None:
    """The chat's hook: an approved entry's answer at $0, or None. Plan intents never get here (grounding)."""
    if intent is not None and intent.name != "knowledge":
        return None
    if _live(message):
        return None
    match = await asyncio.to_thread(find, message)
    if match is None:
        return None
    language = intent.lang if intent is not None else lang.detect(message)
    return FastAnswer(answer_text(match, lang.wording(language)), Intent(INTENT, {"entry": match.entry_id}, language),
                      SOURCE, None,
                      [{"name": "approved_answers", "arguments": {"query": message, "entry": match.entry_id}}])
