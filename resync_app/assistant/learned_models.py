"""Learning from operators (`learned_answers`): one row per rated chat answer that may become knowledge.

A row is made when an operator votes on an answer while `enable_conversation_learning` is on (a 👎, with or without
"what should the answer have been?", or a 👍 on an answer the model gave). An admin reviews it on /admin/learning:
approve (with the text edited, default the correction) or reject. Only `approved` rows answer questions
(`learned_search`). The question and answer are copies, so the entry outlives the chat turn it came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)


class LearnedAnswer(SQLModel, table=True):
    """An operator's vote (and correction) on one answer, and the admin's decision."""

    __tablename__ = "learned_answers"

    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(index=True, unique=True)  # chat_turns.id (no foreign key: turns may be purged)
    conversation_id: str = Field(max_length=64)
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))  # what the assistant said
    answered_from: int | None = Field(default=None)  # the approved entry that gave that answer, if one did
    vote: int = Field(default=-1)  # +1 / -1
    correction: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    approved_answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default=PENDING, max_length=16, index=True)
    created_by: str | None = Field(default=None, max_length=150)  # None: not signed in
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    reviewed_by: str | None = Field(default=None, max_length=150)
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
