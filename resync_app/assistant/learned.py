"""Learning from operators: votes and corrections on chat answers, and the admin's review (CONTRACT §14).

One service for both front doors: `POST /api/v1/chat/feedback` and the chat page's thumbs call `record_feedback`;
`/api/v1/admin/learning` and /admin/learning call `list_entries`, `approve`, `reject`, `delete`.

- **Votes are always kept** (on the chat turn: `chat_turns.feedback`, what the metrics count). A second vote
  replaces the first.
- **Corrections are kept only when `enable_conversation_learning` is on** (Teams configuration). Then a vote also
  puts the answer in the review queue (`learned_answers`, status `pending`): every 👎 (with its correction, if
  one was written) and every 👍 on an answer the model gave (approving it answers that question at $0 next time).
  A 👍 on an answer given without a model is already free: nothing to learn. While an entry is pending it follows
  the latest vote on its answer; once reviewed it keeps the admin's decision.
- **Review**: approve with a text (default: the text approved before, else the correction, else for a 👍 the
  answer itself) or reject; an approved entry
  can be edited (approved again with another text) or rejected, a rejected one approved. Every decision and every
  delete is audited (`learning.approve`, `learning.reject`, `learning.delete`) and published on the feed topic
  `learning`. The approved text answers the same question and its close paraphrases (`learned_search`), read
  from the database on every question, so a decision applies at once on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from resync_app.assistant import turns
from resync_app.assistant.learned_models import APPROVED, PENDING, REJECTED, STATUSES, LearnedAnswer
from resync_app.assistant.models import ChatTurn
from resync_app.audit.service import record as audit
from resync_app.db import serialize, session_scope, utcnow
from resync_app.events import feed

TOPIC = "learning"
MAX_CORRECTION = 2000
MAX_APPROVED = 4000
MAX_LIMIT = 200


class LearningError(ValueError):
    """A request the learning service refuses; `status` is its HTTP answer (422 bad input, 404 unknown)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Reviewer:
    """The admin who decides, and from where (for the audit log)."""

    name: str
    client: str = ""


def learning_enabled() -> bool:
    """`enable_conversation_learning` of the Teams configuration, read from the database (every worker agrees)."""
    from resync_app.teams import config as teams_config

    return teams_config.load().enable_conversation_learning


# ---- collecting ------------------------------------------------------------------------------------------------

def check_feedback(turn_id: Any, vote: Any, conversation_id: Any, correction: Any = None) -> tuple[int, int, str,
                                                                                                  str | None]:
    """(turn id, vote, conversation id, correction or None) cleaned; LearningError (422) with what is wrong."""
    if isinstance(turn_id, bool) or not isinstance(turn_id, int) or turn_id < 1:
        raise LearningError("turn_id: the id of an answer (a positive whole number)")
    if isinstance(vote, bool) or vote not in (1, -1):
        raise LearningError("vote: 1 (helpful) or -1 (not helpful)")
    if not turns.valid_conversation_id(conversation_id):
        raise LearningError("conversation_id: 1-64 letters, digits, '-' or '_'")
    if correction is not None:
        if not isinstance(correction, str):
            raise LearningError("correction: text")
        if len(correction) > MAX_CORRECTION:
            raise LearningError(f"correction: at most {MAX_CORRECTION} characters")
        if "\x00" in correction:
            raise LearningError("correction: may not contain NUL characters")
        correction = correction.strip() or None
        if correction is not None and vote != -1:
            raise LearningError("correction: goes with a 👎 (vote -1), saying what the answer should have been")
    return turn_id, vote, conversation_id, correction


