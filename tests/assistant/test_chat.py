"""The chat service against the TWS simulator (polled into the snapshot) and the loopback OpenAI-compatible server:
fast path with no model call, the tool loop with the ledger, context, refusals, stop, actions, feedback."""

from __future__ import annotations

import json

import pytest

from resync_app.assistant import chat, turns
from resync_app.assistant.models import ChatTurn
from resync_app.auth.sessions import Principal
from resync_app.db import session_scope
from tests.assistant.conftest import tool_then_answer
from tests.support.quiet_instance import enable_quietly
from tests.llm.conftest import Behavior, wait_reported


def _posts(srv) -> int:
    return len([r for r in srv.requests if r["method"] == "POST"])


def _turns() -> list[ChatTurn]:
    from sqlmodel import select

    with session_scope() as db:
        return list(db.exec(select(ChatTurn).order_by(ChatTurn.id)))


def _qualified(job: dict) -> str:
    return f"{job['stream']}.{job['name']}"


async def test_a_status_question_is_answered_from_the_plan_with_no_model_call(plan, llm):
    job = plan.abended
    reply = await chat.answer(f"status of job {_qualified(job)}")
    assert reply["fast_path"] is True and reply["model"] is None and reply["route_reason"] is None
    assert job["name"] in reply["answer"] and "**ABEND**" in reply["answer"]
    assert reply["tokens"] == 0 and reply["cost_usd"] == 0.0
    assert reply["footer"] == "answered from the plan, no model used"
    assert [c["name"] for c in reply["tool_calls"]][:1] == ["plan.summary"]
    assert _posts(llm.srv) == 0
    [row] = _turns()
    assert (row.fast_path, row.outcome, row.conversation_id) == (True, "ok", reply["conversation_id"])


async def test_the_model_calls_a_tool_and_answers_with_the_jobs_real_status(plan, llm):
    job = plan.abended
    llm.srv.set_behavior("gpt-4o", Behavior(reply=tool_then_answer(
        "get_job", {"job": _qualified(job)}, lambda r: f"{r['name']} ended {r['status']} (rc {r.get('return_code')})."),
        prompt_tokens=300, completion_tokens=20))
    events = [e async for e in chat.stream(f"why did {_qualified(job)} fail?", user="alice")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "tool" in kinds and "delta" in kinds
    reply = events[-1]["reply"]
    assert reply["answer"].startswith(f"{job['name']} ended ABEND")
    assert reply["fast_path"] is False and reply["model"] == "gpt-4o" and reply["route_reason"] == "complex"
    assert reply["tool_calls"] == [{"name": "get_job", "arguments": {"job": _qualified(job)}}]
    assert reply["tokens"] == 640 and reply["cost_usd"] > 0
    assert reply["footer"].startswith("gpt-4o · complex · 640 tokens · $")
    # the second request carries the tool's result, read from the snapshot
    second = [r for r in llm.srv.requests if r["method"] == "POST"][1]["json"]["messages"]
    tool_message = next(m for m in second if m["role"] == "tool")
    assert json.loads(tool_message["content"])["status"] == "ABEND"
    assert second[0]["role"] == "system"
    for request_id in {r["json"]["metadata"]["resync_request_id"] for r in llm.srv.requests
                       if r["method"] == "POST" and "metadata" in r["json"]} or set():
        await wait_reported(request_id)
    rows = [r for r in llm.rows() if r["outcome"] == "success"]
    assert len(rows) == 2 and {r["purpose"] for r in rows} == {"chat"}
    [row] = _turns()
    assert (row.model, row.route_reason, row.tokens, row.username, row.outcome) == (
        "gpt-4o", "complex", 640, "alice", "ok")
    assert row.cost_usd == pytest.approx(reply["cost_usd"])


async def test_the_last_turns_are_the_context_of_the_next_question(plan, llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply="It abended because of the disk."))
    first = await chat.answer("why did the payroll chain fail?")
    await chat.answer("and how do I fix it?", first["conversation_id"])
    messages = [r for r in llm.srv.requests if r["method"] == "POST"][-1]["json"]["messages"]
    assert [(m["role"], m["content"]) for m in messages[1:]] == [
        ("user", "why did the payroll chain fail?"), ("assistant", "It abended because of the disk."),
        ("user", "and how do I fix it?")]
    other = await chat.answer("why is the sky blue?")  # another conversation: no context
    assert other["conversation_id"] != first["conversation_id"]
    assert len([r for r in llm.srv.requests if r["method"] == "POST"][-1]["json"]["messages"]) == 2


