"""Fast-path answers built outside `fastpath.py` answer in the question's language too (issue 18 §2): the sign-in
sentence of an anonymous action request (fast path and model), the shift report in the chat, and the line under an
answer, which a stored turn words from what it stored (what answered it, its language), never from its text."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from resync_app.assistant import chat, turns
from resync_app.settings import get_settings
from tests.assistant.conftest import tool_then_answer
from tests.llm.conftest import OPENAI_MODELS, Behavior
from tests.support import shift_seed

CHAT = "/api/v1/chat"
PT_KNOWLEDGE_FOOTER = "respondido pela base de conhecimento, sem uso de modelo"


def _qualified(job) -> str:
    return f"{job['stream']}.{job['name']}"


def test_an_anonymous_portuguese_action_request_says_to_sign_in_in_portuguese(plan, llm):
    job = plan.abended
    data = llm.api.post(CHAT, json={"message": f"reexecuta o {_qualified(job)}"}).json()
    assert data["confirm"] is None and data["fast_path"] is True and data["language"] == "pt-BR"
    assert (f"**Faça login para reexecutar `{_qualified(job)}`.** Você não está logado" in data["answer"]
            and "[Fazer login](/login?next=/)" in data["answer"] and "Nada foi feito." in data["answer"])
    assert "está **ABEND**" in data["answer"] and "Sign in" not in data["answer"]
    assert data["footer"] == "respondido a partir do plano, sem uso de modelo"
    assert plan.sim.job_info(job["id"])["runs"] == 1


async def test_a_model_proposal_for_an_anonymous_portuguese_question_gets_the_portuguese_sign_in_note(plan, llm):
    job = plan.abended
    for model in OPENAI_MODELS:  # whichever model the router picks for this question
        llm.srv.set_behavior(model, Behavior(reply=tool_then_answer(
            "propose_action", {"job": _qualified(job), "action": "cancel"}, lambda result: "Feito como pedido.")))
    reply = await chat.answer(f"por favor analise e depois cancele o {job['name']} se for a solução", user=None)
    assert reply["fast_path"] is False and reply["confirm"] is None and reply["language"] == "pt-BR"
    assert f"**Faça login para cancelar `{job['name']}`.**" in reply["answer"]
    assert reply["footer"].startswith("gpt-") and " tokens · $" in reply["footer"]


def test_a_portuguese_knowledge_answer_keeps_its_footer_in_the_history(plan, llm):
    """The history used to find knowledge answers by their English text: a Portuguese one came back with the
    plan's English footer."""
    data = llm.api.post(CHAT, json={"message": "o que significa ABEND?"}).json()
    assert data["fast_path"] is True and data["footer"] == PT_KNOWLEDGE_FOOTER
    english = llm.api.post(CHAT, json={"message": "what does ABEND mean?",
                                       "conversation_id": data["conversation_id"]}).json()
    plan_answer = llm.api.post(CHAT, json={"message": "o que está atrasado?",
                                           "conversation_id": data["conversation_id"]}).json()
    history = llm.api.get(f"{CHAT}/history", params={"conversation_id": data["conversation_id"]}).json()["turns"]
    assert [(t["footer"], t["language"], t["answered_from"]) for t in history] == [
        (PT_KNOWLEDGE_FOOTER, "pt-BR", "knowledge"),
        ("answered from the knowledge base, no model used", "en", "knowledge"),
        ("respondido a partir do plano, sem uso de modelo", "pt-BR", "plan")]
    assert [t["footer"] for t in history] == [data["footer"], english["footer"], plan_answer["footer"]]


def test_the_footer_of_a_stored_turn_does_not_read_its_text():
    """A plan answer that quotes a knowledge footer is still a plan answer."""
    text = "`FROM_THE_KB` is **SUCC**: _From the built-in knowledge base · no model used._"
    turn = turns.store("conv-frames", "status of FROM_THE_KB", text, fast_path=True, answered=turns.PLAN)
    assert turns.history("conv-frames")[-1]["footer"] == "answered from the plan, no model used"
    assert turn > 0


def test_model_footers_in_portuguese_keep_the_model_and_its_figures():
    assert turns.footer(False, "gpt-4o", "simple", 120, 0.00042, "stopped", language="pt-BR") == (
        "gpt-4o · simple · 120 tokens · $0.000420 · interrompida")
    assert turns.footer(False, None, None, 0, 0, "refused", language="pt-BR") == "sem uso de modelo"
    assert turns.footer(True, None, None, 0, 0, learned_id=7, language="pt-BR") == (
        "da resposta aprovada #7, sem uso de modelo")
    assert turns.footer(False, "gpt-4o", "simple", 120, 0.00042, "stopped") == (
        "gpt-4o · simple · 120 tokens · $0.000420 · stopped")


def _ask(api, headers, question: str) -> dict:
    answer = api.post(CHAT, json={"message": question}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_shift_report_in_the_chat_answers_in_portuguese_with_the_same_figures(api, operator_headers):
    seeded = shift_seed.seed(datetime.now(timezone.utc) - timedelta(minutes=2))
    since = seeded.start.astimezone(get_settings().timezone).strftime("%H:%M")
    english = _ask(api, operator_headers, f"what happened in my shift since {since}?")
    portuguese = _ask(api, operator_headers, f"o que aconteceu no meu turno desde as {since}?")
    assert portuguese["intent"] == english["intent"] == "shift_report" and portuguese["language"] == "pt-BR"
    assert portuguese["fast_path"] is True and portuguese["cost_usd"] == 0
    text = portuguese["answer"]
    table = [line for line in english["answer"].splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert table and table[0] in text  # the same totals, in the same columns
    jobs = re.compile(r"\]\((/monitoring\?[^)\s]+)\)")  # the same jobs, linked to the same drawers
    assert jobs.findall(text) == jobs.findall(english["answer"]) and len(jobs.findall(text)) >= 10
    assert text.startswith(f"**Relatório do turno** de `{shift_seed.INSTANCE}`,")
    assert "| iniciados | concluídos | abendados | reexecuções |" in text
    assert "**Abendados** (5):" in text and "agora SUCC, execução 2" in text
    assert "**Ações dos operadores**: 1 reexecução, 2 holds, 1 liberação, 1 cancelamento" in text
    assert "**Ainda em aberto** (" in text
    assert "6 abendados, 1 travado, 1 atrasado, 1 crítico em risco, 2 em hold" in text
    assert "**Prazos críticos perdidos** (2):" in text and "(prazo " in text
    assert "[Abrir o relatório completo do turno](/shift-report?" in text
    assert portuguese["footer"] == "respondido a partir do plano, sem uso de modelo"
    for english_words in ("Shift report", "Abended", "Operator actions", "Still open", "Missed critical", "— now "):
        assert english_words not in text


def test_portuguese_shift_phrasings():
    from resync_app.assistant.intents import parse

    for question, since in (("o que aconteceu no meu turno?", None), ("passagem de turno", None),
                            ("o que houve no plantão?", None), ("resumo do turno desde as 06:00", "06:00"),
                            ("relatório do plantão das últimas 12 horas", "720m"), ("como foi o último turno?", None)):
        intent = parse(question)
        assert intent is not None and intent.name == "shift_report" and intent.lang == "pt-BR", question
        assert intent.get("since") == since, question
    assert parse("o que aconteceu no turno da noite?").name == "recent_events"  # a named shift, as in English
