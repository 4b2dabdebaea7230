"""TWS events and budget alerts become Adaptive Cards at a loopback Teams webhook: exactly one per event, only
for the events the settings select, retried on 429/5xx/connection errors with backoff (injected clock), not
retried on other 4xx, and never posted twice by two dispatchers."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from sqlalchemy import update

from resync_app.db import get_engine, utcnow
from resync_app.teams.models import TeamsDelivery
from tests.teams.conftest import later, make_event


def facts_of(card: dict) -> dict[str, str]:
    body = card["attachments"][0]["content"]["body"]
    return {f["title"]: f["value"] for block in body if block["type"] == "FactSet" for f in block["facts"]}


def title_block(card: dict) -> dict:
    body = card["attachments"][0]["content"]["body"]
    return next(b for b in body if b["type"] == "TextBlock" and b.get("size") == "Large")


def test_matching_event_gives_exactly_one_adaptive_card(teams, hook, monkeypatch):
    monkeypatch.setenv("RESYNC_PUBLIC_URL", "https://resync.example.com/")
    teams.enable(bot_name="Ops bot", avatar_url="https://img.example.com/bot.png")
    event = make_event(event_id=7001)
    teams.emit(event)

    outcomes = teams.deliver()
    assert [o["status"] for o in outcomes] == ["sent"]
    assert len(hook.cards) == 1 and len(hook.requests) == 1
    card = hook.cards[0]
    assert card["type"] == "message"
    attachment = card["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.4"
    title = title_block(card)
    assert title["text"] == "Job abended: PAYROLL_DAILY" and title["color"] == "Attention"
    assert facts_of(card) == {"Instance": "prod", "Job": "PAYROLL_DAILY", "Job stream": "PAYROLL",
                              "Workstation": "CPU_LNX1", "Status": "ABEND", "Return code": "12",
                              "Severity": "critical", "Time": "2026-12-01 08:30:00 UTC"}
    header = content["body"][0]
    assert header["type"] == "ColumnSet"
    assert header["columns"][0]["items"][0]["url"] == "https://img.example.com/bot.png"
    assert header["columns"][1]["items"][0]["text"] == "Ops bot"
    assert content["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Resync",
                                   "url": "https://resync.example.com/monitoring?instance=prod&q=PAYROLL_DAILY"}]
    assert hook.requests[0]["headers"]["content-type"].startswith("application/json")

    assert teams.deliver(later(utcnow(), 3600)) == []  # nothing left: one card only
    assert len(hook.requests) == 1
    [row] = teams.rows()
    assert (row["status"], row["attempts"], row["status_code"], row["source_key"]) == ("sent", 1, 200,
                                                                                     "tws:test/prod:7001")


def test_no_console_link_without_public_url(teams, hook, monkeypatch):
    monkeypatch.delenv("RESYNC_PUBLIC_URL", raising=False)
    teams.enable()
    teams.emit(make_event(type="workstation_unlinked", severity="warning", job=None, status=None,
                          return_code=None, workstation="CPU_WIN2"))
    teams.deliver()
    [card] = hook.cards
    assert "actions" not in card["attachments"][0]["content"]
    assert title_block(card)["text"] == "Workstation unlinked: CPU_WIN2"
    assert title_block(card)["color"] == "Warning"
    assert facts_of(card)["Workstation"] == "CPU_WIN2" and "Job" not in facts_of(card)


CASES = {
    "status not in job_status_filters": (
        {"job_status_filters": ["ABEND"], "notification_types": ["job_completed", "job_abended"]},
        {"type": "job_completed", "severity": "info", "status": "SUCC", "return_code": 0}),
    "type not in notification_types": (
        {"notification_types": ["job_abended"]},
        {"type": "job_late", "severity": "warning", "status": "EXEC"}),
    "instance not monitored": (
        {"monitored_tws_instances": ["test", "dr"]},
        {"instance": "prod"}),
    "job notifications off": (
        {"enable_job_notifications": False},
        {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_events_the_filters_exclude_give_no_card(teams, hook, case):
    settings, event_fields = CASES[case]
    teams.enable(**settings)
    teams.emit(make_event(**event_fields))
    assert teams.deliver() == [] and teams.rows() == []
    assert hook.requests == []
    # Control: an event the same settings do select still arrives, so the pipeline was live.
    control = {"instance": (settings.get("monitored_tws_instances") or ["prod"])[0]}
    if case == "job notifications off":
        control.update(type="instance_critical", job=None, status=None, return_code=None)
    teams.emit(make_event(**control))
    assert [o["status"] for o in teams.deliver()] == ["sent"] and len(hook.cards) == 1


def test_tws_notifications_off_queue_nothing_and_teams_off_holds_cards(teams, hook):
    teams.system(tws_teams_notifications_enabled=True)
    teams.configure(enabled=True, webhook_url=hook.url)
    teams.system(tws_teams_notifications_enabled=False)  # the System Configuration switch: TWS events are not sent
    teams.emit(make_event())
    assert teams.rows() == []
    assert teams.deliver() == [] and hook.requests == []

    teams.system(tws_teams_notifications_enabled=True)
    teams.configure(enabled=False)  # Teams' own switch: the card is queued and held, not posted
    teams.emit(make_event(job="HELD_JOB"))
    assert [r["status"] for r in teams.rows()] == ["pending"]
    assert teams.deliver() == [] and hook.requests == []
    assert teams.get()["delivery"]["held"] == 1

    teams.configure(enabled=True)
    assert [o["status"] for o in teams.deliver()] == ["sent"]
    assert [facts_of(c)["Job"] for c in hook.cards] == ["HELD_JOB"]


def test_empty_filters_mean_all(teams, hook):
    teams.enable(job_status_filters=[], monitored_tws_instances=[], notification_types=["job_completed"])
    teams.emit(make_event(type="job_completed", severity="info", status="SUCC", instance="anything"))
    teams.deliver()
    assert len(hook.cards) == 1
    assert title_block(hook.cards[0])["color"] == "Good"  # a completion is good news


def test_the_same_event_emitted_twice_gives_one_card(teams, hook):
    teams.enable()
    event = make_event()
    teams.emit(event)
    teams.emit(event)  # a retry of the poller, or a second worker handing over the same stored event
    teams.emit(event, make_event())
    assert len(teams.rows()) == 2
    teams.deliver()
    assert len(hook.cards) == 2
    assert sorted(facts_of(c)["Job"] for c in hook.cards) == ["PAYROLL_DAILY", "PAYROLL_DAILY"]
    assert len({r["source_key"] for r in teams.rows()}) == 2


def test_429_is_retried_after_retry_after_then_one_card(teams, hook):
    teams.enable()
    hook.fail_next(429, count=1, retry_after=7)
    teams.emit(make_event())
    t0 = utcnow()
    [first] = teams.deliver(t0)
    assert first["status"] == "pending" and first["status_code"] == 429
    assert first["next_attempt_at"] == t0 + timedelta(seconds=7)
    assert teams.deliver(later(t0, 6.9)) == []  # Retry-After honoured
    [second] = teams.deliver(later(t0, 7))
    assert second["status"] == "sent" and second["attempt"] == 2
    assert len(hook.cards) == 1 and len(hook.requests) == 2
    [row] = teams.rows()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


def test_5xx_is_retried_with_exponential_backoff(teams, hook):
    from resync_app.teams.dispatcher import BACKOFF_BASE_S

    teams.enable()
    hook.fail_next(500, count=2)
    teams.emit(make_event())
    t0 = utcnow()
    assert teams.deliver(t0)[0]["status"] == "pending"
    assert teams.deliver(later(t0, BACKOFF_BASE_S - 0.1)) == []
    t1 = later(t0, BACKOFF_BASE_S)
    second = teams.deliver(t1)
    assert second[0]["status"] == "pending" and second[0]["error"].startswith("HTTP 500")
    assert teams.deliver(later(t1, 2 * BACKOFF_BASE_S - 0.1)) == []  # doubled
    assert teams.deliver(later(t1, 2 * BACKOFF_BASE_S))[0]["status"] == "sent"
    assert len(hook.cards) == 1 and len(hook.requests) == 3


def test_408_request_timeout_is_retried_with_backoff_then_one_card(teams, hook):
    from resync_app.teams.dispatcher import BACKOFF_BASE_S

    teams.enable()
    hook.fail_next(408, count=1, body="Request Timeout")
    teams.emit(make_event())
    t0 = utcnow()
    [first] = teams.deliver(t0)
    assert (first["status"], first["status_code"]) == ("pending", 408)
    assert first["next_attempt_at"] == t0 + timedelta(seconds=BACKOFF_BASE_S)
    assert teams.deliver(later(t0, BACKOFF_BASE_S - 0.1)) == []
    [second] = teams.deliver(later(t0, BACKOFF_BASE_S))
    assert (second["status"], second["attempt"]) == ("sent", 2)
    assert [r["status"] for r in hook.requests] == [408, 200] and len(hook.cards) == 1


def test_unreachable_webhook_is_retried_up_to_the_cap_then_failed(teams, hook):
    from resync_app.teams.dispatcher import MAX_ATTEMPTS

    teams.enable()
    hook.stop()  # nothing listens on its port any more
    teams.emit(make_event())
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [outcome] = teams.deliver(now)
        assert outcome["attempt"] == attempt and outcome["error"].startswith("unreachable")
        if attempt < MAX_ATTEMPTS:
            assert outcome["status"] == "pending"
            now = outcome["next_attempt_at"]
    assert outcome["status"] == "failed" and "gave up after" in outcome["error"]
    assert teams.deliver(later(now, 86400)) == []
    [row] = teams.rows()
    assert row["status"] == "failed" and row["attempts"] == MAX_ATTEMPTS and hook.url not in row["last_error"]


def test_400_is_recorded_and_not_retried(teams, hook):
    teams.enable()
    hook.fail_next(400, count=5)
    teams.emit(make_event())
    [outcome] = teams.deliver()
    assert outcome["status"] == "failed" and outcome["status_code"] == 400
    assert outcome["error"] == "HTTP 400: Bad payload received by generic incoming webhook."
    assert teams.deliver(later(utcnow(), 86400)) == []
    assert len(hook.requests) == 1 and hook.cards == []
    listed = teams.api.get("/api/v1/admin/teams-config/deliveries", headers=teams.headers).json()
    assert listed["count"] == 1
    assert listed["results"][0]["status"] == "failed" and listed["results"][0]["attempts"] == 1
    assert listed["results"][0]["error"].startswith("HTTP 400")
    assert teams.get()["delivery"]["failed_24h"] == 1


def test_a_dead_dispatchers_claim_is_retried_once_stale(teams, hook):
    from resync_app.teams import outbox
    from resync_app.teams.dispatcher import Dispatcher

    teams.enable()
    teams.emit(make_event())
    t0 = utcnow()
    [claim] = outbox.claim("dead-worker", t0)  # it claimed the row, then died before posting
    assert teams.deliver(later(t0, 60)) == []  # claimed and not stale yet: nobody else touches it
    [outcome] = teams.deliver(t0 + outbox.CLAIM_STALE + timedelta(seconds=1), Dispatcher("survivor"))
    assert outcome["status"] == "sent" and outcome["attempt"] == 2
    assert len(hook.cards) == 1
    # The dead worker coming back cannot overwrite the survivor's outcome.
    assert outbox.finish(claim, "dead-worker", "failed", t0, error="late") is False
    assert teams.rows()[0]["status"] == "sent"


def test_cards_queued_when_teams_is_turned_off_are_sent_when_it_is_back(teams, hook):
    """Issue 16 #6: turning Teams off for a moment marked every queued card `skipped` for good."""
    teams.enable()
    teams.emit(make_event(job="QUEUED_BEFORE"))
    teams.configure(enabled=False)
    teams.deliver()  # a dispatcher round while Teams is off
    assert hook.requests == []
    teams.configure(enabled=True)
    teams.deliver()
    assert [facts_of(c)["Job"] for c in hook.cards] == ["QUEUED_BEFORE"]
    assert [r["status"] for r in teams.rows()] == ["sent"]


