"""/monitoring's reads over seeded plans of 50 000 and 500 jobs: paging, sorting, filtering and counts run in SQL
(same service as `GET /api/v1/tws/jobs`), chip counts agree with the filtered counts, every filter and sort of the
page pages in index order (no sort of the whole plan), and the drawer's job detail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from resync_app.db import get_engine
from resync_app.state.monitoring import ALL, FLAGS, PAGE_SIZE, SORTS, MonitoringState, chips, job_row
from resync_app.tws import queries
from resync_app.tws.plan_fields import RUNNING_STATUSES
from tests.support import dbutil
from tests.support.plan_seed import seed_plan

BIG, SMALL = "big", "small"


@pytest.fixture(scope="module")
def plans(database_url):
    dbutil.use_database(database_url)
    dbutil.clean_tables()
    dbutil.reset_services()
    big = seed_plan(BIG, 50_000, seed=3)
    small = seed_plan(SMALL, 500, seed=4)
    yield {BIG: big, SMALL: small}
    dbutil.clean_tables()


def _page(instance: str, **args) -> dict:
    return queries.jobs(instance, limit=PAGE_SIZE, **args)


def test_pages_cover_a_filter_once_without_overlap(plans):
    seen: list[str] = []
    offset, count = 0, None
    while True:
        page = _page(BIG, status="ABEND", sort="-duration", offset=offset)
        count = page["count"]
        if not page["results"]:
            break
        assert len(page["results"]) <= PAGE_SIZE
        seen += [r["id"] for r in page["results"]]
        offset += PAGE_SIZE
    assert len(seen) == len(set(seen)) == count == plans[BIG]["status:ABEND"]
    durations = [r["duration_s"] for r in queries.jobs(BIG, status="ABEND", sort="-duration", limit=500)["results"]]
    assert durations == sorted(durations, reverse=True)


@pytest.mark.parametrize("column", list(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways(plans, column, descending):
    key = SORTS[column]
    page = _page(BIG, sort=("-" if descending else "") + key, offset=PAGE_SIZE * 3)
    field = {"name": "name", "job_stream": "job_stream", "duration": "duration_s"}.get(key, key)
    # a running job's duration is computed on read (its stored one is NULL): only stored ones are ordered
    values = [r[field] for r in page["results"] if field != "duration_s" or r["status"] not in RUNNING_STATUSES]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    assert len(page["results"]) == PAGE_SIZE and page["count"] == 50_000


def test_chip_counts_are_the_filtered_counts(plans):
    summary = queries.summary(BIG)
    found = {chip.key: chip.count for chip in chips(summary)}
    assert found[ALL] == 50_000
    for key, count in found.items():
        if key == ALL:
            continue
        args = FLAGS.get(key, {"status": key})
        assert _page(BIG, **args)["count"] == count, key
    assert found["late"] == plans[BIG]["late"] > 0 and found["stuck"] == plans[BIG]["stuck"] > 0
    assert found["at_risk"] == plans[BIG]["at_risk"] > 0


def test_flag_filters_return_only_flagged_rows(plans):
    for key in ("late", "stuck"):
        rows = _page(BIG, **FLAGS[key], sort="-start")["results"]
        assert rows and all(r[key] for r in rows)
    risky = _page(BIG, at_risk=True, sort="confidence")["results"]
    assert risky and all(r["critical"] and r["risk"] in ("potential", "high") for r in risky)
    assert [job_row(r).flag for r in _page(BIG, status="ABEND")["results"]] == ["abend"] * PAGE_SIZE


def test_search_and_status_together(plans):
    page = _page(BIG, q="stream_0042", status="SUCC")
    assert page["results"] and all(r["job_stream"] == "STREAM_0042" and r["status"] == "SUCC"
                                   for r in page["results"])
    assert _page(BIG, q="no such job anywhere")["count"] == 0


def test_a_big_plan_pages_in_index_order(plans):
    """Each filter/sort of the page reads the plan in an index's order: SQLite never sorts the 50 000 rows (no
    temporary B-tree), so a page of the big plan costs what a page of the small one costs."""
    from sqlalchemy.dialects import sqlite

    from resync_app.tws.models import TwsPlanJob
    from sqlalchemy import and_, select

    shapes = [({}, "name"), ({}, "return_code"), ({}, "-start"), ({"status": "ABEND"}, "name"),
              ({"status": "SUCC"}, "-duration"), ({"late": True}, "name"), ({"stuck": True}, "name")]
    for where, sort in shapes:
        column = queries.SORT_KEYS[sort.lstrip("-")]
        conditions = [TwsPlanJob.instance == BIG] + [getattr(TwsPlanJob, k) == v for k, v in where.items()]
        query = select(TwsPlanJob.job_id).where(and_(*conditions)).order_by(*column, TwsPlanJob.job_id).limit(50)
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        with get_engine().connect() as conn:
            plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "TEMP B-TREE" not in plan, (where, sort, plan)


def test_job_detail_for_the_drawer(plans):
    first = _page(SMALL, sort="name")["results"][0]
    detail = queries.job(SMALL, first["id"])
    assert detail["name"] == first["name"] and set(detail["dependencies"]) == {"predecessors", "successors"}
    assert queries.job(SMALL, "NO_SUCH_JOB") is None


def test_monitoring_state_keeps_only_one_page(plans):
    """The tab's state holds one page: its vars are the rows of the page, never the plan."""
    fields = MonitoringState.get_fields()
    assert "rows" in fields and PAGE_SIZE == 50
    assert not any(name.startswith("_") and "plan" in name for name in fields)


def test_a_page_turn_past_the_end_lands_on_the_last_page(plans):
    from resync_app.state.monitoring import load_page

    view = load_page(BIG, filter="ABEND", sort="duration", descending=True, page=10**6)
    assert view["count"] == plans[BIG]["status:ABEND"]
    assert view["page"] == (view["count"] - 1) // PAGE_SIZE and 0 < len(view["rows"]) <= PAGE_SIZE
    assert {row.status for row in view["rows"]} == {"ABEND"} and view["chips"][0].count == 50_000


def test_a_search_pages_by_id_and_follows_the_next_poll(plans):
    from resync_app.db import session_scope
    from resync_app.tws.models import TwsPlanJob, TwsSummary

    first = _page(BIG, q="stream_0042", sort="-name")
    assert first["count"] == 20 and [r["name"] for r in first["results"]] == sorted(
        (r["name"] for r in first["results"]), reverse=True)
    ids = [r["id"] for r in first["results"]]
    assert [r["id"] for r in _page(BIG, q="stream_0042", sort="-name", offset=10)["results"]] == ids[10:]
    dense = _page(BIG, q="JOB_1", sort="start", offset=5000)  # JOB_10000…19999: pages of the kept ids, in order
    starts = [r["start"] for r in dense["results"] if r["start"]]
    assert dense["count"] == 10_000 and len(dense["results"]) == PAGE_SIZE and starts == sorted(starts)
    with session_scope() as db:  # the next poll renames a job into the search and bumps poll_seq
        row = db.get(TwsPlanJob, (BIG, "BIG000900"))  # JOB_00900, of STREAM_0045
        row.job_stream = "STREAM_0042"
        db.add(row)
        summary = db.get(TwsSummary, BIG)
        summary.poll_seq += 1
        db.add(summary)
    assert _page(BIG, q="stream_0042")["count"] == 21
