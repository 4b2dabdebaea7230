"""Tables of the shared budget (without Redis): holds of calls in flight or settled but not yet in the rollups,
and the lock row that serialises admissions across workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class BudgetHold(SQLModel, table=True):
    """One paid call's claim on the budget: its estimate while in flight, its cost once settled (until flushed).
    Holds expire, so a worker that dies does not keep its reservations."""

    __tablename__ = "llm_budget_holds"

    request_id: str = Field(primary_key=True, max_length=64)
    day_key: str = Field(max_length=10, index=True)
    month_key: str = Field(max_length=7, index=True)
    amount: float = Field(default=0.0)
    state: str = Field(default="reserved", max_length=16)  # reserved | settled
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class BudgetLock(SQLModel, table=True):
    """A row every admission updates first: a row lock on PostgreSQL, the write lock on SQLite."""

    __tablename__ = "llm_budget_lock"

    name: str = Field(primary_key=True, max_length=32)
    admissions: int = Field(default=0)
