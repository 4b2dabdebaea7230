"""Teams notifications: which TWS events and alerts become cards, the test card, and the worker's dispatcher.

`install()` (from `runtime.startup`) registers the TWS event writer, the event sink and the alert notifier with
`resync_app.notify` and starts this worker's dispatcher; `uninstall()` undoes it. The writer queues a poll's cards
in the poll's own transaction (`queue_tws_events`: a transactional outbox); the sink, called after the commit, only
wakes the dispatcher. Nothing here posts, so the poller and the budget code are never slowed by Teams.

A TWS event becomes a card when: a webhook URL is stored, the System Configuration field
`tws_teams_notifications_enabled` is on, its type is in `notification_types`, its instance is in
`monitored_tws_instances` (empty = all) and, for a job event, `enable_job_notifications` is on and its job status
is in `job_status_filters` (empty = any status). With Teams' own switch (`enabled`) off the card is queued and
held: sent if Teams is switched on within `outbox.HOLD_WHILE_OFF`, else reported as not sent. An event that joined
an incident (`tws/incidents.py`) is listed on its incident's card instead (`incident_cards`). An alert becomes a
card when Teams is enabled with a webhook URL and its kind (`llm.budget` → `llm_budget`) is in
`notification_types`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from resync_app import notify
from resync_app.audit.service import record as audit
from resync_app.config.store import setting
from resync_app.events import feed
from resync_app.notify import Alert, TwsEventNotice
from resync_app.db import get_engine
from resync_app.teams import cards, incident_cards, outbox
from resync_app.teams import config as teams_config
from resync_app.teams.config import JOB_EVENT_TYPES, TeamsConfig
from resync_app.teams.dispatcher import Dispatcher, post_card
from resync_app.tws.statuses import canonical

logger = logging.getLogger("resync.teams")
_lock = threading.Lock()
_dispatcher: Dispatcher | None = None


# ---- what becomes a card -----------------------------------------------------------------------------


def event_matches(config: TeamsConfig, event: TwsEventNotice) -> bool:
    """Whether this TWS event is sent, given the Teams settings (the global switches are checked by the caller)."""
    if event.type not in config.notification_types:
        return False
    if config.monitored_tws_instances and event.instance not in config.monitored_tws_instances:
        return False
    if event.type in JOB_EVENT_TYPES:
        if not config.enable_job_notifications:
            return False
        if config.job_status_filters and canonical(event.status) not in {
                canonical(s) for s in config.job_status_filters}:  # CANCELLED matches CANCL (tws/statuses.py)
            return False
    return True


def alert_type(alert: Alert) -> str:
    return alert.kind.replace(".", "_")


def event_source_key(event: TwsEventNotice) -> str:
    """The outbox key of an event's own card: its dedupe key (unique for ever; an id may be reused by SQLite)."""
    return outbox.source_key("tws", event.dedupe_key or f"id:{event.id}")


def queue_tws_events(conn, events: list[TwsEventNotice]) -> int:
    """The event writer, in the transaction that stored `events` (`conn`): queue a card for each matching event,
    or its incident's card; returns how many rows were queued. Idempotent: a second call queues nothing new."""
    if not events:
        return 0
    config = teams_config.load(conn)
    if not (config.has_webhook and setting("tws_teams_notifications_enabled")):
        return 0
    matching = [e for e in events if event_matches(config, e)]
    own = [outbox.NewCard(source_key=event_source_key(e), kind="tws_event",
                          card=cards.tws_event_card(e, config.bot_name, config.avatar_url), title=cards.event_title(e),
                          event_type=e.type, severity=e.severity, instance=e.instance)
           for e in matching if e.incident_id is None]
    added = outbox.enqueue(own, conn=conn)
    return added + incident_cards.plan(conn, [e for e in matching if e.incident_id is not None])


def on_tws_events(events: list[TwsEventNotice]) -> int:
    """Queue the cards of events stored outside a poll's transaction (in a transaction of its own) and wake the
    dispatcher; returns how many rows were queued."""
    if not events:
        return 0
    with get_engine().begin() as conn:
        added = queue_tws_events(conn, events)
    after_commit(events, added)
    return added


