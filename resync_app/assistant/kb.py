"""The built-in knowledge base: the Markdown documents shipped in `knowledge/`, searched with SQLite FTS5.

Each document is a small Markdown file with a front matter block::

    ---
    id: status-abend            (stable; equal to the file name without `.md`)
    title: ABEND and ABENP: the job ended in error
    tags: abend, abended, failed, return code
    ---
    body (Markdown)

The index is an in-memory SQLite database (stdlib `sqlite3`, FTS5 with the Porter stemmer over `unicode61`) built
from the shipped files on first use, so it works whatever the main database is (SQLite or PostgreSQL). Ranking is
BM25F (title weighted above the tags, tags above the body) from FTS5's token statistics, plus a bonus (the code's
IDF) for each upper-case code of the query (ABEND, STARTED) found verbatim in a document, since stemming conflates STARTED with
"start". Queries are free text: every word is
quoted before it reaches FTS5, so punctuation and FTS operators in a question (`"`, `*`, `NEAR`, `-`, `:`) are
plain words, never syntax.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_MAX_TERMS = 24
_CODE_RE = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")  # status codes and other upper-case identifiers
# words that say nothing about the topic of an operator's question
STOPWORDS = frozenset("""
a an the and or of to in on at for from by with about into is are was were be been being do does did doing done
what what's whats which who whom whose when where how why can could would should will shall may might must i me my
we our you your it its this that these those there here s t please tell show give explain mean means meaning
define definition stand stands difference between vs versus job jobs tws hwa resync
""".split())


class KnowledgeFormatError(ValueError):
    """A shipped document without a valid front matter (id, title)."""


@dataclass(frozen=True)
class Document:
    """One knowledge document."""

    id: str
    title: str
    tags: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class Hit:
    """One search result; `source` says who answered: "builtin" or "rag"."""

    id: str
    title: str
    snippet: str
    score: float
    source: str = "builtin"

    def as_dict(self) -> dict:
        return asdict(self)


def parse_document(text: str, name: str) -> Document:
    """A Document from a file's text (`name` is the file name, for messages and the id check)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KnowledgeFormatError(f"{name}: no front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise KnowledgeFormatError(f"{name}: front matter not closed") from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise KnowledgeFormatError(f"{name}: bad front matter line {line!r}")
        meta[key.strip().lower()] = value.strip()
    doc_id, title = meta.get("id", ""), meta.get("title", "")
    if not ID_RE.match(doc_id):
        raise KnowledgeFormatError(f"{name}: missing or invalid id {doc_id!r}")
    if not title:
        raise KnowledgeFormatError(f"{name}: missing title")
    tags = tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        raise KnowledgeFormatError(f"{name}: empty body")
    return Document(doc_id, title, tags, body)


def load_documents(directory: Path = KNOWLEDGE_DIR) -> list[Document]:
    """Every `*.md` document of `directory`, sorted by id; the id must equal the file name."""
    docs = []
    for path in sorted(directory.glob("*.md")):
        doc = parse_document(path.read_text(encoding="utf-8"), path.name)
        if doc.id != path.stem:
            raise KnowledgeFormatError(f"{path.name}: id {doc.id!r} differs from the file name")
        docs.append(doc)
    ids = [d.id for d in docs]
    if len(set(ids)) != len(ids):
        raise KnowledgeFormatError("duplicate document ids")
    return docs


def query_words(query: str) -> list[str]:
    """The topic words of a free-text query (lower case, stop words dropped unless nothing else is left).

    Words are `\\w+` runs, so a word can never carry a quote or an FTS5 operator into the MATCH expression."""
    words = [w.lower() for w in _WORD_RE.findall(query)]
    topic = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(topic))[:_MAX_TERMS]


