"""Fixtures of the chat tests: the TWS simulator polled into the snapshot, and the fake LLM provider (shared with
tests/llm and tests/tws)."""

from __future__ import annotations

import asyncio
import json

import pytest

from resync_app.tws import instances, snapshot
from resync_app.tws.client import HWAClient
from tests.fakes.llm_server import ToolCall
from tests.llm.conftest import llm, llm_server  # noqa: F401  (fixtures)
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

INSTANCE = "sim"


class Plan:
    """The simulator and the snapshot of it (`poll()` after the simulator changed)."""

    def __init__(self, sim) -> None:
        self.sim = sim

    async def apoll(self) -> None:
        async with HWAClient(self.sim.connection()) as client:
            await snapshot.poll_instance(INSTANCE, client, now=self.sim.now)

    def root_job(self) -> dict:
        return self.sim.find_jobs(root=True)[0]


@pytest.fixture
async def plan(api, simulator) -> Plan:
    """The simulator configured as the only TWS instance (disabled: the background poller leaves it alone, the
    test polls), one job abended, polled."""
    instances.create_instance({"name": INSTANCE, "base_url": simulator.base_url, "username": simulator.username,
                               "password": simulator.password, "enabled": False}, "tests")  # no poller
    handle = Plan(simulator)
    job = handle.root_job()
    simulator.script_job(job["id"], "abend")
    simulator.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND", max_seconds=86400)
    await handle.apoll()
    handle.abended = job
    return handle


def tool_then_answer(tool: str, arguments: dict, say=lambda result: f"From the plan: {result}"):
    """A fake model's reply: first the tool call, then (once a tool result is in the messages) an answer built
    from that result."""

    def reply(messages):
        results = [m["content"] for m in messages if m["role"] == "tool"]
        if results:
            return say(json.loads(results[-1]))
        return [ToolCall(tool, arguments)]

    return reply