def after_commit(events: list[TwsEventNotice], added: int | None = None) -> None:
    """The event sink (after the poll's commit): wake this worker's dispatcher and the Teams page."""
    if events and added != 0:
        if _dispatcher is not None:
            _dispatcher.wake()
        feed.publish(teams_config.TOPIC, {"what": "deliveries"})


class TeamsNotifier:
    """The alert notifier: queue a card per alert (once per `dedupe_key`)."""

    def send(self, alert: Alert) -> None:
        config = teams_config.load()
        kind = alert_type(alert)
        if not (config.enabled and config.has_webhook and kind in config.notification_types):
            return
        key = alert.dedupe_key or uuid.uuid4().hex
        _queue([outbox.NewCard(source_key=outbox.source_key("alert", key), kind="alert",
                               card=cards.alert_card(alert, config.bot_name, config.avatar_url), title=alert.title,
                               event_type=kind, severity=alert.severity)])


def _queue(new: list[outbox.NewCard]) -> int:
    if not new:
        return 0
    added = outbox.enqueue(new)
    if added:
        if _dispatcher is not None:
            _dispatcher.wake()
        feed.publish(teams_config.TOPIC, {"what": "deliveries"})
    return added


_notifier = TeamsNotifier()


# ---- the test card -----------------------------------------------------------------------------------


def send_test(actor: str, client: str = "") -> dict[str, Any]:
    """Post one test card now with the saved settings: `{success, status_code, error}` (never raises for a
    failing webhook). Recorded in the deliveries list and the audit log."""
    config = teams_config.load()
    url = config.webhook_url() if config.has_webhook else None
    if not url:
        error = ("The stored webhook URL cannot be decrypted (the secret key changed): enter it again."
                 if config.has_webhook else "No webhook URL is configured: save one first.")
        return {"success": False, "status_code": None, "error": error}
    card = cards.sample_card(actor, config.channel_name, config.bot_name, config.avatar_url)
    result = post_card(url, card)
    outbox.record_sent_now(outbox.NewCard(source_key=outbox.source_key("test", uuid.uuid4().hex), kind="test",
                                          card=card, title="Resync test notification", event_type="test"),
                           "sent" if result.ok else "failed", result.status_code, result.error)
    audit(actor, "teams.test", target="teams", client=client,
          detail={"success": result.ok, "status_code": result.status_code, "error": result.error})
    feed.publish(teams_config.TOPIC, {"what": "deliveries"})
    return {"success": result.ok, "status_code": result.status_code, "error": result.error}


# ---- status (the page, the API, the health check) -----------------------------------------------------


def status() -> dict[str, Any]:
    """Delivery figures and whether notifications can flow: `held` = cards waiting for Teams to be switched on
    (sent if it is within `hold_while_off_minutes` of their queueing), `not_sent` = cards that waited longer."""
    config = teams_config.load()
    stats = outbox.stats()
    sending = config.enabled and config.webhook_url() is not None
    return {**stats, "held": 0 if sending else stats["waiting"],
            "hold_while_off_minutes": int(outbox.HOLD_WHILE_OFF.total_seconds() // 60),
            "enabled": config.enabled, "webhook_configured": config.has_webhook,
            "tws_teams_notifications_enabled": bool(setting("tws_teams_notifications_enabled")),
            "dispatcher_running": _dispatcher is not None}


# ---- process start / stop ----------------------------------------------------------------------------


def install(start_dispatcher: bool = True) -> None:
    """Plug Teams into `notify` and start this worker's dispatcher (idempotent)."""
    global _dispatcher
    with _lock:
        notify.register_event_writer(queue_tws_events)
        notify.register_event_sink(after_commit)
        notify.register(_notifier)
        if start_dispatcher and _dispatcher is None:
            _dispatcher = Dispatcher()
            _dispatcher.start()


def uninstall() -> None:
    global _dispatcher
    with _lock:
        notify.unregister_event_writer(queue_tws_events)
        notify.unregister_event_sink(after_commit)
        notify.unregister(_notifier)
        if _dispatcher is not None:
            _dispatcher.stop()
            _dispatcher = None


def current_dispatcher() -> Dispatcher | None:
    return _dispatcher