class KnowledgeBase:
    """An FTS5 index over documents (thread-safe; one in-memory SQLite connection).

    FTS5 finds the matching documents and cuts the snippets. The ranking is BM25F computed from FTS5's own
    token statistics (`fts5vocab`): the columns weighted title > tags > body, and Lucene's always-positive IDF,
    because FTS5's built-in `bm25()` gives a term found in more than half of the documents (here: "abend",
    "job") an IDF of zero, which would rank every document alike for the most common question words."""

    K1, B = 1.2, 0.75
    WEIGHTS = {"title": 6.0, "tags": 3.0, "body": 1.0}

    def __init__(self, documents: Iterable[Document]):
        self._docs = {d.id: d for d in documents}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        tokenize = "tokenize = 'porter unicode61 remove_diacritics 2'"
        self._db.executescript(f"""
            CREATE VIRTUAL TABLE kb USING fts5(id UNINDEXED, title, tags, body, {tokenize});
            CREATE VIRTUAL TABLE kb_terms USING fts5vocab(kb, 'instance');
            CREATE VIRTUAL TABLE query USING fts5(text, {tokenize});
            CREATE VIRTUAL TABLE query_terms USING fts5vocab(query, 'row');
        """)
        self._db.executemany("INSERT INTO kb (id, title, tags, body) VALUES (?, ?, ?, ?)",
                             [(d.id, d.title, " ".join(d.tags), d.body) for d in self._docs.values()])
        self._db.commit()
        self._index_statistics()
        self._codes = {self._id_to_rowid[d.id]: set(_CODE_RE.findall(f"{d.title} {' '.join(d.tags)} {d.body}"))
                       for d in self._docs.values()}
        self._code_df: dict[str, int] = {}
        for codes in self._codes.values():
            for code in codes:
                self._code_df[code] = self._code_df.get(code, 0) + 1

    def _index_statistics(self) -> None:
        """Per document and column: term frequencies and lengths (tokens); per term: document frequency."""
        self._rowid_to_id = dict(self._db.execute("SELECT rowid, id FROM kb").fetchall())
        self._id_to_rowid = {v: k for k, v in self._rowid_to_id.items()}
        tf: dict[int, dict[str, dict[str, int]]] = {}
        length: dict[int, dict[str, int]] = {}
        for term, rowid, column, _offset in self._db.execute("SELECT term, doc, col, offset FROM kb_terms"):
            per_doc = tf.setdefault(rowid, {})
            per_doc.setdefault(term, {}).setdefault(column, 0)
            per_doc[term][column] += 1
            length.setdefault(rowid, {}).setdefault(column, 0)
            length[rowid][column] += 1
        self._tf, self._length = tf, length
        self._df: dict[str, int] = {}
        for per_doc in tf.values():
            for term in per_doc:
                self._df[term] = self._df.get(term, 0) + 1
        n = max(len(self._rowid_to_id), 1)
        self._avg = {c: max(sum(length.get(r, {}).get(c, 0) for r in self._rowid_to_id) / n, 1.0)
                     for c in self.WEIGHTS}

    @classmethod
    def from_directory(cls, directory: Path = KNOWLEDGE_DIR) -> KnowledgeBase:
        return cls(load_documents(directory))

    def __len__(self) -> int:
        return len(self._docs)

    def document(self, doc_id: str) -> Document | None:
        return self._docs.get(doc_id)

    def documents(self) -> list[Document]:
        return list(self._docs.values())

    def _stems(self, words: list[str]) -> list[str]:
        """The index's terms for `words` (the same tokenizer and stemmer, through a scratch FTS5 table)."""
        self._db.execute("INSERT INTO query (rowid, text) VALUES (1, ?)", (" ".join(words),))
        try:
            return [row[0] for row in self._db.execute("SELECT term FROM query_terms")]
        finally:
            self._db.execute("DELETE FROM query WHERE rowid = 1")

    @staticmethod
    def _idf(n: int, df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _score(self, rowid: int, terms: list[str], codes: set[str]) -> float:
        n = len(self._rowid_to_id)
        score = sum(self._idf(n, self._code_df[c]) for c in codes & self._codes[rowid])
        for term in terms:
            columns = self._tf.get(rowid, {}).get(term)
            if not columns:
                continue
            pseudo_tf = 0.0
            for column, count in columns.items():
                norm = 1 - self.B + self.B * self._length[rowid].get(column, 0) / self._avg[column]
                pseudo_tf += self.WEIGHTS.get(column, 0.0) * count / norm
            score += self._idf(n, self._df.get(term, 0)) * pseudo_tf / (self.K1 + pseudo_tf)
        return score

    def stem(self, word: str) -> str:
        """The index's term for one word (the same tokenizer and stemmer; used by `learned_search`)."""
        with self._lock:
            terms = self._stems([word])
        return terms[0] if len(terms) == 1 else word.lower()

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        """The best `limit` documents for `query`, best first (`score`: BM25F, higher is better)."""
        words = query_words(query or "")
        if not words or limit <= 0:
            return []
        expression = " OR ".join(f'"{w}"' for w in words)  # \w+ words, quoted: never FTS5 syntax
        with self._lock:
            terms = self._stems(words)
            codes = set(_CODE_RE.findall(query))
            rowids = [r[0] for r in self._db.execute("SELECT rowid FROM kb WHERE kb MATCH ?", (expression,))]
            ranked = sorted(((self._score(r, terms, codes), r) for r in rowids), key=lambda x: (-x[0], x[1]))[:limit]
            hits = []
            for score, rowid in ranked:
                doc_id, title, snippet = self._db.execute(
                    "SELECT id, title, snippet(kb, 3, '**', '**', '…', 24) FROM kb WHERE kb MATCH ? AND rowid = ?",
                    (expression, rowid)).fetchone()
                hits.append(Hit(id=doc_id, title=title, snippet=snippet, score=round(score, 4)))
        return hits


_kb: KnowledgeBase | None = None
_kb_lock = threading.Lock()


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide index of the shipped documents (built on first use, a few milliseconds)."""
    global _kb
    if _kb is None:
        with _kb_lock:
            if _kb is None:
                _kb = KnowledgeBase.from_directory()
    return _kb


def search(query: str, limit: int = 5) -> list[Hit]:
    """Search the shipped knowledge base."""
    return get_knowledge_base().search(query, limit)