def record_feedback(turn_id: Any, vote: Any, conversation_id: Any, correction: Any = None,
                    user: str | None = None) -> dict[str, Any]:
    """Keep a vote (and, with learning on, the answer in the review queue with its correction). Returns
    `{success, turn_id, feedback, vote, learning, correction_kept, entry_id}`; LearningError 422 for bad input
    (nothing stored), 404 when the conversation has no such answer."""
    turn_id, vote, conversation_id, correction = check_feedback(turn_id, vote, conversation_id, correction)
    learning = learning_enabled()
    entry_id: int | None = None
    with session_scope() as db:
        serialize(db, f"resync:learning:turn:{turn_id}")
        turn = db.get(ChatTurn, turn_id)
        if turn is None or turn.conversation_id != conversation_id:
            raise LearningError("This conversation has no such answer.", 404)
        turn.feedback = vote
        db.add(turn)
        if learning:
            entry_id = _queue(db, turn, vote, correction, user)
    if entry_id is not None:
        feed.publish(TOPIC, {"entry": entry_id})
    return {"success": True, "turn_id": turn_id, "feedback": vote, "vote": vote, "learning": learning,
            "correction_kept": bool(learning and correction and entry_id), "entry_id": entry_id}


def _queue(db, turn: ChatTurn, vote: int, correction: str | None, user: str | None) -> int | None:
    """Create or update the turn's review entry (see the module docstring); its id, or None."""
    entry = db.execute(select(LearnedAnswer).where(LearnedAnswer.turn_id == turn.id)).scalar_one_or_none()
    if entry is not None and entry.conversation_id != turn.conversation_id:
        db.delete(entry)  # left from a purged turn whose id was reused: it is not this answer's
        db.flush()
        entry = None
    if entry is None:
        if vote == 1 and turn.fast_path:
            return None  # a 👍 on a free answer: nothing to learn
        entry = LearnedAnswer(turn_id=turn.id, conversation_id=turn.conversation_id, question=turn.question,
                              answer=turn.answer, answered_from=turn.learned_id, vote=vote, correction=correction,
                              created_by=user)
    elif entry.status == PENDING:
        entry.vote = vote
        entry.correction = correction if correction is not None else (entry.correction if vote == -1 else None)
        entry.created_by = user or entry.created_by
        entry.updated_at = utcnow()
    else:
        return entry.id  # reviewed: the admin's decision stands
    db.add(entry)
    db.flush()
    return int(entry.id)


# ---- reviewing -------------------------------------------------------------------------------------------------

def _check_status(status: Any) -> str | None:
    if status in (None, ""):
        return None
    if status not in STATUSES:
        raise LearningError(f"status: one of {', '.join(STATUSES)}")
    return status


def _uses(db, ids: list[int]) -> dict[int, int]:
    """How many chat answers each entry gave (counted from the stored turns)."""
    if not ids:
        return {}
    rows = db.execute(select(ChatTurn.learned_id, func.count()).where(ChatTurn.learned_id.in_(ids))
                      .group_by(ChatTurn.learned_id))
    return {int(i): int(n) for i, n in rows}


def entry_dict(entry: LearnedAnswer, uses: int = 0) -> dict[str, Any]:
    """The REST and page shape of an entry (CONTRACT §14 keys first)."""
    from resync_app.assistant.learned_search import answers_from_plan

    return {"id": entry.id, "turn_id": entry.turn_id, "question": entry.question, "answer": entry.answer,
            "vote": entry.vote, "correction": entry.correction, "by": entry.created_by,
            "at": entry.created_at.isoformat(), "status": entry.status,
            "approved_answer": entry.approved_answer, "reviewed_by": entry.reviewed_by,
            "reviewed_at": entry.reviewed_at.isoformat() if entry.reviewed_at else None,
            "conversation_id": entry.conversation_id, "answered_from": entry.answered_from, "uses": uses,
            "live_question": answers_from_plan(entry.question)}


def list_entries(status: Any = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """`{count, results}` newest first (one status, or all); LearningError for a bad status."""
    status = _check_status(status)
    limit, offset = max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))
    where = [LearnedAnswer.status == status] if status else []
    with session_scope() as db:
        count = db.execute(select(func.count()).select_from(LearnedAnswer).where(*where)).scalar_one()
        rows = db.execute(select(LearnedAnswer).where(*where).order_by(LearnedAnswer.id.desc())
                          .limit(limit).offset(offset)).scalars().all()
        uses = _uses(db, [r.id for r in rows])
        return {"count": int(count), "results": [entry_dict(r, uses.get(r.id, 0)) for r in rows]}


