"""Knowledge search: the RAG service at `rag_service_url` when it answers, else the built-in knowledge base.

Protocol of the RAG service (any service that speaks it can be plugged in):

- `POST <rag_service_url>/search` with JSON `{"query": str, "top_k": int}` →
  200 `{"results": [{"id": str, "title": str, "text": str, "score": float}, …]}` best first (`text` required;
  extra keys ignored).
- `GET <rag_service_url>/health` → any 2xx when the service is up (used by the Health page).

One search is tried at most `1 + rag_service_max_retries` times, each attempt limited to `rag_service_timeout`
seconds; between attempts the client waits `rag_service_retry_backoff × 2^(n-1)` seconds (n = 1, 2, …; each wait
capped at 30 s). Connection failures, timeouts, 429 and 5xx answers are retried; other 4xx answers and answers that
are not the JSON above are not (they would fail the same way again).

Languages: the RAG service is sent the operator's question as asked (a Portuguese question in Portuguese: the site's
documents and the service's own matching are its business, and the parser's rewriting is a bag of English keywords,
not a translation); the built-in knowledge base, indexed in English, is searched with that rewriting (`builtin_query`).

`knowledge_search(query)` falls back to the built-in search when the service is not configured (empty URL), is
unreachable, times out, answers 4xx/5xx or bad JSON, or finds nothing, and says which source answered and why it
fell back. After a failed search the service is skipped for `cooldown_s` (30 s) so that a chat does not wait through
the retries on every question while the service is down.

The fields are read live from the System Configuration store on every call; the constructor's keyword arguments
override them (tests and the Health check use that). `sleep` and `clock` are injectable: tests never sleep.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from resync_app.assistant.kb import Hit, KnowledgeBase, get_knowledge_base

logger = logging.getLogger("resync.assistant.rag")

MAX_DELAY_S = 30.0
SNIPPET_CHARS = 600
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class RagError(Exception):
    """A RAG search that did not produce results. `kind`: disabled, skipped, unreachable, timeout, http,
    bad_answer."""

    def __init__(self, kind: str, message: str, attempts: int = 0):
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts


@dataclass
class KnowledgeAnswer:
    """What `knowledge_search` found and who answered (`source`: "rag" or "builtin")."""

    source: str
    hits: list[Hit]
    fallback_reason: str | None = None
    attempts: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "hits": [h.as_dict() for h in self.hits],
                "fallback_reason": self.fallback_reason, "attempts": self.attempts}


def _config(name: str) -> Any:
    from resync_app.config.store import setting

    return setting(name)


class RagClient:
    """Async client of the RAG service (httpx; one short-lived connection pool per call)."""

    def __init__(self, *, url: str | None = None, timeout: float | None = None, max_retries: int | None = None,
                 backoff: float | None = None, cooldown_s: float = 30.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, clock: Callable[[], float] = time.monotonic,
                 transport: httpx.AsyncBaseTransport | None = None):
        self._url, self._timeout, self._max_retries, self._backoff = url, timeout, max_retries, backoff
        self.cooldown_s = cooldown_s
        self._sleep, self._clock, self._transport = sleep, clock, transport
        self._down: tuple[str, float, str] | None = None  # (url, skip until, reason) after a failed search

    # -- settings (live from the store unless overridden) --------------------------------------------------
    @property
    def url(self) -> str:
        value = self._url if self._url is not None else _config("rag_service_url")
        return (value or "").strip().rstrip("/")

    @property
    def timeout(self) -> float:
        return float(self._timeout if self._timeout is not None else _config("rag_service_timeout"))

    @property
    def max_retries(self) -> int:
        return int(self._max_retries if self._max_retries is not None else _config("rag_service_max_retries"))

    @property
    def backoff(self) -> float:
        return float(self._backoff if self._backoff is not None else _config("rag_service_retry_backoff"))

    def delays(self) -> list[float]:
        """The waits between attempts of one search."""
        return [min(self.backoff * 2 ** (n - 1), MAX_DELAY_S) for n in range(1, self.max_retries + 1)]

    # -- calls --------------------------------------------------------------------------------------------
    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, transport=self._transport, follow_redirects=False)

    async def search(self, query: str, top_k: int = 5) -> list[Hit]:
        """Hits of the RAG service, best first (source "rag"); RagError when it did not answer."""
        return (await self.search_counted(query, top_k))[0]

    async def search_counted(self, query: str, top_k: int = 5) -> tuple[list[Hit], int]:
        """`search`, with the number of attempts it took."""
        url = self.url
        if not url:
            raise RagError("disabled", "no RAG service configured (rag_service_url is empty)")
        if not url.startswith(("http://", "https://")):
            raise RagError("disabled", "rag_service_url is not an http(s) URL")
        if self._down and self._down[0] == url and self._clock() < self._down[1]:
            raise RagError("skipped", f"RAG service skipped after a recent failure ({self._down[2]})")
        delays = self.delays()
        attempts = 0
        error: RagError | None = None
        async with self._client() as client:
            for attempt in range(len(delays) + 1):
                if attempt:
                    await self._sleep(delays[attempt - 1])
                attempts += 1
                try:
                    answer = await client.post(f"{url}/search", json={"query": query, "top_k": int(top_k)})
                except httpx.TimeoutException:
                    error = RagError("timeout", f"RAG service did not answer within {self.timeout:g} s")
                    continue
                except httpx.HTTPError as exc:
                    error = RagError("unreachable", f"RAG service unreachable ({type(exc).__name__})")
                    continue
                if answer.status_code >= 400:
                    error = RagError("http", f"RAG service answered HTTP {answer.status_code}")
                    if answer.status_code in RETRYABLE_STATUS:
                        continue
                    break
                try:
                    hits = _parse_results(answer)
                except RagError as exc:
                    error = exc
                    break
                self._down = None
                return hits[:top_k], attempts
        assert error is not None
        error.attempts = attempts
        self._down = (url, self._clock() + self.cooldown_s, str(error))
        raise error

    async def health(self) -> dict[str, Any]:
        """`{ok, latency_ms, detail}` from `GET <url>/health` (one attempt, no retries)."""
        url = self.url
        if not url:
            return {"ok": False, "latency_ms": None, "detail": "no RAG service configured"}
        started = time.perf_counter()
        try:
            async with self._client() as client:
                answer = await client.get(f"{url}/health")
        except httpx.TimeoutException:
            return {"ok": False, "latency_ms": None, "detail": f"no answer within {self.timeout:g} s"}
        except httpx.HTTPError as exc:
            return {"ok": False, "latency_ms": None, "detail": f"unreachable ({type(exc).__name__})"}
        latency = round((time.perf_counter() - started) * 1000, 1)
        if answer.is_success:
            return {"ok": True, "latency_ms": latency, "detail": f"HTTP {answer.status_code}"}
        return {"ok": False, "latency_ms": latency, "detail": f"HTTP {answer.status_code}"}


def _parse_results(answer: httpx.Response) -> list[Hit]:
    try:
        data = answer.json()
    except ValueError:
        raise RagError("bad_answer", "RAG service answered something that is not JSON") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise RagError("bad_answer", "RAG service answer has no `results` list")
    hits = []
    for n, item in enumerate(results):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise RagError("bad_answer", f"RAG result {n} has no `text`")
        score = item.get("score", 0.0)
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise RagError("bad_answer", f"RAG result {n} has a score that is not a number")
        text = " ".join(item["text"].split())
        snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS - 1].rstrip() + "…"
        hits.append(Hit(id=str(item.get("id", f"rag-{n}")), title=str(item.get("title") or ""), snippet=snippet,
                        score=float(score), source="rag"))
    return hits


_rag: RagClient | None = None


def get_rag_client() -> RagClient:
    """The process-wide client (settings read live from the configuration store)."""
    global _rag
    if _rag is None:
        _rag = RagClient()
    return _rag


def builtin_query(query: str) -> str:
    """The query in the built-in knowledge base's language: it is indexed in English (its Portuguese translations
    share the English ids), so a Portuguese query is searched through the parser's English reading of it."""
    from resync_app.assistant import lang

    return lang.for_parser(query, lang.detect(query))


async def knowledge_search(query: str, limit: int = 5, *, rag: RagClient | None = None,
                           kb: KnowledgeBase | None = None, builtin: str | None = None) -> KnowledgeAnswer:
    """Search the RAG service, falling back to the built-in knowledge base (see the module docstring). The RAG
    service is sent `query` as it is (the operator's words, in their language); the built-in base is searched with
    `builtin` (default `builtin_query(query)`)."""
    rag = rag or get_rag_client()
    kb = kb or get_knowledge_base()
    builtin = builtin or builtin_query(query)
    call = {"name": "knowledge_search", "arguments": {"query": query, "limit": limit}}
    try:
        hits, attempts = await rag.search_counted(query, limit)
    except RagError as exc:
        if exc.kind not in ("disabled", "skipped"):
            logger.warning("knowledge search: %s; answering from the built-in knowledge base", exc)
        return KnowledgeAnswer("builtin", kb.search(builtin, limit), fallback_reason=str(exc), attempts=exc.attempts,
                               calls=[call])
    if not hits:
        return KnowledgeAnswer("builtin", kb.search(builtin, limit), fallback_reason="RAG service found nothing",
                               attempts=attempts, calls=[call])
    return KnowledgeAnswer("rag", hits, attempts=attempts, calls=[call])
