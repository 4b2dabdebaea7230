"""`POST /api/v1/chat` (CONTRACT §9): the TWS assistant, whole answers, for scripts and tests — the same service
the page streams (`assistant.chat`). No sign-in needed (operator reads; RESYNC_OPERATOR_LOGIN=required closes it
to anonymous clients); rate-limited as a public operator route
(`web/routes.py`). It never performs an action: an action request answers with the proposal and the action route.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from resync_app.api.deps import operator_read
from resync_app.assistant import chat, turns
from resync_app.assistant.lang import wording
from resync_app.auth import sessions

router = APIRouter(prefix="/api/v1/chat", tags=["Chat (operators)"], dependencies=[Depends(operator_read)])


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=chat.MAX_MESSAGE_CHARS)
    conversation_id: str | None = Field(default=None, max_length=64)


class FeedbackRequest(BaseModel):
    turn_id: int
    conversation_id: str = Field(min_length=1, max_length=64)
    value: int = Field(description="+1 (helpful) or -1 (not helpful)")


def _asker(request: Request) -> str | None:
    """The signed-in user behind a bearer token or the session cookie, if any (recorded with the turn)."""
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    principal = (sessions.resolve(raw.strip(), "token") if scheme.lower() == "bearer"
                 else sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session"))
    return principal.username if principal is not None else None


@router.post("")
async def ask(body: ChatRequest, request: Request) -> dict[str, Any]:
    """`{conversation_id, answer, fast_path, model, route_reason, tokens, cost_usd, tool_calls}` (+ `turn_id`,
    `footer`, `outcome`, `confirm`). No usable provider or budget spent, and no fast-path answer → 503."""
    user = await run_in_threadpool(_asker, request)
    try:
        reply = await chat.answer(body.message, body.conversation_id, user)
    except chat.ChatInputError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    except chat.ChatUnavailable as exc:
        raise HTTPException(503, detail=exc.detail) from None
    if reply.get("confirm"):
        proposal = reply["confirm"]
        reply["action_route"] = f"/api/v1/tws/jobs/{proposal['job_id']}/action"
        reply["answer"] += wording(reply.get("language", "en")).t(
            "\n\nThis route never acts: a signed-in operator confirms it in the console or sends `POST {route}` with "
            "`{body}`.", route=reply["action_route"], body=f'{{"action": "{proposal["action"]}"}}')
    return reply


@router.post("/feedback")
def feedback(body: FeedbackRequest) -> dict[str, Any]:
    """Thumbs up (+1) or down (-1) on one answer of a conversation."""
    if body.value not in (1, -1):
        raise HTTPException(422, detail="value: +1 or -1")
    if not turns.valid_conversation_id(body.conversation_id):
        raise HTTPException(422, detail="conversation_id: 1-64 letters, digits, '-' or '_'")
    if not turns.set_feedback(body.turn_id, body.value, body.conversation_id):
        raise HTTPException(404, detail="This conversation has no such answer.")
    return {"success": True, "turn_id": body.turn_id, "feedback": body.value}


@router.get("/history")
def history(conversation_id: str, limit: int = 100) -> dict[str, Any]:
    """The conversation's turns, oldest first."""
    if not turns.valid_conversation_id(conversation_id):
        raise HTTPException(422, detail="conversation_id: 1-64 letters, digits, '-' or '_'")
    if not 1 <= limit <= turns.HISTORY_LIMIT:
        raise HTTPException(422, detail=f"limit: 1 to {turns.HISTORY_LIMIT}")
    return {"conversation_id": conversation_id, "turns": turns.history(conversation_id, limit)}