def test_cards_held_longer_than_the_window_are_reported_not_sent(teams, hook):
    from resync_app.teams import outbox

    teams.enable()
    teams.configure(enabled=False)
    teams.emit(make_event(job="TOO_LATE"))
    teams.emit(make_event(job="IN_TIME"))
    [late, fresh] = teams.rows()
    queued_at = late["created_at"]
    # a round while Teams is still off, just after the first card's hold ran out (the second was queued later)
    with get_engine().begin() as conn:  # the second card was queued 10 minutes later
        conn.execute(update(TeamsDelivery.__table__).where(TeamsDelivery.__table__.c.id == fresh["id"])
                     .values(created_at=queued_at + timedelta(minutes=10)))
    assert teams.deliver(queued_at + outbox.HOLD_WHILE_OFF + timedelta(seconds=1)) == []
    assert [r["status"] for r in teams.rows()] == ["expired", "pending"]
    view = teams.get()["delivery"]
    assert (view["not_sent"], view["held"], view["hold_while_off_minutes"]) == (1, 1, 60)
    listed = teams.api.get("/api/v1/admin/teams-config/deliveries?status=expired", headers=teams.headers).json()
    assert [r["error"] for r in listed["results"]] == ["not sent: Teams was off for more than 1 h after it was queued"]

    teams.configure(enabled=True)
    teams.deliver(queued_at + outbox.HOLD_WHILE_OFF + timedelta(minutes=2))
    assert [facts_of(c)["Job"] for c in hook.cards] == ["IN_TIME"]  # the one still within its hour
    assert [r["status"] for r in teams.rows()] == ["expired", "sent"]


