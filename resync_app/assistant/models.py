"""The chat's stored turns: one row per question and its answer (read by the metrics page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class ChatTurn(SQLModel, table=True):
    """One question asked in a conversation and how it was answered."""

    __tablename__ = "chat_turns"
    __table_args__ = (Index("ix_chat_turns_client_key_id", "client_key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    fast_path: bool = Field(default=False)
    model: str | None = Field(default=None, max_length=200)
    route_reason: str | None = Field(default=None, max_length=32)
    tokens: int = Field(default=0)
    cost_usd: float = Field(default=0.0)
    outcome: str = Field(default="ok", max_length=16)  # ok | error | stopped | refused
    feedback: int | None = Field(default=None)  # +1 / -1
    username: str | None = Field(default=None, max_length=150)
    learned_id: int | None = Field(default=None)  # answered from this approved entry (learned_answers.id)
    client_key: str | None = Field(default=None, max_length=200)  # "user:NAME" or "ip:ADDRESS" (turn_retention)
    answered_from: str | None = Field(default=None, max_length=16)  # plan | knowledge | learned | model
    language: str | None = Field(default=None, max_length=8)  # of the question, so of the answer: en | pt-BR
