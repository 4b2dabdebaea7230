"""What counts as the same question (`learned_search`): names and numbers must agree, the kind of answer must
agree, a substitution of the key word is discounted, and live-status questions are never matched."""

from __future__ import annotations

import pytest

from resync_app.assistant.learned_search import ANSWER_THRESHOLD, answers_from_plan, signature, similarity


def _score(a: str, b: str) -> float:
    return similarity(signature(a), signature(b))


@pytest.mark.parametrize("question,paraphrase", [
    ("Who should I call when payroll fails at night?", "Which team should I contact if payroll abends overnight?"),
    ("What should I do when BACKUP_NIGHTLY abends with RC 12?", "How do I fix BACKUP_NIGHTLY after an RC 12 abend?"),
    ("Who is the owner of the CRM_SYNC stream?", "Which team owns CRM_SYNC?"),
    ("How should I handle a full filesystem on CPU_AIX03?", "How do I handle a full disk on CPU_AIX03?"),
    ("What should I check before rerunning STOCK_VALUATION?", "Before I re-run STOCK_VALUATION, what do I need to check?"),
])
def test_close_paraphrases_match(question, paraphrase):
    assert _score(question, paraphrase) >= ANSWER_THRESHOLD
    assert _score(paraphrase, question) == _score(question, paraphrase)


@pytest.mark.parametrize("question,other", [
    ("What should I do when BACKUP_NIGHTLY abends with RC 12?", "What should I do when BACKUP_WEEKLY abends with RC 12?"),
    ("What should I do when BACKUP_NIGHTLY abends with RC 12?", "What should I do when BACKUP_NIGHTLY abends with RC 8?"),
    ("Who runs the payroll stream?", "When does the payroll stream run?"),  # another kind of answer
    ("Can operators rerun jobs in the PAYMENTS stream without approval?",
     "Can operators hold jobs in the PAYMENTS stream without approval?"),  # another action
    ("How do I restart the FINANCE_EOD stream after a database outage?",
     "How do I restart the FINANCE_EOD stream after a network outage?"),  # another cause
    ("Who should I call when payroll fails at night?", "Who owns the payroll stream?"),
])
def test_other_questions_do_not_match(question, other):
    assert _score(question, other) < ANSWER_THRESHOLD


def test_names_numbers_and_kinds_are_read_from_the_question():
    found = signature("What should I do when FINANCE_EOD.GL_POST_01 abends with RC 012 on CPU_LINUX01?")
    assert found.names == {"FINANCE_EOD.GL_POST_01", "12", "CPU_LINUX01"} and found.kind == "method"
    assert "fail" in found.terms and "what" not in found.terms
    assert signature("who do I call").kind == "person" and signature("Where are the files?").kind == "place"
    assert signature("How many reruns are allowed?").kind == "quantity"
    assert signature("Is it safe to rerun X1?").kind == signature("Can I rerun X1?").kind == "permission"


def test_a_question_without_terms_matches_nothing():
    assert _score("?", "?") == 0.0 and signature("what is it?").terms == frozenset()


@pytest.mark.parametrize("question,live", [
    ("status of job PAYROLL_DAILY", True), ("what abended today?", True), ("is BACKUP_NIGHTLY still running?", True),
    ("Who should I call right now about payroll?", True), ("Who should I call when payroll fails at night?", False),
    ("How do I fix BACKUP_NIGHTLY after an RC 12 abend?", False),
])
def test_live_status_questions_are_never_answered_from_learned_text(question, live):
    assert answers_from_plan(question) is live
