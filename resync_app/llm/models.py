"""Tables of the LLM gateway: provider settings, the call ledger, daily rollups, prices and budget alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class ProviderSettings(SQLModel, table=True):
    """Admin-set values of one provider (absent row/columns = environment and built-in defaults)."""

    __tablename__ = "llm_providers"

    id: str = Field(primary_key=True, max_length=32)
    enabled: bool | None = Field(default=None)
    api_key_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    api_base: str | None = Field(default=None, max_length=2048)
    models_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: str = Field(default="", max_length=150)
    last_success_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str | None = Field(default=None, max_length=500)


class LedgerEntry(SQLModel, table=True):
    """One LLM call attempt as LiteLLM reported it (the ledger)."""

    __tablename__ = "llm_calls"
    __table_args__ = (Index("ix_llm_calls_day_model", "day", "model"),)

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    day: str = Field(max_length=10)  # calendar day in RESYNC_TIMEZONE
    request_id: str = Field(default="", max_length=64, index=True)
    model: str = Field(max_length=200)
    provider: str = Field(max_length=32)
    deployment: str = Field(default="", max_length=300)
    prompt_tokens: int = Field(default=0)
    completion_tokens: int = Field(default=0)
    cost_usd: float | None = Field(default=None)
    unpriced: bool = Field(default=False, index=True)
    latency_ms: float = Field(default=0.0)
    outcome: str = Field(max_length=16)  # success | error
    error_class: str = Field(default="", max_length=100)
    purpose: str = Field(default="chat", max_length=32)
    cache_hit: bool = Field(default=False)
    route_reason: str = Field(default="", max_length=32)


class UsageDaily(SQLModel, table=True):
    """Rollup of the ledger per day × model × provider × route reason, kept current as rows arrive."""

    __tablename__ = "llm_usage_daily"

    day: str = Field(primary_key=True, max_length=10)
    model: str = Field(primary_key=True, max_length=200)
    provider: str = Field(primary_key=True, max_length=32)
    route_reason: str = Field(primary_key=True, max_length=32)
    requests: int = Field(default=0)
    errors: int = Field(default=0)
    cache_hits: int = Field(default=0)
    prompt_tokens: int = Field(default=0)
    completion_tokens: int = Field(default=0)
    cost_usd: float = Field(default=0.0)
    unpriced_requests: int = Field(default=0)
    latency_ms_sum: float = Field(default=0.0)


class LatencyDaily(SQLModel, table=True):
    """Latency histogram per day × model (bucket i counts calls in [BOUNDS[i-1], BOUNDS[i]) ms)."""

    __tablename__ = "llm_latency_daily"

    day: str = Field(primary_key=True, max_length=10)
    model: str = Field(primary_key=True, max_length=200)
    bucket: int = Field(primary_key=True)
    count: int = Field(default=0)


class ModelPrice(SQLModel, table=True):
    """An admin-set price for a model LiteLLM's map lacks (or one to override)."""

    __tablename__ = "llm_model_prices"

    model: str = Field(primary_key=True, max_length=200)
    input_cost_per_1k: float
    output_cost_per_1k: float
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: str = Field(default="", max_length=150)


class BudgetAlert(SQLModel, table=True):
    """A budget threshold crossed in one period (stored once per period and threshold)."""

    __tablename__ = "llm_budget_alerts"
    __table_args__ = (UniqueConstraint("period", "period_key", "threshold", name="uq_budget_alert_once"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    period: str = Field(max_length=16)       # daily | monthly
    period_key: str = Field(max_length=10)   # 2026-11-26 | 2026-11
    threshold: float
    spent_usd: float
    limit_usd: float
    message: str = Field(default="", max_length=500)
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    acknowledged_by: str | None = Field(default=None, max_length=150)
