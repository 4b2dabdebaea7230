"""The health history: one row per component per check run, kept 24 hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class HealthCheckResult(SQLModel, table=True):
    """The outcome of one component's check in one run."""

    __tablename__ = "health_checks"
    __table_args__ = (Index("ix_health_checks_component_time", "component", "checked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    checked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    run_id: str = Field(max_length=32)
    trigger: str = Field(default="periodic", max_length=16)  # periodic | manual | api | deep
    worker: str = Field(default="", max_length=64)
    component: str = Field(max_length=32)
    ok: bool
    latency_ms: float | None = Field(default=None)
    detail: str = Field(default="", max_length=1000)
    data_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
