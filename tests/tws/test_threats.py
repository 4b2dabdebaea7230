"""What threatens a critical job's deadline: the critical path through the crawled predecessors, against the
simulator (polls and the dependency crawl driven by the test, on the virtual clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from resync_app.tws import instances, queries
from resync_app.tws.client import HWAClient
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.threats import deadline_threats
from tests.support.polling import poll_and_crawl

NAME = "sim"


@pytest.fixture
def sim(clean_db, simulator):
    instances.create_instance({"name": NAME, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password}, "tests")
    return simulator


@pytest.fixture
async def client(sim):
    async with HWAClient(sim.connection()) as hwa:
        yield hwa


def critical_with_chain(sim) -> tuple[dict, dict]:
    """A critical job and one of its direct predecessors that has not run yet."""
    for crit in sim.find_jobs(critical=True):
        for pred_id in crit["predecessors"]:
            pred = sim.job_info(pred_id)
            if pred["status"] in ("HOLD", "READY", "WAIT"):
                return crit, pred
    pytest.skip("the simulated plan has no critical job with a pending predecessor")  # seed 7 has one


async def test_a_quiet_plan_lists_the_path_and_no_job_misses(sim, client):
    await poll_and_crawl(NAME, sim, client)
    crit, pred = critical_with_chain(sim)
    view = deadline_threats(NAME, crit["id"], now=sim.now)
    assert view["job"] == crit["name"] and view["deadline"] is not None and view["complete"] is True
    assert pred["id"] in [t["id"] for t in view["threats"]]
    assert view["path"][-1] == crit["name"] and len(view["path"]) >= 2
    slacks = [t["slack_s"] for t in view["threats"] if t["slack_s"] is not None]
    assert slacks == sorted(slacks)  # least slack first
    assert 0.0 <= view["confidence"] <= 1.0 and view["risk"] in ("normal", "potential", "high")
    # the headline is the poll's network estimate (CONTRACT §13), the same numbers as the job's row
    row = queries.job(NAME, crit["id"])
    assert row["estimated_end"] is not None and view["estimated_end"] == row["estimated_end"]
    assert view["confidence"] == round(row["confidence"], 3)
    # the same job by name and by STREAM.NAME
    assert deadline_threats(NAME, crit["name"], now=sim.now)["job_id"] == crit["id"]
    assert deadline_threats(NAME, f"{crit['stream']}.{crit['name']}", now=sim.now)["job_id"] == crit["id"]


async def test_a_failed_predecessor_blocks_the_path_and_comes_first(sim, client):
    await poll_and_crawl(NAME, sim, client)
    crit, pred = critical_with_chain(sim)
    before = deadline_threats(NAME, crit["id"], now=sim.now)
    chain_root = next(j for j in sim.find_jobs(root=True) if j["id"] in _upstream(sim, pred["id"]) or
                      j["id"] == pred["id"])
    sim.script_job(chain_root["id"], "abend")
    sim.run_until(lambda s: s.job_info(chain_root["id"])["status"] == "ABEND")
    await poll_and_crawl(NAME, sim, client, rounds=2)
    after = deadline_threats(NAME, crit["id"], now=sim.now)
    assert after["confidence"] == 0.0 and after["risk"] == "high"
    first = after["threats"][0]
    assert first["id"] == chain_root["id"] and first["slack_s"] is None and "ABEND" in first["reason"]
    assert after["confidence"] <= before["confidence"]
    assert chain_root["name"] in after["explanation"]


async def test_an_overrunning_predecessor_eats_the_slack(sim, client):
    await poll_and_crawl(NAME, sim, client)
    crit, pred = critical_with_chain(sim)
    start = datetime.fromisoformat(pred["at"])
    sim.script_job(pred["id"], "stuck")
    sim.run_until(lambda s: s.job_info(pred["id"])["status"] == "EXEC", max_seconds=48 * 3600)
    await poll_and_crawl(NAME, sim, client, rounds=1)
    early = next(t for t in deadline_threats(NAME, crit["id"], now=sim.now)["threats"] if t["id"] == pred["id"])
    sim.advance(hours=6)  # it keeps running: its estimated end moves with the clock
    await poll_and_crawl(NAME, sim, client, rounds=1)
    late = next(t for t in deadline_threats(NAME, crit["id"], now=sim.now)["threats"] if t["id"] == pred["id"])
    assert late["slack_s"] < early["slack_s"]
    assert "running since" in late["reason"]
    assert start <= datetime.fromisoformat(late["estimated_end"]) - timedelta(hours=6)


def test_unknown_job_and_instance(clean_db, sim):
    assert deadline_threats(NAME, "NO_SUCH_JOB") is None
    with pytest.raises(UnknownInstance):
        deadline_threats("nope", "X")


def _upstream(sim, job_id: str) -> set[str]:
    seen, todo = set(), [job_id]
    while todo:
        current = todo.pop()
        for pred in sim.job_info(current)["predecessors"]:
            if pred not in seen:
                seen.add(pred)
                todo.append(pred)
    return seen
