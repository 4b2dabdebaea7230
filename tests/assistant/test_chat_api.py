"""`POST /api/v1/chat`, `/chat/feedback`, `/chat/history` through the real ASGI app (CONTRACT §9): the answer's
shape, 503 refusals, 422s, NUL bytes, no action ever performed, the public rate limit, the sign-in switch."""

from __future__ import annotations

import pytest

from tests.assistant.conftest import tool_then_answer
from tests.llm.conftest import Behavior

CHAT = "/api/v1/chat"
KEYS = {"conversation_id", "answer", "fast_path", "model", "route_reason", "tokens", "cost_usd", "tool_calls"}


def _ask(api, message, **extra):
    return api.post(CHAT, json={"message": message, **extra})


def test_a_fast_path_answer_has_the_contract_shape(plan, llm):
    job = plan.abended
    answer = _ask(llm.api, f"status of job {job['stream']}.{job['name']}")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert KEYS <= set(data) and data["fast_path"] is True and data["model"] is None
    assert data["route_reason"] is None and data["tokens"] == 0 and data["cost_usd"] == 0
    assert "ABEND" in data["answer"] and data["tool_calls"][0]["name"] == "plan.summary"


def test_a_model_answer_lists_its_tool_calls_and_the_conversation_continues(plan, llm):
    job = plan.abended
    llm.srv.set_behavior("gpt-4o", Behavior(reply=tool_then_answer(
        "deadline_threats", {"job": job["id"]}, lambda r: f"{r['job']} is {r['status']}.")))
    first = _ask(llm.api, f"why did {job['name']} fail and what is at risk?").json()
    assert first["fast_path"] is False and first["model"] == "gpt-4o" and first["route_reason"] == "complex"
    assert first["answer"] == f"{job['name']} is ABEND." and first["tokens"] > 0 and first["cost_usd"] > 0
    assert first["tool_calls"] == [{"name": "deadline_threats", "arguments": {"job": job["id"]}}]
    llm.srv.set_behavior("gpt-4o", Behavior(reply="Because of the disk."))
    second = _ask(llm.api, "why exactly?", conversation_id=first["conversation_id"]).json()
    history = llm.api.get(f"{CHAT}/history", params={"conversation_id": first["conversation_id"]}).json()
    assert [t["id"] for t in history["turns"]] == [first["turn_id"], second["turn_id"]]
    assert history["turns"][0]["footer"].startswith("gpt-4o · complex · ")
    assert "username" not in history["turns"][0]


def test_no_provider_is_503_with_what_to_ask_unless_the_fast_path_answers(plan, llm):
    llm.put_provider("openai", enabled=False)
    refused = _ask(llm.api, "why did everything fail tonight?")
    assert refused.status_code == 503 and set(refused.json()) == {"detail"}
    assert "ask an admin to configure a provider" in refused.json()["detail"]
    assert _ask(llm.api, "what is late?").status_code == 200


def test_an_action_request_is_answered_with_the_proposal_never_performed(plan, llm, operator_headers):
    job = plan.abended
    data = llm.api.post(CHAT, json={"message": f"rerun {job['stream']}.{job['name']}"},
                        headers=operator_headers).json()
    assert data["confirm"]["action"] == "rerun" and data["confirm"]["job_id"] == job["id"]
    assert data["action_route"] == f"/api/v1/tws/jobs/{job['id']}/action"
    assert "never acts" in data["answer"]
    assert plan.sim.job_info(job["id"])["runs"] == 1


def test_feedback_route(plan, llm):
    data = _ask(llm.api, "what is late?").json()
    body = {"turn_id": data["turn_id"], "conversation_id": data["conversation_id"], "value": -1}
    answer = llm.api.post(f"{CHAT}/feedback", json=body).json()
    assert {k: answer[k] for k in ("success", "turn_id", "feedback")} == {"success": True,
                                                                         "turn_id": data["turn_id"], "feedback": -1}
    assert llm.api.post(f"{CHAT}/feedback", json={**body, "value": 3}).status_code == 422
    assert llm.api.post(f"{CHAT}/feedback", json={**body, "conversation_id": "other"}).status_code == 404
    assert llm.api.post(f"{CHAT}/feedback", json={**body, "turn_id": 10**9}).status_code == 404
    assert llm.api.post(f"{CHAT}/feedback", json={"turn_id": "x"}).status_code == 422


@pytest.mark.parametrize("body", [None, {}, {"message": ""}, {"message": 5}, {"message": "x" * 4001},
                                  {"message": "hi", "conversation_id": "no spaces please"},
                                  {"message": "hi", "conversation_id": "x" * 65}, [1, 2]])
def test_bad_bodies_are_422_and_store_nothing(api, body):
    answer = api.post(CHAT, json=body) if body is not None else api.post(CHAT, content=b"not json",
                                                                         headers={"content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert api.get(f"{CHAT}/history", params={"conversation_id": "abc"}).json()["turns"] == []


def test_nul_bytes_are_a_4xx(api):
    assert 400 <= api.post(CHAT, json={"message": "status of \x00 job"}).status_code < 500
    assert 400 <= api.get(f"{CHAT}/history", params={"conversation_id": "a\x00b"}).status_code < 500
    assert api.get(f"{CHAT}/history", params={"conversation_id": "bad id"}).status_code == 422


def test_the_chat_is_rate_limited_as_a_public_operator_route(plan, llm):
    from resync_app.config.store import get_store

    get_store().update({"rate_limit_public_per_minute": 3}, actor="tests")
    codes = [_ask(llm.api, "what is late?").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_sign_in_required_closes_the_chat_to_anonymous_clients(plan, llm, monkeypatch, admin_headers):
    from resync_app.settings import reload_settings

    monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "required")
    reload_settings()
    try:
        assert _ask(llm.api, "what is late?").status_code == 401
        assert llm.api.post(CHAT, json={"message": "what is late?"}, headers=admin_headers).status_code == 200
    finally:
        monkeypatch.delenv("RESYNC_OPERATOR_LOGIN")
        reload_settings()
