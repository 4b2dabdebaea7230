"""`POST /api/v1/chat` (CONTRACT §9): the TWS assistant, whole answers, for scripts and tests — the same service
the page streams (`assistant.chat`). No sign-in needed (operator reads; RESYNC_OPERATOR_LOGIN=required closes it
to anonymous clients); rate-limited as a public operator route
(`web/routes.py`). It never performs an action: an action request from a signed-in user (Bearer, Basic, session)
answers with the proposal and the action route; from anyone else, with a sentence saying to sign in.
`POST /api/v1/chat/feedback` (CONTRACT §14) is the same service as the page's thumbs (`assistant.learned`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, StrictInt
from starlette.concurrency import run_in_threadpool

from resync_app.api.deps import client_address, operator_read, signed_in_user
from resync_app.assistant import chat, learned, turns
from resync_app.assistant.lang import wording

router = APIRouter(prefix="/api/v1/chat", tags=["Chat (operators)"], dependencies=[Depends(operator_read)])


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=chat.MAX_MESSAGE_CHARS)
    conversation_id: str | None = Field(default=None, max_length=64)


class FeedbackRequest(BaseModel):
    """CONTRACT §14: `{conversation_id, turn_id, vote, correction?}` (`value` is the older name of `vote`)."""

    turn_id: int
    conversation_id: str = Field(min_length=1, max_length=64)
    vote: StrictInt | None = Field(default=None, description="1 (helpful) or -1 (not helpful)")
    value: StrictInt | None = Field(default=None, description="the same as `vote` (older name)")
    correction: str | None = Field(default=None, max_length=learned.MAX_CORRECTION,
                                   description="with a -1: what the answer should have been (kept only when "
                                               "enable_conversation_learning is on)")


def _asker(request: Request) -> str | None:
    """The signed-in user, if any (recorded with the turn; only a signed-in user gets an action proposal)."""
    principal = signed_in_user(request)
    return principal.username if principal is not None else None


@router.post("")
async def ask(body: ChatRequest, request: Request) -> dict[str, Any]:
    """`{conversation_id, answer, fast_path, model, route_reason, tokens, cost_usd, tool_calls}` (+ `turn_id`,
    `footer`, `outcome`, `confirm`). No usable provider or budget spent, and no fast-path answer → 503."""
    user = await run_in_threadpool(_asker, request)
    try:
        reply = await chat.answer(body.message, body.conversation_id, user, client=client_address(request))
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
def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
    """A vote on one answer of a conversation, and with a 👎 optionally what the answer should have been
    (CONTRACT §14). The vote is always kept; the correction only when `enable_conversation_learning` is on
    (`correction_kept`). Bad input → 422 and nothing is stored; an unknown answer → 404."""
    vote = body.vote if body.vote is not None else body.value
    if body.vote is not None and body.value is not None and body.vote != body.value:
        raise HTTPException(422, detail="vote: send `vote` (or the older `value`), not two different values")
    try:
        return learned.record_feedback(body.turn_id, vote, body.conversation_id, body.correction, _asker(request))
    except learned.LearningError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None


@router.get("/history")
def history(conversation_id: str, limit: int = 100) -> dict[str, Any]:
    """The conversation's turns, oldest first."""
    if not turns.valid_conversation_id(conversation_id):
        raise HTTPException(422, detail="conversation_id: 1-64 letters, digits, '-' or '_'")
    if not 1 <= limit <= turns.HISTORY_LIMIT:
        raise HTTPException(422, detail=f"limit: 1 to {turns.HISTORY_LIMIT}")
    return {"conversation_id": conversation_id, "turns": turns.history(conversation_id, limit)}
