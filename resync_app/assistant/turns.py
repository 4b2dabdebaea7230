"""The chat's stored turns (`chat_turns`): every question and its answer, the context of the next question, the
history a page reloads, and the thumbs up/down the metrics page counts."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from resync_app.assistant.fastpath import PLAN_FOOTER
from resync_app.assistant.models import ChatTurn
from resync_app.db import session_scope

CONTEXT_TURNS = 6
CONTEXT_ANSWER_CHARS = 1500
HISTORY_LIMIT = 100
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KNOWLEDGE_FOOTER = "answered from the knowledge base, no model used"
LEARNED_FOOTER = "from approved answer #{id}, no model used"


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
          username: str | None = None, learned_id: int | None = None) -> int:
    """Record one turn; its id."""
    with session_scope() as db:
        row = ChatTurn(conversation_id=conversation_id, question=question, answer=answer, fast_path=fast_path,
                       model=model, route_reason=route_reason, tokens=int(tokens), cost_usd=float(cost_usd or 0.0),
                       outcome=outcome, username=username, learned_id=learned_id)
        db.add(row)
        db.flush()
        return int(row.id)


def footer(fast_path: bool, model: str | None, route_reason: str | None, tokens: int, cost_usd: float,
           outcome: str = "ok", knowledge: bool = False, learned_id: int | None = None) -> str:
    """The small line under an answer: model · why · tokens · cost, or how it was answered without a model."""
    if fast_path and learned_id:
        return LEARNED_FOOTER.format(id=learned_id)
    if fast_path:
        return KNOWLEDGE_FOOTER if knowledge else PLAN_FOOTER
    if not model:
        return {"refused": "no model used", "stopped": "stopped"}.get(outcome, "no model used")
    parts = [model, route_reason or "", f"{tokens} tokens", f"${cost_usd:.6f}"]
    if outcome == "stopped":
        parts.append("stopped")
    return " · ".join(p for p in parts if p)


def turn_dict(row: ChatTurn) -> dict[str, Any]:
    """A turn as the history shows it (no user name: the page and the API never show who asked)."""
    return {"id": row.id, "conversation_id": row.conversation_id, "created_at": row.created_at.isoformat(),
            "question": row.question, "answer": row.answer, "fast_path": row.fast_path, "model": row.model,
            "route_reason": row.route_reason, "tokens": row.tokens, "cost_usd": row.cost_usd,
            "outcome": row.outcome, "feedback": row.feedback,
            "footer": footer(row.fast_path, row.model, row.route_reason, row.tokens, row.cost_usd, row.outcome,
                             knowledge=row.fast_path and "no model used._" in row.answer
                             and "_From the " in row.answer, learned_id=row.learned_id)}


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
