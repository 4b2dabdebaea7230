"""What the realtime producer builds from the shared snapshot: KPIs = the summary's counts, the workstation grid with
link state, the event feed newest first (the page notifies new critical events from it: data, never code) and the
health banner."""

from __future__ import annotations

import pytest

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


def test_the_feed_carries_what_the_page_notifies_as_data(plan):
    """Browser notifications of new critical events are shown by the page's own hook from the pushed feed
    (`components/event_notifier.py`; the browser test of /realtime-dashboard sees one): the feed holds each event's
    id, severity, type and message as data; no code is built or pushed."""
    hostile = 'JOB_1 "abended"\'); alert(1); //'
    _event(1, "critical", hostile)
    values = realtime.build("")
    top = values["events"][0]
    assert (top.severity, top.type, top.message) == ("critical", "job_abended", hostile)
    assert top.id == values["last_event_id"] > 0
    assert not hasattr(realtime, "new_critical_notices")
