"""Tables of the Teams integration: its settings (one row) and the delivery outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class TeamsSettings(SQLModel, table=True):
    """The Teams configuration (a single row, id 1; absent = the defaults). The webhook URL is encrypted."""

    __tablename__ = "teams_settings"

    id: int = Field(default=1, primary_key=True)
    enabled: bool = Field(default=False)
    webhook_url_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    channel_name: str = Field(default="", max_length=100)
    bot_name: str = Field(default="Resync", max_length=100)
    avatar_url: str = Field(default="", max_length=2048)
    enable_conversation_learning: bool = Field(default=False)
    enable_job_notifications: bool = Field(default=True)
    monitored_tws_instances_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    job_status_filters_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    notification_types_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    teams_incident_window_seconds: int = Field(default=120)  # 0 = no incidents: one card per event
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_by: str = Field(default="", max_length=150)


class TeamsDelivery(SQLModel, table=True):
    """One card to post (the outbox): unique per source, so a source event or alert becomes one card at most.

    status: pending (due at `next_attempt_at`) → sending (claimed by one dispatcher) → posting (its post started)
    → sent | failed | skipped | pending (a retry); posting → unconfirmed (its dispatcher died while posting: not
    posted again, reported); pending → expired (held while Teams was off for longer than `outbox.HOLD_WHILE_OFF`:
    never sent, counted).
    An incident's card (`kind` incident) is queued with an empty `card_json`: it is rendered when first claimed.
    """

    __tablename__ = "teams_outbox"
    __table_args__ = (Index("ix_teams_outbox_due", "status", "next_attempt_at"),
                      UniqueConstraint("source_key", name="uq_teams_outbox_source"))

    id: int | None = Field(default=None, primary_key=True)
    # "tws:<event dedupe key>", "incident:<incident id>:<card number>", "alert:<dedupe key>", "test:<uuid>"
    source_key: str = Field(max_length=300)
    kind: str = Field(max_length=16)  # tws_event | incident | alert | test
    event_type: str = Field(default="", max_length=64)
    severity: str = Field(default="info", max_length=16)
    instance: str = Field(default="", max_length=100)
    title: str = Field(default="", max_length=300)
    card_json: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str = Field(default="", max_length=64)
    status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
