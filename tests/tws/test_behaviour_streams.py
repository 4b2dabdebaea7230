"""Issue 16, D3: job-stream predecessors and the `depth` of the dependency queries (the simulator's stream
dependencies on, and its predecessors answering every ancestor when asked without a depth).

Resync stores a job's direct predecessors only (it sends depth=1), keeps a job stream it follows as a job stream
(not as a job that is missing from the plan), shows it so in the job detail, and puts it on the critical path: a
failed job in that stream blocks the critical job behind it."""

from __future__ import annotations

import httpx
import pytest

from resync_app.tws import dependency_crawl, queries, threats
from resync_app.tws.client import HWAClient
from resync_app.tws_simulator.behaviours import Behaviours
from tests.tws.polling import NAME, configure, poll


@pytest.mark.parametrize("engine_depth", [1, 0], ids=["direct-by-default", "all-ancestors-by-default"])
async def test_stream_predecessors_and_depth(clean_db, simulator_factory, engine_depth):
    sim = simulator_factory(critical_rate=1.0,
                            behaviours=Behaviours(stream_dependencies=1.0, predecessor_depth=engine_depth))
    follower = next(j for j in sim.find_jobs() if j["stream_predecessors"])
    [before_id] = follower["stream_predecessors"]
    before = sim.find_jobs(stream=next(j["stream"] for j in sim.find_jobs() if j["stream_id"] == before_id))
    critical = next(j for j in sim.find_jobs(critical=True, stream=follower["stream"]))
    assert critical["deadline"] and critical["id"] != follower["id"]
    configure(sim)
    async with HWAClient(sim.connection()) as client:
        asked = httpx.get(f"{sim.base_url}/twsd/api/v2/plan/job/{critical['id']}/predecessors",
                          auth=(sim.username, sim.password)).json()
        if engine_depth == 0:  # without a depth, this engine answers every ancestor
            assert asked["count"] > len(critical["predecessors"])
        await poll(sim, client)
        for _ in range(8):  # what the poller does after each poll: a few look-ups, critical jobs first, then upstream
            await dependency_crawl.crawl_dependencies(NAME, client)
            await poll(sim, client)
        detail = queries.job(NAME, critical["id"])
        assert [p["id"] for p in detail["dependencies"]["predecessors"]] == critical["predecessors"]  # direct only
        [stream] = queries.job(NAME, follower["id"])["dependencies"]["predecessors"]
        assert (stream.get("kind"), stream["id"], stream["in_plan"]) == ("stream", before_id, True)
        assert stream["name"] == before[0]["stream"] and stream["jobs"] == len(before)
        path = threats.deadline_threats(NAME, critical["id"], now=sim.now)
        assert before[0]["stream"] in path["path"] and path["complete"]
        assert any(t["kind"] == "stream" and t["id"] == f"stream:{before_id}" for t in path["threats"])
        # a job of the stream it follows fails: the critical job cannot make its deadline without an operator
        failing = before[0]
        sim.script_job(failing["id"], "abend")
        sim.run_until(lambda s: s.job_info(failing["id"])["status"] == "ABEND", step=30)
        await poll(sim, client)
    blocked = threats.deadline_threats(NAME, critical["id"], now=sim.now)
    assert blocked["confidence"] == 0.0 and blocked["estimated_end"] is None
    [stream_threat] = [t for t in blocked["threats"] if t["kind"] == "stream"]
    assert stream_threat["blocking"] and stream_threat["status"] == "ABEND"
    assert "failed job" in stream_threat["reason"]
    assert queries.job(NAME, follower["id"])["dependencies"]["predecessors"][0]["status"] == "ABEND"
