"""An approved answer is knowledge (CONTRACT §14): the same question or a close paraphrase is answered from it at
$0 — no request reaches the provider — with the footer naming the entry; the model's knowledge tool finds it; a
rejected or deleted entry stops answering at once; a live-status question is always answered from the plan."""

from __future__ import annotations

from tests.assistant.conftest import tool_then_answer
from tests.learning.conftest import (ADMIN, PARAPHRASE, SITE_ANSWER, SITE_QUESTION, ask, model_posts, teach,
                                     vote)
from tests.llm.conftest import Behavior


def test_the_question_and_a_paraphrase_are_answered_at_no_cost(llm, learning_on):
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)
    posts = model_posts(llm.srv)
    for question in (SITE_QUESTION, PARAPHRASE, SITE_QUESTION.upper()):
        reply = ask(llm.api, question)
        assert reply["fast_path"] is True and reply["learned_id"] == entry, (question, reply)
        assert reply["cost_usd"] == 0 and reply["tokens"] == 0 and reply["model"] is None
        assert reply["answer"].startswith(SITE_ANSWER)
        assert reply["footer"] == f"from approved answer #{entry}, no model used"
        assert reply["tool_calls"] == [{"name": "approved_answers", "arguments": {"query": question, "entry": entry}}]
    assert model_posts(llm.srv) == posts  # no request reached the provider
    history = llm.api.get("/api/v1/chat/history", params={"conversation_id": reply["conversation_id"]}).json()
    assert history["turns"][-1]["footer"] == f"from approved answer #{entry}, no model used"
    listed = llm.api.get(f"{ADMIN}/{entry}", headers=llm.headers).json()
    assert listed["uses"] == 3


def test_pending_unrelated_and_other_jobs_questions_go_to_the_model(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    vote(llm.api, reply, -1, SITE_ANSWER)  # pending: not knowledge yet
    assert ask(llm.api, SITE_QUESTION)["fast_path"] is False
    entry = teach(llm, "What should I do when BACKUP_NIGHTLY abends with RC 12?", "Free /backup, then rerun.")
    assert ask(llm.api, "How do I fix BACKUP_NIGHTLY after an RC 12 abend?")["learned_id"] == entry
    for other in ("What should I do when BACKUP_WEEKLY abends with RC 12?",  # another job
                  "What should I do when BACKUP_NIGHTLY abends with RC 8?",  # another return code
                  "Who owns the payroll stream?"):  # the same topic, another question
        reply = ask(llm.api, other)
        assert reply["fast_path"] is False and reply["learned_id"] is None, other


def test_a_rejected_or_deleted_entry_stops_answering_at_once(llm, learning_on):
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)
    assert ask(llm.api, PARAPHRASE)["learned_id"] == entry
    assert llm.api.post(f"{ADMIN}/{entry}/reject", headers=llm.headers).status_code == 200
    assert ask(llm.api, PARAPHRASE)["learned_id"] is None
    assert llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers).status_code == 200
    assert ask(llm.api, SITE_QUESTION)["learned_id"] == entry
    assert llm.api.delete(f"{ADMIN}/{entry}", headers=llm.headers).status_code == 200
    reply = ask(llm.api, SITE_QUESTION)
    assert reply["learned_id"] is None and reply["fast_path"] is False


def test_an_edited_approval_answers_with_the_new_text(llm, learning_on):
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)
    llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers, json={"answer": "Call +1 555 0101 instead."})
    assert ask(llm.api, PARAPHRASE)["answer"].startswith("Call +1 555 0101 instead.")


async def test_grounding_beats_recall_for_live_status_questions(plan, llm, learning_on):
    job = plan.abended
    question = f"status of job {job['stream']}.{job['name']}"
    stale = "It completed successfully at 02:10."
    first = ask(llm.api, question)
    assert first["fast_path"] is True and "ABEND" in first["answer"]
    entry = vote(llm.api, first, -1, stale).json()["entry_id"]
    assert llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers).status_code == 200
    assert llm.api.get(f"{ADMIN}/{entry}", headers=llm.headers).json()["live_question"] is True
    for asked in (question, f"what's the status of {job['name']}?", "what abended today?"):
        reply = ask(llm.api, asked)
        assert reply["learned_id"] is None and stale not in reply["answer"], asked
    assert "ABEND" in ask(llm.api, question)["answer"]
    # a live cue keeps even an approved procedure question on the plan/model side
    teach(llm, SITE_QUESTION, SITE_ANSWER)
    assert ask(llm.api, "Who should I call right now when payroll fails at night?")["learned_id"] is None


def test_the_models_knowledge_tool_finds_approved_answers(llm, learning_on):
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)
    llm.srv.set_behavior("gpt-4o", Behavior(reply=tool_then_answer(
        "search_knowledge", {"query": "payroll failure contact at night"},
        lambda result: f"Found: {result['results'][0]['text']}")))
    reply = ask(llm.api, "why does payroll keep failing and who should I call about it?")
    assert reply["fast_path"] is False and reply["learned_id"] is None
    assert reply["answer"] == f"Found: {SITE_ANSWER}"
    assert reply["tool_calls"] == [{"name": "search_knowledge", "arguments": {"query": "payroll failure contact at night"}}]
    found = learned_search_hits("payroll failure contact")
    assert [m.entry_id for m in found] == [entry]
    assert learned_search_hits("ORDERS_LOAD payroll failure contact") == []  # a name the entry does not have


def learned_search_hits(query: str):
    from resync_app.assistant import learned_search

    return learned_search.search(query)


def test_the_metrics_count_votes_corrections_approvals_and_answers_from_knowledge(llm, learning_on):
    def figures() -> dict:
        return llm.api.get("/api/v1/metrics/summary", params={"days": 1}).json()["learning"]["totals"]

    before = figures()
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)  # one model answer, a vote with its correction, an approval
    ask(llm.api, PARAPHRASE)
    plain = ask(llm.api, "Which streams run on weekends?")
    vote(llm.api, plain, 1)
    after = figures()
    assert after["votes"] - before["votes"] == 2 and after["votes_up"] - before["votes_up"] == 1
    assert after["corrections"] - before["corrections"] == 1
    assert after["approvals"] - before["approvals"] == 1
    assert after["answers"] - before["answers"] == 3 and after["from_approved"] - before["from_approved"] == 1
    assert after["from_approved_share"] == round(after["from_approved"] / after["answers"], 4)
    llm.api.post(f"{ADMIN}/{entry}/reject", headers=llm.headers)
    assert figures()["approvals"] == before["approvals"]  # approvals that still stand
