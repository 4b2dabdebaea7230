"""The incidents table: events of one instance that share a cause within the incident window (`tws/incidents.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime


class TwsIncident(SQLModel, table=True):
    """One incident. `open_cause` is "<kind>:<name>" while the incident takes new events and NULL once closed: its
    unique constraint makes "the open incident of this cause" one row whatever the number of writers. Ids are never
    reused (AUTOINCREMENT on SQLite): a Teams card of an incident is keyed by its id."""

    __tablename__ = "tws_incidents"
    __table_args__ = (UniqueConstraint("instance", "open_cause", name="uq_tws_incidents_open"),
                      Index("ix_tws_incidents_instance_last", "instance", "last_at"),
                      {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    instance: str = Field(max_length=64)
    cause_kind: str = Field(max_length=16)  # workstation | job_stream | instance
    cause_name: str = Field(default="", max_length=200)
    open_cause: str | None = Field(default=None, max_length=240)
    first_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    events: int = Field(default=0)
    counts_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # {event type: n}
    severity: str = Field(default="info", max_length=10)
    title: str = Field(default="", max_length=300)
    window_s: int = Field(default=0)
    # Teams: cards planned (rows queued), cards rendered (their event lists fixed), when the last one was due
    card_seq: int = Field(default=0)
    cards_rendered: int = Field(default=0)
    card_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
