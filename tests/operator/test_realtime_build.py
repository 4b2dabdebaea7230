"""What the realtime producer builds from the shared snapshot: KPIs = the summary's counts, the workstation grid with
link state, the event feed newest first, the health banner, and browser notifications only for critical events
that are new since the previous build (and only when enabled; the event text is quoted, never code)."""

from __future__ import annotations

import json

import pytest

from resync_app.config.store import get_store
from resync_app.db import session_scope, utcnow
from resync_app.live import realtime
from resync_app.tws import queries
from resync_app.tws.models import TwsEvent
from tests.support.plan_seed import seed_plan

NAME = "live"


def _event(n: int, severity: str, message: str) -> None:
    with session_scope() as db:
        db.add(TwsEvent(instance=NAME, type="job_abended", severity=severity, message=message, job=f"JOB_{n}",
                        dedupe_key=f"{NAME}:test:{n}", at=utcnow()))


@pytest.fixture
def plan(clean_db):
    counts = seed_plan(NAME, 500, seed=9)
    realtime.cache.clear()
    return counts


def test_the_build_reads_the_snapshot(plan):
    _event(1, "warning", "JOB_1 is late")
    _event(2, "critical", "JOB_2 abended")
    values = realtime.build("")
    assert {k.key: k.value for k in values["kpis"]} == {key: plan[key] for key, *_ in realtime.KPIS}
    assert [e.message for e in values["events"]] == ["JOB_2 abended", "JOB_1 is late"]
    assert values["last_event_id"] == values["events"][0].id
    states = {w.name: w.state for w in values["workstations"]}
    assert len(states) == 25 and states["CPU_00"] == "unlinked" and states["CPU_01"] == "linked"
    assert values["health"] == "degraded" and values["health_text"].startswith("Degraded")
    assert values["as_of"] and values["updated"] and values["stale_since"] == ""
    assert values["chart"].layout.annotations[0].text == "No poll yet today"


def test_the_chart_has_one_point_per_bucket_of_the_day(plan):
    from datetime import timedelta

    from resync_app.tws.models import TwsPollLog

    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    times = [t for t in (midnight + timedelta(minutes=m) for m in range(0, 24 * 60, 3)) if t <= now]
    with session_scope() as db:
        for i, at in enumerate(times):
            db.add(TwsPollLog(instance=NAME, at=at, running=i, completed=2 * i, failed=1, total=500))
        db.add(TwsPollLog(instance=NAME, at=midnight - timedelta(minutes=5), running=999))  # yesterday
    figure = realtime.build(NAME)["chart"]
    assert [trace.name for trace in figure.data] == ["Running", "Completed", "Failed", "Pending", "Late", "Stuck"]
    buckets = {int(t.timestamp()) // realtime.CHART_BUCKET_S for t in times}
    running = list(figure.data[0].y)
    assert len(running) == len(buckets) and 999 not in running
    assert running == sorted(running)  # the last poll of each bucket, oldest first


def test_a_stale_instance_says_since_when(plan):
    from resync_app.tws.models import TwsSummary

    with session_scope() as db:
        row = db.get(TwsSummary, NAME)
        row.stale_since = utcnow()
        db.add(row)
    values = realtime.build(NAME)
    assert values["health"] == "critical" and "unreachable since" in values["health_text"]
    assert values["stale_since"] == queries.summary(NAME)["stale_since"][11:19]


def test_no_instance_gives_an_empty_dashboard(clean_db):
    values = realtime.build("")
    assert values["health"] == "unknown" and "No TWS instance" in values["health_text"]
    assert all(k.value == 0 for k in values["kpis"])


def test_notifications_only_for_new_critical_events(plan):
    _event(1, "critical", "old")
    old = realtime.build("")
    wire = lambda v: {"last_event_id": v["last_event_id"], "events": [e.__dict__ for e in v["events"]]}  # noqa: E731
    _event(2, "warning", "not critical")
    _event(3, "critical", 'JOB_3 "abended"\'); alert(1); //')
    new = realtime.build("")
    notices = realtime.new_critical_notices(wire(old), wire(new))
    assert len(notices) == 1 and notices[0]["name"] == "_call_script"
    script = notices[0]["payload"]["javascript_code"]
    assert json.dumps('JOB_3 "abended"\'); alert(1); //') in script  # quoted as a JSON string literal
    assert len(realtime.new_critical_notices({"last_event_id": 0}, wire(new))) == 2  # after an empty feed: both
    assert get_store().update({"tws_browser_notifications_enabled": False}, actor="tests").success
    assert realtime.new_critical_notices(wire(old), wire(new)) == []
