"""HWA paging has a cap (issue 15 item 13): a server whose `next` links never end makes the query fail clearly after
`max_pages` pages or `max_items` items, instead of growing the poller's memory for ever. The loopback server
(tests/fakes/hwa_stub.py) answers every page of `plan/job` with a `next` link to the following offset."""

from __future__ import annotations

import pytest

from resync_app.db import session_scope
from resync_app.tws import instances
from resync_app.tws.client import MAX_ITEMS, MAX_PAGES, HWAClient
from resync_app.tws.connection import Connection
from resync_app.tws.errors import TWSBadAnswer
from resync_app.tws.models import TwsSummary
from resync_app.tws.snapshot import PAGE_SIZE, poll_instance
from tests.fakes.hwa_stub import HwaStub


def _connection(stub: HwaStub) -> Connection:
    return Connection(base_url=stub.base_url, username="ops", password="stub-password", retries=0, name="stub")


async def test_endless_next_links_stop_at_the_page_cap():
    with HwaStub(endless_pages=True, page_size=3) as stub:
        async with HWAClient(_connection(stub), max_pages=40) as client:
            with pytest.raises(TWSBadAnswer) as caught:
                await client.jobs()
        assert len(stub.paths("/plan/job?")) == 40  # not one request more
    assert "more than 40 pages" in caught.value.message and "paging does not end" in caught.value.message


async def test_endless_next_links_stop_at_the_item_cap():
    with HwaStub(endless_pages=True, page_size=100) as stub:
        async with HWAClient(_connection(stub), max_items=250) as client:
            with pytest.raises(TWSBadAnswer) as caught:
                await client.jobs()
        assert len(stub.paths("/plan/job?")) == 3
    assert "more than 250 items" in caught.value.message


async def test_a_plan_that_ends_is_read_whole(simulator):
    async with HWAClient(simulator.connection(), max_pages=5) as client:
        jobs = await client.jobs(page_size=30)  # 120 jobs: 4 pages, within the cap
    assert len(jobs) == len(simulator.find_jobs())


async def test_the_poll_fails_clearly_and_keeps_the_last_good_snapshot(clean_db):
    with HwaStub(endless_pages=True, page_size=PAGE_SIZE) as stub:
        instances.create_instance({"name": "stub", "base_url": stub.base_url, "username": "ops",
                                   "password": "stub-password", "enabled": False}, "tests")
        async with HWAClient(instances.get_instance("stub").connection(retries=0), max_pages=12) as client:
            result = await poll_instance("stub", client)
        assert len(stub.paths("/plan/job?")) == 12
    assert not result.ok and result.error_kind == "bad_answer"
    assert "more than 12 pages" in result.error
    with session_scope() as db:
        summary = db.get(TwsSummary, "stub")
        assert summary.stale_since is not None and "paging does not end" in summary.last_error
        assert summary.total == 0  # nothing of the endless answer was stored


def test_the_default_caps_hold_the_largest_plans():
    assert MAX_PAGES * PAGE_SIZE >= 50_000 * 10 and MAX_ITEMS >= 50_000 * 5
