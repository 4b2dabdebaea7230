"""One notifier interface for alerts (budget alerts now; Teams plugs in later)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger("resync.notify")


@dataclass(frozen=True)
class Alert:
    kind: str  # e.g. "llm.budget"
    title: str
    text: str
    severity: str = "warning"  # info | warning | critical
    facts: dict[str, str] = field(default_factory=dict)


class Notifier(Protocol):
    def send(self, alert: Alert) -> None: ...


class LogNotifier:
    """Always present: every alert goes to the log."""

    def send(self, alert: Alert) -> None:
        logger.warning("%s: %s — %s %s", alert.kind, alert.title, alert.text, alert.facts)


_notifiers: list[Notifier] = [LogNotifier()]


def register(notifier: Notifier) -> None:
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
