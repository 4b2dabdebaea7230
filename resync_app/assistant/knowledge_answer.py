"""The fast path's answer to a knowledge question ("what does ABEND mean?"): the best document of the built-in
knowledge base (in the question's language when written in it) or of the knowledge service (RAG), no model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from resync_app.assistant import fmt
from resync_app.assistant.fast_answer import FastAnswer
from resync_app.assistant.fmt import name
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.kb import KnowledgeBase
from resync_app.assistant.lang import wording
from resync_app.assistant.rag import KnowledgeAnswer

KnowledgeSearch = Callable[..., Awaitable[KnowledgeAnswer]]  # (query, limit, builtin=…): rag.knowledge_search


async def knowledge_answer(intent: Intent, search: KnowledgeSearch, kb: KnowledgeBase) -> FastAnswer | None:
    w = wording(intent.lang)
    query, asked = intent.get("query"), intent.get("question")  # asked: a Portuguese question as typed (`rag`)
    found = await (search(asked, 3, builtin=query) if asked else search(query, 3))
    if not found.hits:
        return None
    top, others = found.hits[0], found.hits[1:]
    if found.source == "builtin":  # the document in the question's language when it is written in it
        doc = w.document(top.id) or kb.document(top.id)
        body = f"**{doc.title}**\n\n{doc.body}" if doc else f"**{top.title}**\n\n{top.snippet}"
        footer = w.t("_From the built-in knowledge base ({id}) · no model used._", id=name(top.id))
        others = [replace(h, title=translated.title) if (translated := w.document(h.id)) else h for h in others]
    else:  # a document Resync did not write: its title and text are shown as text, never as links, images or HTML
        snippet = fmt.paragraphs(top.snippet)
        body = f"**{fmt.plain(top.title)}**\n\n{snippet}" if top.title else snippet
        footer = w.t("_From the knowledge service (RAG) · no model used._")
    titles = [fmt.plain(h.title) for h in others if h.title]
    see_also = w.t("\n\nSee also: {titles}.", titles="; ".join(titles)) if titles else ""
    return FastAnswer(f"{body}{see_also}\n\n{footer}", intent, f"knowledge:{found.source}", None, found.calls)
