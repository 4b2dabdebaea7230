"""The gateway's function calling and streaming against the loopback provider (LiteLLM's real clients)."""

from __future__ import annotations

import json

from resync_app.llm.gateway_types import CallResult
from tests.fakes.llm_server import ToolCall
from tests.llm.conftest import Behavior, wait_reported

TOOLS = [{"type": "function", "function": {
    "name": "get_job", "description": "one job", "parameters": {
        "type": "object", "properties": {"job": {"type": "string"}}, "required": ["job"]}}}]


def _tool_then_answer(messages):
    if any(m["role"] == "tool" for m in messages):
        return "PAYROLL_DAILY is ABEND (from the plan)."
    return [ToolCall("get_job", {"job": "PAYROLL_DAILY"})]


async def test_complete_returns_the_models_tool_calls_and_sends_the_tools(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply=_tool_then_answer))
    messages = [{"role": "user", "content": "why did PAYROLL_DAILY fail?"}]
    result = await llm.gateway.complete(messages, purpose="chat", tools=TOOLS)
    assert result.text == "" and [(c["name"], json.loads(c["arguments"])) for c in result.tool_calls] == [
        ("get_job", {"job": "PAYROLL_DAILY"})]
    assert llm.srv.requests[-1]["json"]["tools"][0]["function"]["name"] == "get_job"
    await wait_reported(result.request_id)
    assert [(r["purpose"], r["outcome"]) for r in llm.rows(result.request_id)] == [("chat", "success")]


async def test_stream_yields_pieces_then_the_result_and_lands_in_the_ledger(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply="one two three four", prompt_tokens=40, completion_tokens=4))
    pieces, result = [], None
    async for item in llm.gateway.stream([{"role": "user", "content": "explain the plan"}], purpose="chat"):
        if isinstance(item, CallResult):
            result = item
        else:
            pieces.append(item)
    assert "".join(pieces) == "one two three four" and len(pieces) >= 4
    assert result is not None and (result.prompt_tokens, result.completion_tokens) == (40, 4)
    assert result.model == "gpt-4o" and result.route_reason == "complex" and result.cost_usd > 0
    assert llm.srv.requests[-1]["json"]["stream"] is True
    await wait_reported(result.request_id)
    rows = llm.rows(result.request_id)
    assert [(r["purpose"], r["outcome"], r["prompt_tokens"], r["completion_tokens"]) for r in rows] == [
        ("chat", "success", 40, 4)]


async def test_streamed_tool_calls_are_joined_from_their_fragments(llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply=_tool_then_answer))
    items = [i async for i in llm.gateway.stream([{"role": "user", "content": "why did it fail?"}], tools=TOOLS)]
    result = items[-1]
    assert isinstance(result, CallResult) and items[:-1] == []
    assert [(c["name"], json.loads(c["arguments"])) for c in result.tool_calls] == [
        ("get_job", {"job": "PAYROLL_DAILY"})]


async def test_a_stream_closed_early_is_recorded_and_releases_its_budget_hold(llm):
    from resync_app.llm.budget import guard

    llm.srv.set_behavior("gpt-4o", Behavior(reply=" ".join(f"w{i}" for i in range(200))))
    stream = llm.gateway.stream([{"role": "user", "content": "explain everything"}])
    first = await stream.__anext__()
    assert first and guard.status()["daily"]["in_flight_usd"] > 0
    await stream.aclose()
    llm.flush()
    rows = llm.rows(error_class="Cancelled")
    assert len(rows) == 1 and rows[0]["outcome"] == "error" and rows[0]["purpose"] == "chat"
    assert guard.status()["daily"]["in_flight_usd"] == 0
