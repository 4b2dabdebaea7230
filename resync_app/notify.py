"""One notifier interface for alerts and TWS events.

- `notify(Alert)`: one-off alerts (LLM budget alerts today); every registered notifier gets each alert.
- `emit_tws_events([TwsEventNotice])`: the TWS poller hands over the events it has just stored (each exactly
  once, by the elected poller only); every registered event sink gets them. Teams plugs into both.
Sinks and notifiers must not block: they queue and return (delivery happens elsewhere, with retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

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


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


class LogNotifier:
    """Always present: every alert goes to the log."""

    def send(self, alert: Alert) -> None:
        logger.warning("%s: %s — %s %s", alert.kind, alert.title, alert.text, alert.facts)


_notifiers: list[Notifier] = [LogNotifier()]
_event_sinks: list[Callable[[list[TwsEventNotice]], None]] = []


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