async def test_no_provider_refuses_clearly_while_the_fast_path_still_answers(plan, llm):
    llm.put_provider("openai", enabled=False)
    assert (await chat.answer("what is late?"))["fast_path"] is True
    with pytest.raises(chat.ChatUnavailable) as refused:
        await chat.answer("why did the payroll chain fail?")
    assert "ask an admin to configure a provider" in refused.value.detail
    assert [t.outcome for t in _turns()] == ["ok", "refused"]
    assert _posts(llm.srv) == 0


async def test_a_spent_budget_refuses_and_says_so(plan, llm):
    llm.config(LLM_BUDGET_DAILY_USD=0.0)
    with pytest.raises(chat.ChatUnavailable) as refused:
        await chat.answer("why did the payroll chain fail?")
    assert "budget is spent" in refused.value.detail
    assert (await chat.answer(f"status of job {_qualified(plan.abended)}"))["fast_path"] is True
    assert _posts(llm.srv) == 0


async def test_stop_keeps_the_partial_answer_as_a_stopped_turn(plan, llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply=" ".join(f"word{i}" for i in range(300))))
    events = chat.stream("explain why the plan is late")
    async for event in events:
        if event["type"] == "delta":
            break
    await events.aclose()
    [row] = _turns()
    assert row.outcome == "stopped" and row.answer.startswith("word0") and row.model is None


async def test_an_action_request_is_only_proposed_and_confirming_needs_an_operator(plan, llm, admin_headers):
    job = plan.abended
    reply = await chat.answer(f"rerun {_qualified(job)}", user="admin")
    proposal = reply["confirm"]
    assert reply["intent"] == "action_request" and proposal["action"] == "rerun"
    assert proposal["job_id"] == job["id"] and proposal["read_only"] is False
    assert plan.sim.job_info(job["id"])["runs"] == 1  # nothing done yet
    with pytest.raises(PermissionError):
        await chat.confirm_action(proposal, None)
    admin = Principal(1, "admin", "admin")
    enable_quietly(proposal["instance"])  # a disabled instance refuses actions (409)
    result = await chat.confirm_action(proposal, admin, "127.0.0.1")
    assert result["success"] is True and plan.sim.job_info(job["id"])["runs"] == 2
    audit = llm.api.get("/api/v1/admin/audit?limit=20", headers=admin_headers).json()
    assert any(e["action"] == "tws.job.action" and e["actor"] == "admin" for e in audit)


async def test_the_model_proposes_an_action_through_its_tool_and_nothing_happens(plan, llm):
    job = plan.abended
    llm.srv.set_behavior("gpt-4o", Behavior(reply=tool_then_answer(
        "propose_action", {"job": _qualified(job), "action": "rerun"}, lambda r: "Confirm the rerun below.")))
    reply = await chat.answer(f"please analyse and then rerun {job['name']} if that is the fix", user="oper")
    assert reply["confirm"]["job_id"] == job["id"] and reply["intent"] == "action_request"
    assert plan.sim.job_info(job["id"])["runs"] == 1


async def test_a_read_only_instance_marks_the_proposal(plan, llm):
    from resync_app.tws import instances

    instances.update_instance("sim", {"read_only": True}, "tests")
    reply = await chat.answer(f"rerun {_qualified(plan.abended)}", user="oper")
    assert reply["confirm"]["read_only"] is True


async def test_feedback_needs_the_turns_conversation(plan, llm):
    reply = await chat.answer("what is late?")
    assert turns.set_feedback(reply["turn_id"], -1, "another-conversation") is False
    assert turns.set_feedback(reply["turn_id"], 1, reply["conversation_id"]) is True
    assert turns.history(reply["conversation_id"])[0]["feedback"] == 1
    with pytest.raises(ValueError):
        turns.set_feedback(reply["turn_id"], 5, reply["conversation_id"])


@pytest.mark.parametrize("message, conversation_id, error", [
    ("", None, "message"), ("   ", None, "message"), ("x" * 4001, None, "message"), ("a\x00b", None, "NUL"),
    (42, None, "message"), ("ok?", "bad id!", "conversation_id"), ("ok?", "x" * 65, "conversation_id")])
async def test_bad_input_is_refused_and_nothing_is_stored(api, message, conversation_id, error):
    with pytest.raises(chat.ChatInputError, match=error):
        await chat.answer(message, conversation_id)
    assert _turns() == []
