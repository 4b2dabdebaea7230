"""plan_fields: HWA JSON (as the spec names it) to flat views; tolerant of whatever a real server leaves out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resync_app.tws.plan_fields import STATUSES, job_view, stream_view, workstation_view
from resync_app.tws.plan_values import format_duration, parse_duration, parse_time


@pytest.mark.parametrize("text, seconds", [
    ("PT4H20S", 4 * 3600 + 20), ("PT1H2M3.5S", 3723.5), ("P1DT2H", 26 * 3600), ("PT0S", 0.0), (90000, 90.0),
    ("-PT5M", -300.0), ("", None), ("P", None), ("5 minutes", None), (None, None), (True, None),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_format_duration_round_trips():
    for seconds in (0, 59, 60, 3599, 3723, 90061):
        assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("value, expected", [
    ("2025-12-01T23:00:00.000Z", datetime(2025, 12, 1, 23, tzinfo=timezone.utc)),
    ("2025-12-01T23:00:00+01:00", datetime(2025, 12, 1, 22, tzinfo=timezone.utc)),
    ("2025-12-01T23:00:00", datetime(2025, 12, 1, 23, tzinfo=timezone.utc)),
    (1764630000000, datetime(2025, 12, 1, 23, tzinfo=timezone.utc)),
    ("yesterday", None), (None, None),
])
def test_parse_time_is_always_aware(value, expected):
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_job_view_of_a_full_object():
    obj = {
        "id": "j1", "name": "EXTRACT_EMP", "jobStreamName": "PAYROLL_DAILY", "jobStreamId": "s1",
        "workstation": "CPU_LINUX01", "priority": 10, "jobOptions": {"critical": True},
        "jobStatusFlags": {"jobLate": True, "deadlineHasPassed": False},
        "lastRunCompositeStatus": {"status": "ABEND", "substatus": None}, "lastRunCommonStatus": "ERROR",
        "timeRestrictions": {"startTime": "2026-03-02T01:00:00Z", "deadlineTime": "2026-03-02T03:00:00Z"},
        "criticalStart": "2026-03-02T02:30:00Z", "confidenceInterval": "95",
        "dependencies": [{"dependencyType": "INTERNAL", "jobId": "j0"},
                         {"dependencyType": "RESOURCE", "id": "r1"},
                         {"dependencyType": "EXTERNAL_JOB", "jobId": "x9"}],
        "jobruns": [
            {"id": "r-old", "jobNumber": 101, "lastInRerunChain": False, "returnCode": 12,
             "compositeStatus": {"status": "ABEND"}},
            {"id": "r-new", "jobNumber": 205, "lastInRerunChain": True, "returnCode": 8,
             "timeInfo": {"actualStartTime": "2026-03-02T01:00:05Z", "actualEndTime": "2026-03-02T01:03:05Z",
                          "estimatedDuration": "PT2M30S", "elapsedTime": "PT3M"}},
        ],
    }
    view = job_view(obj)
    assert (view.status, view.internal_status, view.common_status) == ("ABEND", "ABEND", "ERROR")
    assert (view.run_id, view.run_number, view.run_count, view.return_code) == ("r-new", 205, 2, 8)
    assert view.end - view.start == timedelta(minutes=3) and view.elapsed_s == 180.0
    assert view.estimated_duration_s == 150.0 and view.critical and view.late and not view.deadline_passed
    assert view.predecessors == ["j0", "x9"]
    assert view.deadline == datetime(2026, 3, 2, 3, tzinfo=timezone.utc)
    assert view.critical_start < view.deadline and view.confidence_interval == "95"
    assert view.key == "CPU_LINUX01#PAYROLL_DAILY.EXTRACT_EMP"
    assert view.status in STATUSES


def test_views_of_sparse_objects_never_raise():
    view = job_view({"id": "x", "jobruns": "not a list?", "priority": "high"})
    assert (view.id, view.status, view.run_number, view.priority, view.start) == ("x", "", 0, None, None)
    assert job_view({}).predecessors == []
    ws = workstation_view({"name": "W", "activeStates": ["FULLY_LINKED", "JOBMAN_UP"]})
    assert (ws.link_status, ws.running, ws.offline) == ("LINKED", True, False)  # no ONLINE proves nothing (D6)
    ws = workstation_view({"name": "W", "activeStates": ["LINKED"],
                           "activeFlags": ["DISABLED_DEACTIVE_JOB_LAUNCHING_FLAG"]})
    assert (ws.link_status, ws.running, ws.offline) == ("LINKED", False, True)
    assert workstation_view({}).link_status == "UNLINKED"
    stream = stream_view({"originalJobStreamName": "S", "compositeStatus": {"status": "EXEC"},
                          "jobStreamStats": {"numberOfJob": 4, "numberOfAbendedJob": 1}})
    assert (stream.name, stream.status, stream.jobs_total, stream.jobs_abend) == ("S", "EXEC", 4, 1)


def test_held_job():
    view = job_view({"lastRunCompositeStatus": {"status": "HOLD", "substatus": "HOLD_PRIORITY_ZERO"}})
    assert view.held