def test_two_dispatcher_threads_send_each_card_once(teams, hook):
    from resync_app.teams.dispatcher import Dispatcher

    teams.enable()
    events = [make_event(job=f"JOB_{i:03d}") for i in range(40)]
    teams.emit(*events)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(name: str) -> None:
        dispatcher = Dispatcher(name)
        try:
            start.wait(10)
            while dispatcher.deliver_due():
                pass
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            dispatcher.stop()

    threads = [threading.Thread(target=run, args=(f"worker-{n}",)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(hook.requests) == 40
    assert sorted(facts_of(c)["Job"] for c in hook.cards) == [f"JOB_{i:03d}" for i in range(40)]
    rows = teams.rows()
    assert all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)


def test_budget_alert_gives_one_card(teams, hook):
    from resync_app import notify

    teams.enable()
    alert = notify.Alert(kind="llm.budget", title="LLM budget daily 80%", severity="warning",
                         text="Daily LLM budget at 80%: $8.00 of $10.00 spent in 2026-12-01.",
                         facts={"period": "2026-12-01", "spent_usd": "8.00", "limit_usd": "10.00"},
                         dedupe_key="llm.budget:daily:2026-12-01:0.8")
    notify.notify(alert)
    notify.notify(alert)  # stored once by the budget code; even a second hand-over is one card
    teams.deliver()
    [card] = hook.cards
    assert title_block(card)["text"] == "LLM budget daily 80%" and title_block(card)["color"] == "Warning"
    assert facts_of(card) == {"Period": "2026-12-01", "Spent usd": "8.00", "Limit usd": "10.00"}
    assert teams.rows()[0]["source_key"] == "alert:llm.budget:daily:2026-12-01:0.8"

    teams.configure(notification_types=["job_abended"])  # llm_budget not selected: no card
    notify.notify(notify.Alert(kind="llm.budget", title="LLM budget daily 100%", text="reached", severity="critical",
                               dedupe_key="llm.budget:daily:2026-12-01:1"))
    assert teams.deliver() == [] and len(hook.requests) == 1


def test_the_webhook_url_is_in_no_log_line(teams, hook, caplog):
    caplog.set_level(logging.DEBUG)
    teams.enable()
    hook.fail_next(400)
    teams.emit(make_event())
    teams.deliver()
    hook.fail_next(500)
    teams.emit(make_event())
    teams.deliver()
    hook.stop()
    teams.emit(make_event())
    teams.deliver()
    teams.api.post("/api/v1/admin/teams-config/test", headers=teams.headers)
    assert len(hook.requests) == 2
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "Teams card" in messages  # the failures were logged …
    assert hook.url not in caplog.text and hook.path not in messages  # … without the URL


def test_finished_rows_are_pruned_after_the_retention(teams, hook):
    from resync_app.teams import outbox

    teams.enable()
    teams.emit(make_event(), make_event())
    teams.deliver()
    hook.fail_next(500, count=10)
    teams.emit(make_event())
    teams.deliver()  # this one waits for a retry
    now = utcnow()
    assert outbox.prune(now + outbox.RETENTION - timedelta(minutes=1)) == 0
    assert outbox.prune(now + outbox.RETENTION + timedelta(minutes=1)) == 2  # the sent ones
    assert [r["status"] for r in teams.rows()] == ["pending"]  # what still waits is kept


def test_the_workers_dispatcher_thread_delivers_by_itself(teams, hook):
    from resync_app.teams import service

    teams.enable()
    service.uninstall()
    service.install()  # as runtime.startup does: sink, notifier and this worker's dispatcher thread
    try:
        teams.emit(make_event(event_id=9001))  # the sink wakes the thread: no test-driven round here
        assert hook.wait_for_cards(1, timeout=15), "the dispatcher thread did not deliver the card"
        assert teams.rows()[0]["status"] in ("sent", "sending", "posting")
    finally:
        service.uninstall()
    assert len(hook.cards) == 1 and teams.rows()[0]["status"] == "sent"
