"""Issue 18, "Also": an action request from someone who is not signed in says to sign in to act — no proposal they
cannot confirm — on the fast path and when the model proposes the action, through the API and the service."""

from __future__ import annotations

import json

from resync_app.assistant import chat
from tests.assistant.conftest import tool_then_answer
from tests.conftest import OPERATOR_PASSWORD, OPERATOR_USER, basic
from tests.llm.conftest import Behavior

CHAT = "/api/v1/chat"


def _qualified(job) -> str:
    return f"{job['stream']}.{job['name']}"


def test_an_anonymous_action_request_says_to_sign_in_through_the_api(plan, llm):
    job = plan.abended
    answer = llm.api.post(CHAT, json={"message": f"rerun {_qualified(job)}"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["confirm"] is None and "action_route" not in data
    assert f"Sign in to rerun `{_qualified(job)}`" in data["answer"] and "(/login?next=/)" in data["answer"]
    assert "Nothing was done" in data["answer"] and "ABEND" in data["answer"]  # the job's state is still shown
    assert data["fast_path"] is True and plan.sim.job_info(job["id"])["runs"] == 1


def test_signed_in_operators_get_the_proposal_with_a_token_or_basic(plan, llm, operator_headers):
    job = plan.abended
    for headers in (operator_headers, basic(OPERATOR_USER, OPERATOR_PASSWORD)):
        data = llm.api.post(CHAT, json={"message": f"hold {_qualified(job)}"}, headers=headers).json()
        assert data["confirm"]["action"] == "hold" and data["action_route"].endswith(f"/{job['id']}/action")
        assert "Sign in to" not in data["answer"]


async def test_a_model_proposal_for_an_anonymous_user_is_dropped_with_the_sign_in_note(plan, llm):
    job = plan.abended
    llm.srv.set_behavior("gpt-4o", Behavior(reply=tool_then_answer(
        "propose_action", {"job": _qualified(job), "action": "cancel"}, lambda result: "Done as asked.")))
    reply = await chat.answer(f"please analyse and then cancel {job['name']} if that is the fix", user=None)
    assert reply["confirm"] is None and reply["intent"] is None
    assert reply["answer"].startswith("Done as asked.") and f"Sign in to cancel `{job['name']}`" in reply["answer"]
    tool_message = [m for r in llm.srv.requests if r["method"] == "POST" for m in r["json"]["messages"]
                    if m["role"] == "tool"][-1]
    assert json.loads(tool_message["content"])["proposed"] is False and "not signed in" in tool_message["content"]
    assert plan.sim.job_info(job["id"])["runs"] == 1
