"""The learning figures of the metrics page and `GET /api/v1/metrics/summary` (key `learning`), per day and over
the window: votes (thumbs up / down on answers asked that day), corrections written, entries approved, answers
given from approved knowledge, and their share of all answers. Aggregated in SQL (SQLite and PostgreSQL), the same
days as `reports.metrics`. No text, no names: counts only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select

from resync_app.assistant.learned_models import APPROVED, LearnedAnswer
from resync_app.assistant.models import ChatTurn

C, A = ChatTurn.__table__, LearnedAnswer.__table__


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(conn, days: list[str], bounds: list[datetime], day_of, in_window) -> dict[str, Any]:
    """`{per_day:[{day, votes, votes_up, votes_down, corrections, approvals, answers, from_approved,
    from_approved_share}], totals:{…}}`; `day_of(column)` and `in_window(column)` are `reports.metrics`'s."""
    turns = select(day_of(C.c.created_at).label("day"), C.c.feedback, C.c.learned_id) \
        .where(in_window(C.c.created_at)).subquery()
    chat = {r[0]: [int(v) for v in r[1:]] for r in conn.execute(select(
        turns.c.day, func.count(), _count_if(turns.c.feedback > 0), _count_if(turns.c.feedback < 0),
        _count_if(turns.c.learned_id.is_not(None))).group_by(turns.c.day))}
    written = select(day_of(A.c.created_at).label("day")).where(in_window(A.c.created_at),
                                                                A.c.correction.is_not(None)).subquery()
    corrections = {r[0]: int(r[1]) for r in conn.execute(select(written.c.day, func.count())
                                                           .group_by(written.c.day))}
    reviewed = select(day_of(A.c.reviewed_at).label("day")).where(in_window(A.c.reviewed_at),
                                                                  A.c.status == APPROVED).subquery()
    approvals = {r[0]: int(r[1]) for r in conn.execute(select(reviewed.c.day, func.count())
                                                         .group_by(reviewed.c.day))}
    per_day, sums = [], [0, 0, 0, 0, 0, 0]
    for day in days:
        answers, up, down, learned = chat.get(day, [0, 0, 0, 0])
        row = [answers, up, down, learned, corrections.get(day, 0), approvals.get(day, 0)]
        sums = [a + b for a, b in zip(sums, row)]
        per_day.append(_figures(*row, day=day))
    return {"per_day": per_day, "totals": _figures(*sums)}


def _figures(answers: int, up: int, down: int, learned: int, corrections: int, approvals: int,
             **extra) -> dict[str, Any]:
    return {**extra, "votes": up + down, "votes_up": up, "votes_down": down, "corrections": corrections,
            "approvals": approvals, "answers": answers, "from_approved": learned,
            "from_approved_share": _ratio(learned, answers)}
