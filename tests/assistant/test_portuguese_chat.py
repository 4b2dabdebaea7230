"""The chat in Brazilian Portuguese against the TWS simulator (polled into the snapshot) and the loopback
OpenAI-compatible provider: a Portuguese lookup is answered at $0 in Portuguese; a Portuguese action request yields
the same server-held proposal as the English one (and confirming it reruns the job); the API says in Portuguese that
it never acts; a question for the model reaches it with the instruction to answer in Portuguese."""

from __future__ import annotations

from resync_app.assistant import chat
from resync_app.auth.sessions import Principal
from tests.llm.conftest import Behavior
from tests.support.quiet_instance import enable_quietly


def _posts(srv) -> int:
    return len([r for r in srv.requests if r["method"] == "POST"])


def _qualified(job: dict) -> str:
    return f"{job['stream']}.{job['name']}"


async def test_a_portuguese_lookup_is_answered_from_the_plan_in_portuguese(plan, llm):
    job = plan.abended
    reply = await chat.answer(f"o job {_qualified(job)} terminou?")
    english = await chat.answer(f"did {_qualified(job)} finish?")
    assert reply["fast_path"] is True and reply["language"] == "pt-BR" and english["language"] == "en"
    assert f"`{job['name']}`" in reply["answer"] and "está **ABEND** (terminou com erro)" in reply["answer"]
    assert reply["answer"].rstrip().endswith("respondido a partir do plano, sem uso de modelo._")
    assert reply["tool_calls"] == english["tool_calls"] and reply["intent"] == english["intent"] == "job_status"
    assert _posts(llm.srv) == 0


async def test_a_portuguese_action_request_holds_the_same_proposal_and_confirming_reruns(plan, llm):
    job = plan.abended
    portuguese = await chat.answer(f"reexecuta o job {_qualified(job)}", user="admin")
    english = await chat.answer(f"rerun {_qualified(job)}", user="admin")
    assert portuguese["intent"] == "action_request" and portuguese["confirm"] == english["confirm"]
    assert portuguese["confirm"]["job_id"] == job["id"] and portuguese["confirm"]["read_only"] is False
    assert "Nada foi feito ainda" in portuguese["answer"]
    assert plan.sim.job_info(job["id"])["runs"] == 1  # nothing done yet
    enable_quietly(portuguese["confirm"]["instance"])  # a disabled instance refuses actions (409)
    result = await chat.confirm_action(portuguese["confirm"], Principal(1, "admin", "admin"), "127.0.0.1")
    assert result["success"] is True and plan.sim.job_info(job["id"])["runs"] == 2


def test_the_api_says_in_portuguese_that_it_never_acts(plan, llm, admin_headers):
    job = plan.abended
    data = llm.api.post("/api/v1/chat", json={"message": f"segura o {_qualified(job)}"}, headers=admin_headers).json()
    assert data["language"] == "pt-BR" and data["confirm"]["action"] == "hold"
    assert data["action_route"] == f"/api/v1/tws/jobs/{job['id']}/action"
    assert f"Esta rota nunca age: um operador com sessão iniciada confirma no console ou envia `POST " \
           f"{data['action_route']}` com `{{\"action\": \"hold\"}}`." in data["answer"]
    assert plan.sim.job_info(job["id"])["runs"] == 1


async def test_a_portuguese_question_for_the_model_asks_for_a_portuguese_answer(plan, llm):
    llm.srv.set_behavior("gpt-4o", Behavior(reply="O job abendou por falta de espaço em disco."))
    reply = await chat.answer(f"por que o {_qualified(plan.abended)} falhou?")
    assert reply["fast_path"] is False and reply["language"] == "pt-BR"
    system = [r for r in llm.srv.requests if r["method"] == "POST"][-1]["json"]["messages"][0]
    assert system["role"] == "system" and "answer in Brazilian Portuguese (pt-BR)" in system["content"]
    await chat.answer("why is the whole plan slow tonight?")
    system = [r for r in llm.srv.requests if r["method"] == "POST"][-1]["json"]["messages"][0]
    assert "Answer in the language of the operator's question." in system["content"]
    assert "Brazilian Portuguese" not in system["content"]
