"""`tws/detect.py`, unit by unit: the derived flags, the deadline-risk formula against values computed by hand,
the events a job / workstation / instance change gives (and the ones it must not give), the health rules — and an
`instance_degraded` event actually produced by a poll of the simulator."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from resync_app.tws import detect, instances, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.detect import DurationStats, Known, Thresholds
from resync_app.tws.plan_fields import JobView

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
TH = Thresholds(stuck_minutes=60, late_minutes=30, failure_rate=0.1)


def view(**fields) -> JobView:
    values = dict(id="J1", name="PAYROLL", job_stream="DAILY", job_stream_id="S1", workstation="CPU1", status="HOLD",
                  internal_status="HOLD", start=None, end=None, scheduled_start=None, deadline=None,
                  estimated_duration_s=None, critical=False, return_code=None, run_number=1)
    values.update(fields)
    return JobView(**values)


def known(v: JobView, **fields) -> Known:
    values = dict(fingerprint=detect.fingerprint(v), status=v.status, run_number=v.run_number, late=False,
                  stuck=False, risk="")
    values.update(fields)
    return Known(**values)


def events(prev: Known | None, v: JobView, *, late=False, stuck=False, risk="", confidence=None) -> list[str]:
    return [c.type for c in detect.job_events("prod", prev, v, late=late, stuck=stuck, risk=risk,
                                              confidence=confidence, th=TH, now=NOW)]


# ---- flags ----------------------------------------------------------------------------------------------


def test_fingerprint_is_stable_and_sees_every_stored_field():
    base = view(status="EXEC", start=NOW)
    assert detect.fingerprint(base) == detect.fingerprint(view(status="EXEC", start=NOW))
    for change in ({"status": "SUCC"}, {"return_code": 4}, {"run_number": 2}, {"end": NOW},
                   {"predecessors": ["J0"]}, {"workstation": "CPU2"}):
        assert detect.fingerprint(replace(base, **change)) != detect.fingerprint(base), change


def test_stuck_after_the_threshold_only_while_running():
    started = NOW - timedelta(minutes=60)
    assert not detect.stuck_flag("EXEC", started, NOW, TH)  # exactly the threshold: not yet
    assert detect.stuck_flag("EXEC", started - timedelta(seconds=1), NOW, TH)
    assert not detect.stuck_flag("SUCC", started - timedelta(hours=5), NOW, TH)
    assert not detect.stuck_flag("EXEC", None, NOW, TH)


def test_late_after_the_threshold_only_before_it_starts():
    scheduled = NOW - timedelta(minutes=30)
    assert not detect.late_flag("HOLD", None, scheduled, NOW, TH)
    assert detect.late_flag("HOLD", None, scheduled - timedelta(seconds=1), NOW, TH)
    assert not detect.late_flag("EXEC", NOW, scheduled - timedelta(hours=1), NOW, TH)
    assert not detect.late_flag("SUCC", None, scheduled - timedelta(hours=1), NOW, TH)
    assert not detect.late_flag("HOLD", None, None, NOW, TH)


def test_recheck_at_is_when_a_flag_would_flip():
    running = view(status="EXEC", start=NOW - timedelta(minutes=10))
    assert detect.recheck_at(running, False, False, TH) == running.start + timedelta(minutes=60)
    assert detect.recheck_at(running, False, True, TH) is None  # already stuck
    waiting = view(status="HOLD", scheduled_start=NOW)
    assert detect.recheck_at(waiting, False, False, TH) == NOW + timedelta(minutes=30)
    assert detect.recheck_at(view(status="SUCC"), False, False, TH) is None


# ---- the deadline-risk formula, against values computed by hand ---------------------------------------------


def test_risk_of_a_job_not_started_without_history():
    """μ = TWS's estimate 1800 s, σ = ¼μ = 450 s; estimated end = scheduled start (now + 10 min) + 30 min =
    now + 40 min; deadline now + 45 min: z = 300 / 450 = 2/3, Φ(2/3) = 0.74751 → 0.748, potential risk."""
    job = view(critical=True, scheduled_start=NOW + timedelta(minutes=10), deadline=NOW + timedelta(minutes=45),
               estimated_duration_s=1800.0)
    assert detect.deadline_risk(job, NOW, None) == (detect.RISK_POTENTIAL, 0.748)


def test_risk_of_a_running_job_with_history():
    """μ = 1200 s, σ = 300 s (5 past runs); started 10 min ago: estimated end = start + 20 min = now + 10 min;
    deadline now + 15 min: z = 300 / 300 = 1, Φ(1) = 0.84134 → 0.841, normal. Deadline now + 5 min: z = −1,
    Φ(−1) = 0.15866 → 0.159, high risk."""
    stats = DurationStats(runs=5, mean_s=1200.0, stdev_s=300.0)
    job = view(critical=True, status="EXEC", start=NOW - timedelta(minutes=10), deadline=NOW + timedelta(minutes=15))
    assert detect.deadline_risk(job, NOW, stats) == (detect.RISK_NORMAL, 0.841)
    assert detect.deadline_risk(replace(job, deadline=NOW + timedelta(minutes=5)), NOW, stats) == (
        detect.RISK_HIGH, 0.159)


def test_risk_spread_never_below_a_minute_and_overrun_jobs_end_now_at_the_earliest():
    """One past run of 100 s: μ = 100 s, σ = max(¼·100, 60) = 60 s. Started 10 min ago (overran μ): estimated end
    = now; deadline now + 30 s: z = 0.5, Φ(0.5) = 0.69146 → 0.691."""
    stats = DurationStats(runs=1, mean_s=100.0, stdev_s=0.0)
    job = view(critical=True, status="EXEC", start=NOW - timedelta(minutes=10), deadline=NOW + timedelta(seconds=30))
    level, confidence = detect.deadline_risk(job, NOW, stats)
    assert confidence == round(0.5 * (1 + math.erf(0.5 / math.sqrt(2))), 3) == 0.691
    assert level == detect.RISK_POTENTIAL


def test_risk_of_finished_and_non_critical_jobs():
    deadline = NOW + timedelta(hours=1)
    assert detect.deadline_risk(view(critical=True, status="SUCC", end=NOW, deadline=deadline), NOW, None) == (
        detect.RISK_NORMAL, 1.0)
    assert detect.deadline_risk(view(critical=True, status="SUCC", end=deadline + timedelta(seconds=1),
                                     deadline=deadline), NOW, None) == (detect.RISK_HIGH, 0.0)
    assert detect.deadline_risk(view(critical=True, status="ABEND", deadline=deadline), NOW, None) == (
        detect.RISK_HIGH, 0.0)
    assert detect.deadline_risk(view(critical=False, deadline=deadline), NOW, None) == ("", None)


# ---- job events -----------------------------------------------------------------------------------------------


def test_status_changes_give_one_event_each():
    held = view(status="HOLD")
    running = view(status="EXEC", start=NOW)
    assert events(known(held), running) == ["job_started"]
    assert events(known(running), running) == []  # unchanged: nothing
    assert events(known(running), view(status="SUCC", start=NOW, end=NOW, return_code=0)) == ["job_completed"]
    assert events(known(running), view(status="ABEND", start=NOW, end=NOW, return_code=8)) == ["job_abended"]
    assert events(None, view(status="ABEND")) == ["job_abended"]  # new to the plan, already abended


def test_stuck_and_late_are_told_once():
    running = view(status="EXEC", start=NOW - timedelta(hours=2))
    assert events(known(running), running, stuck=True) == ["job_stuck"]
    assert events(known(running, stuck=True), running, stuck=True) == []
    waiting = view(status="HOLD", scheduled_start=NOW - timedelta(hours=1))
    assert events(known(waiting), waiting, late=True) == ["job_late"]
    assert events(known(waiting, late=True), waiting, late=True) == []


def test_deadline_risk_is_told_when_it_rises_only():
    job = view(critical=True, status="EXEC", start=NOW, deadline=NOW + timedelta(minutes=30))
    assert events(known(job), job, risk=detect.RISK_POTENTIAL, confidence=0.6) == ["deadline_at_risk"]
    assert events(known(job, risk=detect.RISK_POTENTIAL), job, risk=detect.RISK_HIGH, confidence=0.2) == [
        "deadline_at_risk"]
    assert events(known(job, risk=detect.RISK_HIGH), job, risk=detect.RISK_POTENTIAL, confidence=0.6) == []
    assert events(known(job, risk=detect.RISK_HIGH), job, risk=detect.RISK_HIGH, confidence=0.2) == []
    [warning] = detect.job_events("prod", known(job), job, late=False, stuck=False, risk=detect.RISK_POTENTIAL,
                                  confidence=0.6, th=TH, now=NOW)
    assert warning.severity == "warning" and "60% chance" in warning.message


# ---- workstations and the instance ---------------------------------------------------------------------------


def test_workstation_transitions():
    def types(**kw):
        return [c.type for c in detect.workstation_events("prod", "CPU1", seq=3, **kw)]

    assert types(was_linked=True, was_offline=False, linked=False, offline=False) == ["workstation_unlinked"]
    assert types(was_linked=True, was_offline=False, linked=True, offline=True) == ["workstation_offline"]
    assert types(was_linked=False, was_offline=False, linked=True, offline=False) == ["workstation_linked"]
    assert types(was_linked=None, was_offline=None, linked=False, offline=False) == []  # new: its state is a baseline
    [event] = detect.workstation_events("prod", "CPU1", was_linked=True, was_offline=False, linked=False,
                                        offline=False, seq=3)
    assert event.workstation == "CPU1" and event.severity == "warning"


def test_failure_rate_needs_ten_finished_jobs():
    assert detect.failure_rate(2, 7) == 0.0  # 9 finished: not enough to mean anything
    assert detect.failure_rate(2, 8) == 0.2


@pytest.mark.parametrize("figures, health", [
    ({"rate": 0.11}, "critical"), ({"ws_total": 6, "ws_down": 3}, "critical"), ({"rate": 0.06}, "degraded"),
    ({"ws_total": 6, "ws_down": 1}, "degraded"), ({"stuck": 1}, "degraded"), ({"high_risk": 1}, "degraded"),
    ({"rate": 0.05}, "healthy"), ({}, "healthy"),
])
def test_health_rules(figures, health):
    values = {"rate": 0.0, "ws_total": 6, "ws_down": 0, "stuck": 0, "high_risk": 0, **figures}
    assert detect.health_of(th=TH, **values) == health


def test_health_transitions_give_their_events():
    degraded = detect.health_event("prod", "healthy", "degraded", 4, "1 of 6 workstations unlinked or offline")
    assert (degraded.type, degraded.severity) == ("instance_degraded", "warning")
    assert degraded.message == "TWS instance prod is degraded: 1 of 6 workstations unlinked or offline"
    assert detect.health_event("prod", "degraded", "critical", 5, "x").type == "instance_critical"
    assert detect.health_event("prod", "critical", "healthy", 6, "x").type == "instance_recovered"
    assert detect.health_event("prod", "healthy", "healthy", 7, "x") is None
    assert degraded.dedupe_key != detect.health_event("prod", "healthy", "degraded", 8, "x").dedupe_key


async def test_an_unlinked_workstation_degrades_the_instance_in_a_poll(clean_db, simulator):
    instances.create_instance({"name": "sim", "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    async with HWAClient(simulator.connection()) as client:
        baseline = await snapshot.poll_instance("sim", client, now=simulator.now)
        assert baseline.baseline
        simulator.unlink("CPU_LINUX01")
        result = await snapshot.poll_instance("sim", client, now=simulator.now)
    [degraded] = [e for e in result.events if e.type == "instance_degraded"]
    assert degraded.severity == "warning" and "CPU_LINUX01" not in degraded.message
    assert "1 of" in degraded.message and "workstations unlinked or offline" in degraded.message
