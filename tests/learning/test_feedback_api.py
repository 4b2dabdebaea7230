"""`POST /api/v1/chat/feedback` (CONTRACT §14) — and the page's handler, the same service: votes are always kept,
corrections only with `enable_conversation_learning` on; bad input is a 4xx that stores nothing."""

from __future__ import annotations

import pytest

from resync_app.assistant import turns
from resync_app.assistant.learned_models import LearnedAnswer
from resync_app.db import session_scope
from tests.learning.conftest import ADMIN, CHAT, SITE_ANSWER, SITE_QUESTION, ask, set_learning, vote


def _entries() -> list[LearnedAnswer]:
    with session_scope() as db:
        return list(db.query(LearnedAnswer).order_by(LearnedAnswer.id))


def test_with_learning_off_the_vote_is_kept_and_the_correction_is_not(llm):
    reply = ask(llm.api, SITE_QUESTION)
    answer = vote(llm.api, reply, -1, SITE_ANSWER)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["success"] is True and data["vote"] == -1 and data["learning"] is False
    assert data["correction_kept"] is False and data["entry_id"] is None
    assert turns.history(reply["conversation_id"])[0]["feedback"] == -1
    assert _entries() == []


def test_with_learning_on_a_thumbs_down_and_its_correction_go_to_review(llm, learning_on, operator_headers):
    reply = ask(llm.api, SITE_QUESTION, operator_headers)
    data = vote(llm.api, reply, -1, f"  {SITE_ANSWER}  ").json()
    assert data["correction_kept"] is True and data["learning"] is True
    [entry] = _entries()
    assert (entry.id, entry.turn_id, entry.status, entry.vote) == (data["entry_id"], reply["turn_id"], "pending", -1)
    assert entry.question == SITE_QUESTION and entry.answer == reply["answer"] and entry.correction == SITE_ANSWER
    assert entry.created_by is None  # the vote came without a sign-in
    listed = llm.api.get(ADMIN, headers=llm.headers, params={"status": "pending"}).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert {k: row[k] for k in ("id", "turn_id", "question", "vote", "correction", "status", "by")} == {
        "id": entry.id, "turn_id": reply["turn_id"], "question": SITE_QUESTION, "vote": -1,
        "correction": SITE_ANSWER, "status": "pending", "by": None}
    assert row["answer"] == reply["answer"] and row["at"].endswith("+00:00")


def test_the_voter_is_recorded_when_signed_in(llm, learning_on, operator_headers, operator_user):
    reply = ask(llm.api, SITE_QUESTION)
    assert vote(llm.api, reply, -1, SITE_ANSWER, operator_headers).status_code == 200
    assert _entries()[0].created_by == operator_user[0]


def test_a_second_vote_replaces_the_first_while_pending(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    first = vote(llm.api, reply, -1).json()  # the thumb: no correction yet
    assert first["entry_id"] and first["correction_kept"] is False
    second = vote(llm.api, reply, -1, SITE_ANSWER).json()  # then the box's text
    assert second["entry_id"] == first["entry_id"] and second["correction_kept"] is True
    third = vote(llm.api, reply, 1).json()
    [entry] = _entries()
    assert third["entry_id"] == entry.id and entry.vote == 1 and entry.correction is None
    assert turns.history(reply["conversation_id"])[0]["feedback"] == 1


def test_thumbs_up_queues_model_answers_only(plan, llm, learning_on):
    model = ask(llm.api, SITE_QUESTION)
    free = ask(llm.api, "what is late?")
    assert model["fast_path"] is False and free["fast_path"] is True
    assert vote(llm.api, model, 1).json()["entry_id"] is not None
    assert vote(llm.api, free, 1).json()["entry_id"] is None  # already answered at $0: nothing to learn
    assert vote(llm.api, free, -1).json()["entry_id"] is not None  # a wrong plan answer is worth a look
    assert [e.vote for e in _entries()] == [1, -1]


def test_a_reviewed_entry_keeps_the_admins_decision(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    entry_id = vote(llm.api, reply, -1, SITE_ANSWER).json()["entry_id"]
    assert llm.api.post(f"{ADMIN}/{entry_id}/reject", headers=llm.headers).status_code == 200
    again = vote(llm.api, reply, -1, "something else").json()
    [entry] = _entries()
    assert again["entry_id"] == entry_id and entry.status == "rejected" and entry.correction == SITE_ANSWER


@pytest.mark.parametrize("change", [
    {"vote": 0}, {"vote": 2}, {"vote": True}, {"vote": "-1"}, {"vote": None, "value": None},
    {"correction": "x" * 2001}, {"correction": 5}, {"correction": ["a"]},
    {"vote": 1, "correction": "an upvote with a correction"},
    {"conversation_id": "no spaces"}, {"conversation_id": ""}, {"turn_id": "x"}, {"turn_id": -3},
    {"vote": 1, "value": -1},
])
def test_bad_input_is_422_and_stores_nothing(llm, learning_on, change):
    reply = ask(llm.api, SITE_QUESTION)
    body = {"turn_id": reply["turn_id"], "conversation_id": reply["conversation_id"], "vote": -1,
            "correction": SITE_ANSWER, **change}
    answer = llm.api.post(f"{CHAT}/feedback", json=body)
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], (str, list))
    assert turns.history(reply["conversation_id"])[0]["feedback"] is None and _entries() == []


def test_a_nul_character_is_refused_and_stores_nothing(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    answer = vote(llm.api, reply, -1, "bad\x00text")
    assert 400 <= answer.status_code < 500
    assert turns.history(reply["conversation_id"])[0]["feedback"] is None and _entries() == []


def test_a_correction_of_exactly_2000_characters_is_kept(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    assert vote(llm.api, reply, -1, "y" * 2000).json()["correction_kept"] is True
    assert len(_entries()[0].correction) == 2000


def test_an_answer_of_another_conversation_is_404_and_stores_nothing(llm, learning_on):
    reply = ask(llm.api, SITE_QUESTION)
    other = vote(llm.api, {**reply, "conversation_id": "someone-else"}, -1, SITE_ANSWER)
    missing = vote(llm.api, {**reply, "turn_id": 10 ** 9}, -1, SITE_ANSWER)
    assert other.status_code == 404 and missing.status_code == 404
    assert turns.history(reply["conversation_id"])[0]["feedback"] is None and _entries() == []


def test_learning_switched_off_later_keeps_votes_and_drops_new_corrections(llm, learning_on):
    first = ask(llm.api, SITE_QUESTION)
    assert vote(llm.api, first, -1, SITE_ANSWER).json()["correction_kept"] is True
    set_learning(llm.api, llm.headers, False)
    second = ask(llm.api, "Who owns the SFTP transfers to the bank?")
    data = vote(llm.api, second, -1, "The payments integration team").json()
    assert data["correction_kept"] is False and len(_entries()) == 1
    assert turns.history(second["conversation_id"])[0]["feedback"] == -1
