"""Review of what operators taught the assistant (CONTRACT §14), admin only: the same service as /admin/learning
(`assistant.learned`). Every decision is audited; an approved answer is knowledge at once on every worker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from resync_app.api.deps import client_address, require_admin
from resync_app.assistant import learned
from resync_app.auth.sessions import Principal

router = APIRouter(prefix="/api/v1/admin/learning", tags=["Learning from operators (admin)"])


def _reviewer(request: Request, admin: Principal) -> learned.Reviewer:
    return learned.Reviewer(admin.username, client_address(request))


def _refused(exc: learned.LearningError) -> HTTPException:
    return HTTPException(exc.status, detail=str(exc) if exc.status == 404 else f"Nothing was changed: {exc}")


@router.get("")
def list_entries(status: str | None = Query(None, description="pending, approved or rejected (default: all)"),
                 limit: int = Query(50, ge=1, le=learned.MAX_LIMIT), offset: int = Query(0, ge=0),
                 _: Principal = Depends(require_admin)) -> dict[str, Any]:
    """`{count, results:[{id, turn_id, question, answer, vote, correction, by, at, status, …}]}`, newest first;
    `counts` per status. A status other than the three → 422."""
    try:
        return {**learned.list_entries(status, limit, offset), "counts": learned.counts()}
    except learned.LearningError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None


@router.get("/{entry_id}")
def get_entry(entry_id: int, _: Principal = Depends(require_admin)) -> dict[str, Any]:
    try:
        return learned.get_entry(entry_id)
    except learned.LearningError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None


@router.post("/{entry_id}/approve")
async def approve(entry_id: int, request: Request, body: Any = Body(None),
                  admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """Body `{answer?}`: the approved text (default: the correction; for a 👍, the answer given). Unknown → 404;
    an empty, too long or missing text → 422, nothing changed."""
    if body is not None and not isinstance(body, dict):
        raise HTTPException(422, detail="Send a JSON object, e.g. {\"answer\": \"…\"}, or no body.")
    extra = set(body or {}) - {"answer"}
    if extra:
        raise HTTPException(422, detail=f"Unknown field(s): {', '.join(sorted(extra))}; only `answer`.")
    return await _decide(learned.approve, entry_id, request, admin, (body or {}).get("answer"))


@router.post("/{entry_id}/reject")
async def reject(entry_id: int, request: Request, admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """The entry answers nothing from now on. Unknown → 404."""
    return await _decide(learned.reject, entry_id, request, admin)


@router.delete("/{entry_id}")
async def delete(entry_id: int, request: Request, admin: Principal = Depends(require_admin)) -> dict[str, Any]:
    """Remove an entry for good (audited). Unknown → 404."""
    return await _decide(learned.delete, entry_id, request, admin)


async def _decide(action, entry_id: int, request: Request, admin: Principal, *args: Any) -> dict[str, Any]:
    try:
        return await run_in_threadpool(action, entry_id, _reviewer(request, admin), *args)
    except learned.LearningError as exc:
        raise _refused(exc) from None
