"""The shift report on PostgreSQL: the hand-made shift gives the hand-worked answers (the window's edges, the JSON
`action` of audit entries read with `jsonb`, the open jobs' held lookback), every format through the API, and the
report's counts equal what the events API, the audit log and the jobs API hold there too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from resync_app.reports import shift
from tests.api.test_shift_report_api import assert_counts_match_the_sources
from tests.support import shift_seed
from tests.support.shift_seed import EXPECTED, INSTANCE


def test_the_hand_made_shift_on_postgresql(clean_db):
    from resync_app.db import get_engine

    assert get_engine().dialect.name == "postgresql"
    seeded = shift_seed.seed(datetime(2030, 6, 15, 14, 0, tzinfo=timezone.utc))
    report = shift.build(INSTANCE, shift.Window(seeded.start, seeded.end, ZoneInfo("UTC")), now=seeded.now)
    assert report["totals"] == EXPECTED["totals"]
    assert [r["job_id"] for r in report["abended"]] == EXPECTED["abended"]
    assert [(a["user"], a["action"], a["job_id"], a["result"]) for a in report["actions"]] == EXPECTED["actions"]
    assert {r["job_id"]: r["flags"] for r in report["late"]} == EXPECTED["late"]
    assert [r["job_id"] for r in report["missed"]] == EXPECTED["missed"]
    assert {r["job_id"]: r["reasons"] for r in report["open"]} == EXPECTED["open"]
    assert report["open_counts"] == EXPECTED["open_counts"]
    edge = shift.build(INSTANCE, shift.Window(seeded.start + timedelta(seconds=1), seeded.end + timedelta(seconds=1),
                                              ZoneInfo("UTC")), now=seeded.now)
    assert (edge["totals"]["abended"], edge["totals"]["cancels"]) == (4, 1)  # 06:00:00 out, 14:00:00 in


def test_the_api_and_its_counts_on_postgresql(api, admin_headers, operator_headers):
    seeded = shift_seed.seed()
    params = {"instance": INSTANCE, "from": seeded.start.isoformat(), "to": seeded.end.isoformat()}
    for fmt in ("json", "md", "csv"):
        assert api.get("/api/v1/reports/shift", params={**params, "format": fmt}).status_code == 200
    assert api.get("/api/v1/reports/shift", params={**params, "hours": "x"}).status_code == 422
    for start, end in ((seeded.start, seeded.end), (seeded.at(6, 0, 1), seeded.at(13, 59, 59))):
        assert_counts_match_the_sources(api, admin_headers, operator_headers, INSTANCE, start, end)
