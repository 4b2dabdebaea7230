"""`make chaos` scenarios of issue 16 (alerts you can trust), against the 2-worker cluster on PostgreSQL + Redis.

- `teams_slow_webhook_kill`: a webhook that answers in 10 s, both workers' dispatchers busy, one worker SIGKILLed
  mid-batch: every card arrives, none twice. The card the killed worker was posting (Teams had it) is not posted
  again: it is reported `unconfirmed`; the ones it had claimed and not started are posted by the survivor.
- `teams_enqueue_fails_once`: the first insert into the Teams outbox fails (a PostgreSQL trigger raises once):
  the poll's transaction rolls back and the next poll stores the event and its card: lost cards = 0.
- `tws_repointed`: an instance pointed at another TWS full of abends: cards = 0 (its first poll is a baseline).
- `tws_outage_30`: a workstation unlinks and its 30 running jobs abend: cards for the outage ≤ 2.

Each uses a loopback webhook receiver and, for the TWS ones, a simulator of its own (manual clock), polled by the
cluster's elected poller every 5 s in real time.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

from tests.fakes.webhook_receiver import WebhookReceiver
from tests.support.cluster import wait_for
from tests.support.outage import busiest_workstation, start_jobs, unlink_and_abend

TEAMS = "/api/v1/admin/teams-config"
POLL_S = 5


def _title(card: dict) -> str:
    return next((b.get("text", "") for b in card["attachments"][0]["content"]["body"] if b.get("size") == "Large"), "")


def _execute(ctx, *statements: str) -> None:
    """Run statements that return no rows (DDL), in one transaction."""
    import psycopg

    with psycopg.connect(ctx.db_url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5) as conn:
        for statement in statements:
            conn.execute(statement)


def _teams_on(ctx, hook: WebhookReceiver, **fields) -> None:
    ctx.config(tws_teams_notifications_enabled=True, tws_polling_interval_seconds=POLL_S, tws_polling_mode="fixed",
               tws_polling_enabled=True)
    from resync_app.teams.config import DEFAULT_NOTIFICATION_TYPES

    ctx.cluster.json("PUT", TEAMS, json={"enabled": True, "webhook_url": hook.url, "teams_incident_window_seconds": 120,
                                         "notification_types": list(DEFAULT_NOTIFICATION_TYPES),
                                         "monitored_tws_instances": [], "job_status_filters": [], **fields})


def _teams_off(ctx) -> None:
    ctx.cluster.json("PUT", TEAMS, json={"enabled": False, "webhook_url": ""})


def _simulator(seed: int = 7, **rates):
    """400 jobs (seed 7: its busiest workstation can run 30 jobs at once), no random faults unless asked."""
    from resync_app.tws_simulator.simulator import Simulator

    values = {"abend_rate": 0.0, "stuck_rate": 0.0, "late_rate": 0.0, "flap_rate": 0.0, **rates}
    return Simulator(jobs=400, seed=seed, start=datetime(2026, 3, 2, tzinfo=timezone.utc), **values).start()


def _add_instance(ctx, name: str, sim) -> None:
    answer = ctx.cluster.request("POST", "/api/v1/admin/tws-config/instances", json={
        "name": name, "base_url": sim.base_url, "username": sim.username, "password": sim.password})
    assert answer.status_code == 201, f"adding {name}: {answer.status_code} {answer.text}"


def _remove_instance(ctx, name: str) -> None:
    ctx.cluster.request("DELETE", f"/api/v1/admin/tws-config/instances/{name}")


def _summary(ctx, name: str) -> dict:
    return ctx.cluster.json("GET", f"/api/v1/tws/summary?instance={name}")


def _polls(ctx, name: str, count: int, timeout: float = 90) -> None:
    """Wait until the poller has polled `name` `count` more times."""
    for _ in range(count):
        seen = _summary(ctx, name)["poller"]["last_poll_at"]
        wait_for(lambda: _summary(ctx, name)["poller"]["last_poll_at"] != seen, timeout, f"a poll of {name}")


def _baselined(ctx, name: str) -> None:
    wait_for(lambda: _summary(ctx, name)["as_of"] is not None, 90, f"the baseline of {name}")


# ---- 1. two workers, a webhook answering in 10 s, one worker killed mid-batch ----------------------------------


def scenario_teams_slow_webhook_kill(ctx, waves: int = 2, per_wave: int = 8) -> dict:
    from resync_app.teams import cards

    with WebhookReceiver() as hook:
        hook.delay_s = 10.0
        _teams_on(ctx, hook)
        ctx.sql("DELETE FROM teams_outbox RETURNING id")
        titles = []
        for wave in range(waves):  # one wave per worker: the busy one cannot take the next
            rows = []
            for i in range(per_wave):
                title = f"Chaos card {wave}-{i:02d}"
                titles.append(title)
                card = json.dumps(cards.adaptive_card(title, "slow webhook", [("Card", title)], "warning"))
                rows.append(ctx.sql(
                    "INSERT INTO teams_outbox (source_key, kind, event_type, severity, instance, title, card_json, "
                    "status, attempts, next_attempt_at, claimed_by, created_at) VALUES "
                    f"('chaos:{wave}:{i}', 'alert', 'chaos', 'warning', '', '{title}', '{card.replace(chr(39), chr(39) * 2)}', "
                    "'pending', 0, now(), '', now()) RETURNING id"))
            time.sleep(3)  # the idle worker's dispatcher polls every 2 s

        def claimers() -> dict[int, int]:
            rows = ctx.sql("SELECT claimed_by FROM teams_outbox WHERE status IN ('sending', 'posting')")
            return dict(Counter(int(by.split(":")[1]) for (by,) in rows))

        wait_for(lambda: len(claimers()) == 2, 60, "both workers posting")
        busy = claimers()
        victim = max(busy, key=busy.get)  # the worker with the most rows in its batch
        time.sleep(4)  # mid-post of one of its cards
        in_flight = ctx.sql(f"SELECT title FROM teams_outbox WHERE status = 'posting' AND claimed_by LIKE '%:{victim}:%'")
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        try:
            wait_for(lambda: ctx.sql("SELECT COUNT(*) FROM teams_outbox WHERE status NOT IN ('sent', 'unconfirmed')"
                                     )[0][0] == 0, 120 + 10 * len(titles) + 60, "every card settled")
        except TimeoutError as exc:
            ctx.fail(str(exc))
        seconds = time.monotonic() - killed_at
        hook.delay_s = 0.0
        time.sleep(11)  # requests still in the receiver's 10 s wait are recorded
        got = Counter(_title(c) for c in hook.cards)
        in_flight_title = in_flight[0][0] if in_flight else None
        doubled = {t: n - 1 for t, n in got.items() if n > 1}
        senders = ctx.sql("SELECT claimed_by, COUNT(*) FROM teams_outbox WHERE status = 'sent' GROUP BY claimed_by")
        unconfirmed = [t for (t,) in ctx.sql("SELECT title FROM teams_outbox WHERE status = 'unconfirmed'")]
        figures = {"cards_queued": len(titles), "cards_received": sum(got.values()), "distinct_received": len(got),
                   "lost": len([t for t in titles if t not in got]), "duplicates": sum(doubled.values()),
                   "card_in_flight_at_the_kill": in_flight_title, "reported_unconfirmed": unconfirmed,
                   "killed_pid": victim,
                   "rows_per_worker_before_the_kill": busy,
                   "cards_sent_per_worker_pid": {by.split(":")[1]: n for by, n in senders},
                   "seconds_from_kill_to_all_sent": round(seconds, 1)}
        ctx.expect(figures["lost"] == 0, "no card lost")
        ctx.expect(figures["duplicates"] == 0, "no card posted twice")
        ctx.expect(unconfirmed == ([in_flight_title] if in_flight_title else []),
                   "the card in flight at the kill is reported unconfirmed, not posted again")
        _teams_off(ctx)
        try:
            wait_for(lambda: len(ctx.cluster.worker_pids()) == 2, 60, "a replacement worker")
        except TimeoutError as exc:
            ctx.fail(str(exc))
        return figures


# ---- 2. an enqueue that fails once ---------------------------------------------------------------------------


def scenario_teams_enqueue_fails_once(ctx) -> dict:
    name = "chaos_enqueue"
    sim = _simulator()
    try:
        with WebhookReceiver() as hook:
            _teams_on(ctx, hook, notification_types=["job_abended"], monitored_tws_instances=[name])
            _add_instance(ctx, name, sim)
            _baselined(ctx, name)
            _execute(ctx, "CREATE SEQUENCE IF NOT EXISTS chaos_outbox_failures",
                     "CREATE OR REPLACE FUNCTION chaos_fail_once() RETURNS trigger AS $$ BEGIN "
                     "IF nextval('chaos_outbox_failures') = 1 THEN "
                     "RAISE EXCEPTION 'chaos: the enqueue fails once (database is locked)'; END IF; "
                     "RETURN NEW; END $$ LANGUAGE plpgsql",
                     "DROP TRIGGER IF EXISTS chaos_fail_once ON teams_outbox",
                     "CREATE TRIGGER chaos_fail_once BEFORE INSERT ON teams_outbox FOR EACH ROW "
                     "EXECUTE FUNCTION chaos_fail_once()")
            job = sim.find_jobs(root=True)[0]
            sim.script_job(job["id"], "abend")
            sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
            try:
                wait_for(lambda: hook.cards, 90, "the card of the abend")
            except TimeoutError as exc:
                ctx.fail(str(exc))
            _polls(ctx, name, 3)
            [(fired,)] = ctx.sql("SELECT last_value FROM chaos_outbox_failures")
            [(events,)] = ctx.sql(f"SELECT COUNT(*) FROM tws_events WHERE instance = '{name}' AND type = 'job_abended'")
            _execute(ctx, "DROP TRIGGER chaos_fail_once ON teams_outbox", "DROP FUNCTION chaos_fail_once()",
                     "DROP SEQUENCE chaos_outbox_failures")
            figures = {"enqueue_attempts": int(fired), "enqueue_failures_injected": 1, "abend_events": int(events),
                       "cards_received": len(hook.cards), "lost": max(0, 1 - len(hook.cards)),
                       "duplicates": max(0, len(hook.cards) - 1)}
            ctx.expect(int(fired) >= 2, "the failure was injected and the enqueue tried again")
            ctx.expect(figures["lost"] == 0 and figures["duplicates"] == 0 and events == 1,
                       "one event, one card, none lost")
            _teams_off(ctx)
            return figures
    finally:
        _remove_instance(ctx, name)
        sim.stop()


# ---- 3. an instance pointed at another TWS -------------------------------------------------------------------


def scenario_tws_repointed(ctx) -> dict:
    name = "chaos_repoint"
    quiet, busy = _simulator(), _simulator(seed=11, abend_rate=0.4)
    busy.advance(hours=12)
    abended = len(busy.find_jobs(status="ABEND"))
    try:
        with WebhookReceiver() as hook:
            _teams_on(ctx, hook, monitored_tws_instances=[name])
            _add_instance(ctx, name, quiet)
            _baselined(ctx, name)
            ctx.cluster.json("PUT", f"/api/v1/admin/tws-config/instances/{name}",
                             json={"base_url": busy.base_url, "password": busy.password})
            wait_for(lambda: _summary(ctx, name)["counts"].get("failed", 0) == abended, 90,
                     "the first poll of the other TWS")
            _polls(ctx, name, 3)
            time.sleep(3)  # a dispatcher round
            [(events,)] = ctx.sql(f"SELECT COUNT(*) FROM tws_events WHERE instance = '{name}'")
            figures = {"abended_jobs_on_the_other_tws": abended, "events_stored": int(events),
                       "cards": len(hook.cards)}
            ctx.expect(figures["cards"] == 0 and figures["events_stored"] == 0, "re-pointed: a baseline, no card")
            _teams_off(ctx)
            return figures
    finally:
        _remove_instance(ctx, name)
        quiet.stop()
        busy.stop()


# ---- 4. a workstation outage that abends 30 jobs -------------------------------------------------------------


def scenario_tws_outage_30(ctx, jobs: int = 30) -> dict:
    name = "chaos_outage"
    sim = _simulator()
    ws = busiest_workstation(sim)
    running = start_jobs(sim, ws, jobs)
    try:
        with WebhookReceiver() as hook:
            _teams_on(ctx, hook, monitored_tws_instances=[name])
            _add_instance(ctx, name, sim)
            _baselined(ctx, name)
            started = time.monotonic()
            unlink_and_abend(sim, ws, running)
            _polls(ctx, name, 1)
            sim.advance(seconds=61)
            wait_for(lambda: ctx.sql(f"SELECT COUNT(*) FROM tws_events WHERE instance = '{name}' "
                                     "AND type = 'job_abended'")[0][0] >= jobs, 60, "the abends")
            time.sleep(120 + 2 * POLL_S + 5)  # one incident window: a follow-up card would be sent by now
            outage_cards = [c for c in hook.cards if ws in _title(c)]
            incidents = ctx.cluster.json("GET", f"/api/v1/tws/incidents?instance={name}")["results"]
            [(abends,)] = ctx.sql(f"SELECT COUNT(*) FROM tws_events WHERE instance = '{name}' AND type = 'job_abended'")
            figures = {"jobs_abended": int(abends), "cards_for_the_outage": len(outage_cards),
                       "card_titles": [_title(c) for c in outage_cards], "cards_in_all": len(hook.cards),
                       "incidents": [{k: i[k] for k in ("cause", "events", "title")} for i in incidents],
                       "seconds": round(time.monotonic() - started, 1)}
            ctx.expect(int(abends) == jobs, f"{jobs} abend events")
            ctx.expect(1 <= len(outage_cards) <= 2, "a workstation outage with 30 abends gives at most 2 cards")
            _teams_off(ctx)
            return figures
    finally:
        _remove_instance(ctx, name)
        sim.stop()


SCENARIOS = {
    "teams_slow_webhook_kill": scenario_teams_slow_webhook_kill,
    "teams_enqueue_fails_once": scenario_teams_enqueue_fails_once,
    "tws_repointed": scenario_tws_repointed,
    "tws_outage_30": scenario_tws_outage_30,
}