def counts() -> dict[str, int]:
    """Entries per status."""
    with session_scope() as db:
        found = dict(db.execute(select(LearnedAnswer.status, func.count()).group_by(LearnedAnswer.status)).all())
    return {s: int(found.get(s, 0)) for s in STATUSES}


def get_entry(entry_id: int) -> dict[str, Any]:
    with session_scope() as db:
        entry = _load(db, entry_id)
        return entry_dict(entry, _uses(db, [entry.id]).get(entry.id, 0))


def _load(db, entry_id: Any) -> LearnedAnswer:
    entry = db.get(LearnedAnswer, entry_id) if isinstance(entry_id, int) and not isinstance(entry_id, bool) else None
    if entry is None:
        raise LearningError(f"No learning entry #{entry_id}.", 404)
    return entry


def check_answer(text: Any) -> str:
    """An approved text cleaned; LearningError (422) when it is empty, too long or not text."""
    if not isinstance(text, str) or not text.strip():
        raise LearningError("answer: write the approved answer")
    if len(text) > MAX_APPROVED:
        raise LearningError(f"answer: at most {MAX_APPROVED} characters")
    if "\x00" in text:
        raise LearningError("answer: may not contain NUL characters")
    return text.strip()


def _excerpt(text: str | None, size: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size - 1] + "…"


def _decide(entry_id: Any, status: str, reviewer: Reviewer, text: Any = None) -> dict[str, Any]:
    with session_scope() as db:
        serialize(db, f"resync:learning:entry:{entry_id}")
        entry = _load(db, entry_id)
        before, old_text = entry.status, entry.approved_answer
        if status == APPROVED:
            default = entry.approved_answer or entry.correction or (entry.answer if entry.vote == 1 else None)
            if text is None and default is None:
                raise LearningError("answer: this entry has no correction: write the approved answer")
            entry.approved_answer = check_answer(default if text is None else text)
        if before == status and entry.approved_answer == old_text:
            return entry_dict(entry, _uses(db, [entry.id]).get(entry.id, 0))  # no change: not audited
        entry.status, entry.reviewed_by, entry.reviewed_at = status, reviewer.name, utcnow()
        entry.updated_at = entry.reviewed_at
        db.add(entry)
        audit(reviewer.name, f"learning.{'approve' if status == APPROVED else 'reject'}", f"learning/{entry.id}", {
            "question": _excerpt(entry.question), "from": before, "to": status,
            "text_changed": entry.approved_answer != old_text if status == APPROVED else False,
            "answer_chars": len(entry.approved_answer or "") if status == APPROVED else None},
            client=reviewer.client, session=db)
        result = entry_dict(entry, _uses(db, [entry.id]).get(entry.id, 0))
    feed.publish(TOPIC, {"entry": result["id"], "status": status})
    return result


def approve(entry_id: Any, reviewer: Reviewer, answer: Any = None) -> dict[str, Any]:
    """Approve an entry with `answer` (default: the correction; for a 👍, the answer given). Audited."""
    return _decide(entry_id, APPROVED, reviewer, answer)


def reject(entry_id: Any, reviewer: Reviewer) -> dict[str, Any]:
    """Reject an entry: it answers nothing from now on (on every worker). Audited."""
    return _decide(entry_id, REJECTED, reviewer)


def delete(entry_id: Any, reviewer: Reviewer) -> dict[str, Any]:
    """Remove an entry for good (it stops answering at once). Audited."""
    with session_scope() as db:
        entry = _load(db, entry_id)
        audit(reviewer.name, "learning.delete", f"learning/{entry.id}", {
            "question": _excerpt(entry.question), "status": entry.status}, client=reviewer.client, session=db)
        db.delete(entry)
    feed.publish(TOPIC, {"entry": entry_id, "deleted": True})
    return {"success": True, "id": entry_id}
