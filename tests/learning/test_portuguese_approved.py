"""An approved answer asked in Portuguese (issue 18 §2 with CONTRACT §14): the approved text is shown as written and
only its frame — "From approved answer #N", the footer — is in the question's language; a Portuguese live cue
("agora", "ainda", "hoje") keeps a question away from learned entries, as "now" does in English."""

from __future__ import annotations

from tests.learning.conftest import ask, model_posts, teach

QUESTION = "Quem devo chamar quando a folha de pagamento falha de madrugada?"
ANSWER = "Acione o plantão de RH Sistemas no +55 11 5555-0100 e abra um chamado P2."


def test_a_portuguese_approved_answer_is_shown_as_written_in_a_portuguese_frame(llm, learning_on):
    entry = teach(llm, QUESTION, ANSWER)
    posts = model_posts(llm.srv)
    reply = ask(llm.api, QUESTION)
    assert reply["fast_path"] is True and reply["learned_id"] == entry and reply["language"] == "pt-BR"
    assert reply["answer"] == f"{ANSWER}\n\n_Da resposta aprovada #{entry} · sem uso de modelo._"
    assert reply["footer"] == f"da resposta aprovada #{entry}, sem uso de modelo"
    assert model_posts(llm.srv) == posts
    history = llm.api.get("/api/v1/chat/history", params={"conversation_id": reply["conversation_id"]}).json()
    assert history["turns"][-1]["footer"] == reply["footer"] and history["turns"][-1]["answered_from"] == "learned"


def test_an_english_approved_answer_keeps_its_english_frame(llm, learning_on):
    entry = teach(llm, "Who should I call when payroll fails at night?", "Page the HR Systems on-call.")
    reply = ask(llm.api, "Who should I call when payroll fails at night?")
    assert reply["answer"].endswith(f"_From approved answer #{entry} · no model used._")
    assert reply["language"] == "en" and reply["footer"] == f"from approved answer #{entry}, no model used"


def test_a_portuguese_live_cue_is_never_answered_from_an_approved_entry(llm, learning_on):
    teach(llm, QUESTION, ANSWER)
    reply = ask(llm.api, "Quem devo chamar agora quando a folha de pagamento falha de madrugada?")
    assert reply["fast_path"] is False and reply["learned_id"] is None
