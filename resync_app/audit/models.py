"""The general audit log table: who did what, to what, from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One audited event: sign-ins, failures, lockouts, logouts and every admin change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_timestamp", "action", "timestamp"),)  # the shift report (0012)

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=150, index=True)
    action: str = Field(max_length=64, index=True)
    target: str = Field(default="", max_length=255)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    client: str = Field(default="", max_length=64)
