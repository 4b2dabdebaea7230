"""The poller loop (in its own thread, elected by the file lock): first poll at once, poll now, stop/start,
`tws_polling_enabled` and a new interval applied live; the polling modes and the backoff (pure functions)."""

from __future__ import annotations

from datetime import datetime

import pytest

from resync_app.config.store import get_store
from resync_app.db import session_scope
from resync_app.tws import instances, schedule, service
from resync_app.tws.election import FileLock
from resync_app.tws.models import TwsSummary
from resync_app.tws.poller import PollerService
from resync_app.settings import get_settings
from tests.tws.contender import wait_until

NAME = "sim"


def _summary() -> TwsSummary | None:
    with session_scope() as db:
        return db.get(TwsSummary, NAME)


def _set(**values) -> None:
    assert get_store().update(values, actor="tests").success


@pytest.fixture
def poller(clean_db, simulator, tmp_path):
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    _set(tws_polling_interval_seconds=300)
    svc = PollerService(lock_factory=lambda: FileLock(tmp_path / "poller.lock"), clock=lambda: simulator.now)
    get_store().on_change(svc.on_settings_change)
    svc.start()
    yield svc
    svc.stop()


def test_leader_polls_at_once_then_on_request(poller, simulator):
    wait_until(lambda: poller.leader, 20, "leadership")
    wait_until(lambda: _summary() and _summary().poll_seq >= 1, 30, "the first poll")
    wait_until(lambda: _summary().poller_state == "waiting", 20, "the waiting state")
    row = _summary()
    assert row.leader == poller.identity and row.interval_s == 300 and row.mode == "fixed"
    assert row.next_poll_at is not None
    status = {s["instance"]: s for s in service.poller_status()}[NAME]
    assert status["state"] == "waiting" and status["leader"] == poller.identity
    seq = row.poll_seq
    service.poll_now(NAME, "tests")
    wait_until(lambda: _summary().poll_seq == seq + 1, 30, "the poll-now poll")
    # the request is marked done after the poll's dependency look-ups, a moment after the poll is stored
    wait_until(lambda: _summary().poll_now_seen == 1, 30, "the poll-now request marked done")
    assert _summary().poll_seq == seq + 1  # one poll for the request, not one per control check


def test_stop_start_and_polling_disabled(poller):
    wait_until(lambda: _summary() and _summary().poll_seq >= 1, 30, "the first poll")
    service.set_paused(NAME, True, "tests")
    wait_until(lambda: _summary().poller_state == "paused", 20, "the paused state")
    assert {s["instance"]: s for s in service.poller_status()}[NAME]["paused"] is True
    service.set_paused(NAME, False, "tests")
    wait_until(lambda: _summary().poller_state == "waiting", 20, "polling again")
    _set(tws_polling_enabled=False)
    wait_until(lambda: _summary().poller_state == "disabled", 20, "the disabled state")
    _set(tws_polling_enabled=True)
    wait_until(lambda: _summary().poller_state == "waiting", 20, "polling enabled again")


def test_new_interval_applies_from_the_next_poll(poller):
    wait_until(lambda: _summary() and _summary().poller_state == "waiting", 30, "the first poll")
    seq = _summary().poll_seq
    _set(tws_polling_interval_seconds=5)  # the running 300 s wait is recomputed: next poll 5 s after the last
    wait_until(lambda: _summary().poll_seq > seq, 30, "a poll at the new interval")
    assert _summary().interval_s == 5


def test_instance_config_change_reaches_the_poller(poller, simulator):
    wait_until(lambda: _summary() and _summary().poll_seq >= 1, 30, "the first poll")
    instances.update_instance(NAME, {"password": "wrong-password-123"}, "tests")
    wait_until(lambda: _summary().stale_since is not None, 30, "the poll with the new (wrong) password")
    assert "unauthorized" in _summary().last_error
    instances.update_instance(NAME, {"password": simulator.password}, "tests")
    service.poll_now(NAME, "tests")
    wait_until(lambda: _summary().stale_since is None, 60, "recovery with the right password")


def test_stop_releases_the_lock(clean_db, tmp_path):
    svc = PollerService(lock_factory=lambda: FileLock(tmp_path / "l.lock"))
    svc.start()
    wait_until(lambda: svc.leader, 20, "leadership")
    other = FileLock(tmp_path / "l.lock")
    assert not other.try_acquire()
    svc.stop()
    assert not svc.running
    assert other.try_acquire()
    other.release()


# ---- modes (pure) ---------------------------------------------------------------------------------------


def test_fixed_mode():
    assert schedule.next_interval("fixed", 30, running=10, failed_new=3) == 30
    assert schedule.next_interval("fixed", 2) == schedule.MIN_INTERVAL_S


def test_adaptive_mode():
    assert schedule.next_interval("adaptive", 30, running=4, pending=10) == 10  # busy: a third
    assert schedule.next_interval("adaptive", 30, failed_new=1, pending=10) == 10
    assert schedule.next_interval("adaptive", 9, running=1) == schedule.MIN_INTERVAL_S
    assert schedule.next_interval("adaptive", 30, pending=10) == 30  # waiting work, nothing running
    assert schedule.next_interval("adaptive", 30) == 120  # idle: four times
    assert schedule.next_interval("adaptive", 120) == schedule.MAX_INTERVAL_S


def test_scheduled_mode_business_hours():
    tz = get_settings().timezone
    monday_10 = datetime(2026, 3, 2, 10, 0, tzinfo=tz)
    monday_22 = datetime(2026, 3, 2, 22, 0, tzinfo=tz)
    saturday_10 = datetime(2026, 3, 7, 10, 0, tzinfo=tz)
    assert schedule.next_interval("scheduled", 30, local_now=monday_10) == 30
    assert schedule.next_interval("scheduled", 30, local_now=monday_22) == 120
    assert schedule.next_interval("scheduled", 30, local_now=saturday_10) == 120
    assert schedule.next_interval("scheduled", 30, local_now=monday_10.replace(hour=19)) == 120
    assert schedule.next_interval("scheduled", 30, local_now=monday_10.replace(hour=7)) == 30


def test_backoff_is_exponential_and_capped():
    assert [schedule.backoff_interval(30, n) for n in (1, 2, 3, 4, 10)] == [60, 120, 240, 300, 300]
    assert schedule.backoff_interval(300, 5) == 300
    assert schedule.backoff_interval(5, 1) == 10

