"""The chat's stored turns (`chat_turns`): every question and its answer, the context of the next question, the
history a page reloads, and the thumbs up/down the metrics page counts. A turn keeps what answered it
(`answered_from`) and the question's language, so its footer is worded from them, never read back from its text."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from resync_app.assistant import turn_retention
from resync_app.assistant.fast_answer import PLAN_FOOTER
from resync_app.assistant.lang import wording
from resync_app.assistant.models import ChatTurn
from resync_app.db import session_scope

CONTEXT_TURNS = 6
CONTEXT_ANSWER_CHARS = 1500
HISTORY_LIMIT = 100
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KNOWLEDGE_FOOTER = "answered from the knowledge base, no model used"
LEARNED_FOOTER = "from approved answer #{id}, no model used"
# what answered a turn (`chat_turns.answered_from`): the plan, a knowledge document, an approved answer, the model
PLAN, KNOWLEDGE, LEARNED, MODEL = "plan", "knowledge", "learned", "model"


def answered_from(source: str) -> str:
    """What answered a fast-path answer of `source` (`FastAnswer.source`: plan, knowledge:builtin, knowledge:rag,
    learned)."""
    return source.partition(":")[0] if source.partition(":")[0] in (PLAN, KNOWLEDGE, LEARNED) else PLAN


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def valid_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_CONVERSATION_ID.match(value))


def context(conversation_id: str, turns: int = CONTEXT_TURNS) -> list[dict[str, str]]:
    """The last answered turns of the conversation as chat messages, oldest first (long answers cut)."""
    with session_scope() as db:
        rows = db.execute(select(ChatTurn).where(ChatTurn.conversation_id == conversation_id,
                                                 ChatTurn.outcome == "ok")
                          .order_by(ChatTurn.id.desc()).limit(turns)).scalars().all()
        pairs = [(row.question, row.answer) for row in reversed(rows)]
    messages: list[dict[str, str]] = []
    for question, answer in pairs:
        messages.append({"role": "user", "content": question})
        messages.append({"role": "assistant", "content": answer[:CONTEXT_ANSWER_CHARS]})
    return messages


def store(conversation_id: str, question: str, answer: str, *, fast_path: bool, model: str | None = None,
          route_reason: str | None = None, tokens: int = 0, cost_usd: float = 0.0, outcome: str = "ok",
          username: str | None = None, learned_id: int | None = None, client: str | None = None,
          answered: str | None = None, language: str = "en") -> int:
    """Record one turn (`answered`: what answered it, PLAN … MODEL; `language`: the question's); its id. The
    asker's oldest turns beyond the per-client cap go, and turns past the retention window are pruned now and then
    (`turn_retention`)."""
    key = turn_retention.client_key(username, client)
    with session_scope() as db:
        row = ChatTurn(conversation_id=conversation_id, question=question, answer=answer, fast_path=fast_path,
                       model=model, route_reason=route_reason, tokens=int(tokens), cost_usd=float(cost_usd or 0.0),
                       outcome=outcome, username=username, learned_id=learned_id, client_key=key,
                       answered_from=answered or (PLAN if fast_path else MODEL), language=language)
        db.add(row)
        db.flush()
        turn_id = int(row.id)
        turn_retention.enforce_cap(db, key)
    turn_retention.maybe_prune()
    return turn_id


def footer(fast_path: bool, model: str | None, route_reason: str | None, tokens: int, cost_usd: float,
           outcome: str = "ok", answered: str | None = None, learned_id: int | None = None,
           language: str | None = "en") -> str:
    """The small line under an answer, in the answer's language: model · why · tokens · cost, or how it was
    answered without a model (`answered`: PLAN, KNOWLEDGE, LEARNED; the model and the route reason are codes)."""
    w = wording(language or "en")
    if fast_path and learned_id:
        return w.t(LEARNED_FOOTER, id=learned_id)
    if fast_path:
        return w.t(KNOWLEDGE_FOOTER if answered == KNOWLEDGE else PLAN_FOOTER)
    if not model:
        return w.t("stopped") if outcome == "stopped" else w.t("no model used")
    parts = [model, route_reason or "", w.t("{tokens} tokens", tokens=tokens), f"${cost_usd:.6f}"]
    if outcome == "stopped":
        parts.append(w.t("stopped"))
    return " · ".join(p for p in parts if p)


def turn_dict(row: ChatTurn) -> dict[str, Any]:
    """A turn as the history shows it (no user name: the page and the API never show who asked)."""
    return {"id": row.id, "conversation_id": row.conversation_id, "created_at": row.created_at.isoformat(),
            "question": row.question, "answer": row.answer, "fast_path": row.fast_path, "model": row.model,
            "route_reason": row.route_reason, "tokens": row.tokens, "cost_usd": row.cost_usd,
            "outcome": row.outcome, "feedback": row.feedback, "answered_from": row.answered_from,
            "language": row.language or "en",
            "footer": footer(row.fast_path, row.model, row.route_reason, row.tokens, row.cost_usd, row.outcome,
                             answered=row.answered_from, learned_id=row.learned_id, language=row.language)}


def history(conversation_id: str, limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The conversation's turns, oldest first (the last `limit`)."""
    with session_scope() as db:
        rows = db.execute(select(ChatTurn).where(ChatTurn.conversation_id == conversation_id)
                          .order_by(ChatTurn.id.desc()).limit(limit)).scalars().all()
        return [turn_dict(row) for row in reversed(rows)]


def set_feedback(turn_id: int, value: int, conversation_id: str) -> bool:
    """Thumbs up (+1) or down (-1) on a turn of `conversation_id` (the turn id alone is not enough); False if that
    conversation has no such turn. A second vote replaces the first."""
    if value not in (1, -1):
        raise ValueError("feedback is +1 or -1")
    with session_scope() as db:
        row = db.get(ChatTurn, turn_id)
        if row is None or row.conversation_id != conversation_id:
            return False
        row.feedback = value
        db.add(row)
        return True
