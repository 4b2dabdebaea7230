"""One notifier interface for alerts and TWS events.

- `notify(Alert)`: one-off alerts (LLM budget alerts today); every registered notifier gets each alert.
- `write_tws_events(conn, [TwsEventNotice])`: inside the transaction that stores a poll's new events, every
  registered event *writer* records what it needs with that connection (Teams queues its cards: a transactional
  outbox). A writer's error rolls the poll back (the next poll finds the same changes again): nothing is lost
  between the events' commit and the queueing, because there is only one commit.
- `emit_tws_events([TwsEventNotice])`: after that commit, the same events go to every registered event sink
  (each exactly once, by the elected poller only): live pages, waking the Teams dispatcher. Sink errors are logged.
Teams plugs into all three. Sinks, writers and notifiers must not block: they queue and return (delivery happens
elsewhere, with retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

logger = logging.getLogger("resync.notify")

# The vocabulary of TWS event types (the poller emits these; Teams' `notification_types` filters on them).
TWS_EVENT_TYPES = (
    "job_started", "job_completed", "job_abended", "job_stuck", "job_late",
    "workstation_linked", "workstation_unlinked", "workstation_offline",
    "instance_degraded", "instance_critical", "instance_recovered", "instance_unreachable",
    "failure_rate_high", "deadline_at_risk",
)
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class Alert:
    kind: str  # e.g. "llm.budget"
    title: str
    text: str
    severity: str = "warning"  # info | warning | critical
    facts: dict[str, str] = field(default_factory=dict)
    dedupe_key: str = ""  # stable id of what is alerted (e.g. "llm.budget:daily:2026-12-01:0.8"); "" = none


@dataclass(frozen=True)
class TwsEventNotice:
    """A TWS event as stored by the poller (`id` is its row id in the events table)."""

    id: int
    at: datetime  # timezone-aware
    instance: str
    type: str  # one of TWS_EVENT_TYPES
    severity: str  # one of SEVERITIES
    message: str
    job: str | None = None
    job_id: str | None = None
    job_stream: str | None = None
    workstation: str | None = None
    status: str | None = None  # HWA status of the job when the event was seen (SUCC, ABEND, EXEC, …)
    return_code: int | None = None
    dedupe_key: str = ""  # its stored key (unique for ever: namespaced by the instance's incarnation)
    incident_id: int | None = None  # the incident it joined (`tws/incidents.py`), if any


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


class LogNotifier:
    """Always present: every alert goes to the log."""

    def send(self, alert: Alert) -> None:
        logger.warning("%s: %s — %s %s", alert.kind, alert.title, alert.text, alert.facts)


_notifiers: list[Notifier] = [LogNotifier()]
_event_sinks: list[Callable[[list[TwsEventNotice]], None]] = []
_event_writers: list[Callable[[Any, list[TwsEventNotice]], None]] = []


def register(notifier: Notifier) -> None:
    if notifier not in _notifiers:
        _notifiers.append(notifier)


def unregister(notifier: Notifier) -> None:
    if notifier in _notifiers:
        _notifiers.remove(notifier)


def notify(alert: Alert) -> None:
    """Hand an alert to every registered notifier; one failing notifier does not stop the others."""
    for notifier in list(_notifiers):
        try:
            notifier.send(alert)
        except Exception:
            logger.exception("notifier %s failed", type(notifier).__name__)


def register_event_sink(sink: Callable[[list[TwsEventNotice]], None]) -> None:
    if sink not in _event_sinks:
        _event_sinks.append(sink)


def unregister_event_sink(sink: Callable[[list[TwsEventNotice]], None]) -> None:
    if sink in _event_sinks:
        _event_sinks.remove(sink)


def emit_tws_events(events: list[TwsEventNotice]) -> None:
    """Hand newly stored TWS events to every sink (called once per event, by the elected poller)."""
    if not events:
        return
    for sink in list(_event_sinks):
        try:
            sink(events)
        except Exception:
            logger.exception("TWS event sink %s failed", getattr(sink, "__qualname__", sink))


def register_event_writer(writer: Callable[[Any, list[TwsEventNotice]], None]) -> None:
    if writer not in _event_writers:
        _event_writers.append(writer)


def unregister_event_writer(writer: Callable[[Any, list[TwsEventNotice]], None]) -> None:
    if writer in _event_writers:
        _event_writers.remove(writer)


def write_tws_events(conn: Any, events: list[TwsEventNotice]) -> None:
    """Inside the poll's transaction (`conn`): let every writer record what it needs. Errors propagate (the caller's
    transaction rolls back with them)."""
    if not events:
        return
    for writer in list(_event_writers):
        writer(conn, events)
