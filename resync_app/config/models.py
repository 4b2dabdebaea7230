"""Tables of the configuration store: versions, the values each version set, and the per-field audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


class ConfigVersion(SQLModel, table=True):
    """One accepted change set; `id` is the version number (1, 2, …; 0 means the catalogue defaults)."""

    __tablename__ = "config_versions"

    id: int = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=150)
    restored_from: int | None = Field(default=None)


class ConfigValue(SQLModel, table=True):
    """A field's value as set by one version (only the fields that version changed)."""

    __tablename__ = "config_values"

    version_id: int = Field(foreign_key="config_versions.id", primary_key=True)
    field: str = Field(max_length=64, primary_key=True, index=True)
    value_json: str = Field(sa_column=Column(Text, nullable=False))


class ConfigAudit(SQLModel, table=True):
    """One field change: who, when, old → new, and the version it made."""

    __tablename__ = "config_audit"

    id: int | None = Field(default=None, primary_key=True)
    timestamp: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=150)
    field: str = Field(max_length=64, index=True)
    old_value: str = Field(sa_column=Column(Text, nullable=False))
    new_value: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(index=True)
