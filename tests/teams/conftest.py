"""Fixtures of the Teams tests: the real app (REST API, services started), a loopback Teams webhook, and helpers
to configure Teams through the API, hand events over the way the poller does (`notify.write_tws_events` in the
transaction that stores them, then `notify.emit_tws_events` after its commit) and run a dispatcher round with an
injected clock.

The worker's own dispatcher thread is replaced by one that does not run by itself (same code, `deliver_due` called
by the test), so every delivery happens when and at the time the test says.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.fakes.webhook_receiver import WebhookReceiver

TEAMS_URL = "/api/v1/admin/teams-config"
_ids = itertools.count(1000)


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


def make_event(event_id: int | None = None, type: str = "job_abended", severity: str = "critical",
               instance: str = "prod", job: str | None = "PAYROLL_DAILY", status: str | None = "ABEND",
               return_code: int | None = 12, **extra: Any):
    from resync_app.notify import TwsEventNotice

    event_id = next(_ids) if event_id is None else event_id
    defaults = {"job_id": "J-42", "job_stream": "PAYROLL", "workstation": "CPU_LNX1",
                "message": f"{job or 'event'}: {type.replace('_', ' ')}",
                "at": datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc), "dedupe_key": f"test/{instance}:{event_id}"}
    defaults.update(extra)
    return TwsEventNotice(id=event_id, type=type, severity=severity, instance=instance, job=job, status=status,
                          return_code=return_code, **defaults)


class TeamsHarness:
    """The app with Teams pointed at the loopback webhook, and the verbs the tests need."""

    def __init__(self, api, headers: dict[str, str], hook: WebhookReceiver) -> None:
        self.api, self.headers, self.hook = api, headers, hook

    def put(self, **body: Any):
        return self.api.put(TEAMS_URL, headers=self.headers, json=body)

    def configure(self, **body: Any) -> dict[str, Any]:
        answer = self.put(**body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def get(self) -> dict[str, Any]:
        answer = self.api.get(TEAMS_URL, headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def system(self, **fields: Any) -> None:
        answer = self.api.post("/api/v1/system-config/update", headers=self.headers, json={"updates": fields})
        assert answer.status_code == 200, answer.text

    def enable(self, **body: Any) -> dict[str, Any]:
        """Teams on, webhook at the receiver, TWS notifications on in System Configuration."""
        self.system(tws_teams_notifications_enabled=True)
        return self.configure(enabled=True, webhook_url=self.hook.url, **body)

    @staticmethod
    def emit(*events) -> None:
        """Hand `events` over as a poll does: written in a transaction (Teams queues there), announced after it."""
        from resync_app import notify
        from resync_app.db import get_engine

        with get_engine().begin() as conn:
            notify.write_tws_events(conn, list(events))
        notify.emit_tws_events(list(events))

    @staticmethod
    def deliver(now: datetime | None = None, dispatcher=None) -> list[dict[str, Any]]:
        from resync_app.teams.dispatcher import Dispatcher

        return (dispatcher or Dispatcher("test-dispatcher")).deliver_due(now)

    @staticmethod
    def rows() -> list[dict[str, Any]]:
        from sqlalchemy import select

        from resync_app.db import get_engine
        from resync_app.teams.models import TeamsDelivery

        table = TeamsDelivery.__table__
        with get_engine().connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


@pytest.fixture
def teams(api, admin_headers, hook) -> TeamsHarness:
    """Services started; this worker's dispatcher does not run by itself (tests call `deliver`)."""
    from resync_app.health import monitor
    from resync_app.teams import service

    monitor.stop()
    service.uninstall()
    service.install(start_dispatcher=False)
    return TeamsHarness(api, admin_headers, hook)


def later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)
