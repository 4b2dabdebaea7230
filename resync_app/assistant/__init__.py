"""The TWS assistant's framework-free services (the chat is assembled on top of them).

- `kb`: the knowledge base shipped in `knowledge/*.md` (37 short documents with stable ids) and its built-in search
  (SQLite FTS5 in memory, BM25F ranking, snippets): `kb.search(query, limit) -> [Hit(id, title, snippet, score,
  source="builtin")]`, `get_knowledge_base().document(id)`.
- `rag`: `knowledge_search(query, limit) -> KnowledgeAnswer(source "rag" | "builtin", hits, fallback_reason,
  attempts, calls)`: the RAG service at `rag_service_url` (`POST /search {query, top_k}` → `{results: [{id, title,
  text, score}]}`) with `rag_service_timeout` / `_max_retries` / `_retry_backoff`, else the built-in search;
  `RagClient().health()` for the Health page.
- `intents`: `parse(message) -> Intent | None`, the zero-cost fast path's parser (None: the model answers).
- `reader`: the `PlanReader` protocol the fast path reads the plan snapshot through (bound to the TWS read layer).
- `fastpath`: `await fast_path(message, reader, instance=, tz=) -> FastAnswer | None` (Markdown answer citing the
  plan, `calls` for `tool_calls`, `confirm` for an action request; never executes an action). Its answer builders:
  `job_answers` (one job), `plan_answers` (lists, summary, workstations, events, deadlines), `action_answer`,
  `knowledge_answer`, over what they share in `fast_answer` (`FastAnswer`, `PlanReads`, `AnswerContext`).
"""
