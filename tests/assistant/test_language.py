"""Language detection of a question (a small rule set: Portuguese and English word lists, Portuguese accents;
English when unsure), English unchanged, and the Portuguese catalogue covering every message of the fast path."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from resync_app.assistant import fast_answer, lang, turns
from resync_app.assistant.lang import pt_br_chat as chat_words
from resync_app.assistant.lang.pt_br_answers import PORTUGUESE
from resync_app.assistant.shift import OPEN_WORDS, TOTAL_WORDS
from resync_app.assistant.intents import parse
from resync_app.assistant.kb import load_documents
from resync_app.assistant.lang.pt_br_answers import KNOWLEDGE_DIR, MESSAGES, NOUNS, STATUS_PHRASES, TERMS
from resync_app.assistant.fmt import STATUS_PHRASE
from resync_app.notify import SEVERITIES, TWS_EVENT_TYPES
from tests.assistant.test_intents import NEEDS_THE_MODEL, PARAPHRASES, load_questions

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("question", [
    "quais jobs abendaram hoje?", "status do job PAYROLL_DAILY", "jobs no CPU_WIN02", "segura o PAYROLL_DAILY",
    "reexecuta PAYROLL_DAILY", "está atrasado?", "o que esta atrasado", "STATUS DA CADEIA FINANCE_EOD",
    "jobs suspensos", "log do BACKUP_NIGHTLY", "cadê o GL_CLOSE?", "please reexecuta o PAYROLL_DAILY",
])
def test_portuguese_is_detected(question):
    assert lang.detect(question) == "pt-BR"


@pytest.mark.parametrize("question", [
    "", "   ", "PAYROLL_DAILY?", "rerun PAYROLL_DAILY", "ABEND", "🚨", "status of job PAYROLL_DAILY",
    "how do I troubleshoot an abend?", "what do I do", "do you know GL_CLOSE?", "no abends today?",
    "is ESTACAO_01 linked?", "status of job CADEIA_HOJE", "what is the status do job PAYROLL_DAILY",
    "compare PAYROLL_DAILY runs", "define fence", "Statut du job PAYROLL_DAILY ?", "PAYROLL_DAILY の状態は？",
])
def test_english_when_it_is_english_or_unsure(question):
    """Names never count (ESTACAO_01, CADEIA_HOJE), words both languages write do not either; a tie is English."""
    assert lang.detect(question) == "en"


def test_accents_count_for_portuguese_only_when_the_text_is_not_another_language():
    assert lang.scores("atrasado?") == (1, 0) and lang.scores("está?") == (2, 0)  # "esta" and its accent
    assert lang.scores("¿qué pasó?")[0] < lang.scores("o que é?")[0]  # Spanish letters: no accent point


def test_english_questions_are_read_as_before():
    """Every English question of the shipped set and of the parser's tests is English to the detector (the one
    Portuguese question of the English set aside), so the English parser sees exactly what it saw before."""
    english = [q["q"] for q in load_questions() if q["q"] != "quais jobs abendaram hoje?"]
    english += [q for q, _ in PARAPHRASES] + [q for q in NEEDS_THE_MODEL]
    assert [q for q in english if lang.detect(q) != "en"] == []
    assert all(lang.for_parser(q, "en") == q for q in english)


@pytest.mark.parametrize("question", ["¿qué jobs fallaron hoy?", "Statut du job PAYROLL_DAILY ?",
                                      "¿por qué falló PAYROLL_DAILY?"])
def test_other_languages_go_to_the_model(question):
    assert parse(question) is None


def test_names_are_kept_exactly_as_typed():
    assert lang.for_parser("o job gl_post_01 terminou?", "pt-BR") == "job gl_post_01 finished?"
    assert lang.for_parser("status do ACCT#FIN.GL_CLOSE", "pt-BR") == "status of ACCT#FIN.GL_CLOSE"
    assert lang.for_parser("status do 'esta_cadeia'", "pt-BR") == "status of 'esta_cadeia'"
    assert parse("o job ATRASADO_01 abendou?").get("job") == "ATRASADO_01"  # a name that holds a PT word


def test_the_model_is_told_the_language():
    assert "Brazilian Portuguese" in lang.model_instruction("por que o PAYROLL_DAILY falhou?")
    assert lang.model_instruction("why did PAYROLL_DAILY fail?") == "Answer in the language of the operator's question."


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _message_ids(path: Path) -> set[str]:
    """The literal message ids of `w.t("…")` and `w.headers("…", …)` calls, and the notes `_action_note` returns."""
    ids = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "said":
            ids.add(node.args[1].value)  # the chat page's per-answer pieces: said(line, "…")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "t" and node.args and isinstance(node.args[0], ast.Constant):
                ids.add(node.args[0].value)
            if node.func.attr == "headers":
                ids |= {a.value for a in node.args if isinstance(a, ast.Constant)}
        if isinstance(node, ast.FunctionDef) and node.name == "_action_note":
            ids |= {r.value.value for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Constant)
                    and isinstance(r.value.value, str)}
    return ids


WORDED = ("assistant/fastpath.py", "assistant/fast_answer.py", "assistant/job_answers.py", "assistant/plan_answers.py",
          "assistant/action_answer.py", "assistant/knowledge_answer.py", "assistant/prediction_answer.py", "api/chat.py",
          "assistant/acting.py", "assistant/learned_search.py", "assistant/shift.py", "assistant/turns.py", "state/chat.py",
          "pages/operator/chat.py")


def test_the_portuguese_catalogue_holds_every_message_of_the_fast_path():
    """A message added to the fast path's answer builders (fastpath.py, job_answers.py, plan_answers.py, …) or to
    another module that words a fast-path answer or a piece of it (the chat route, the sign-in sentence, an approved
    answer's frame, the shift report, the footer, the chat page's per-answer pieces) without its Portuguese text
    would answer a Portuguese question with an English sentence: this fails first."""
    ids = set().union(*(_message_ids(ROOT / "resync_app" / path) for path in WORDED))
    ids |= {fast_answer.PLAN_FOOTER, turns.KNOWLEDGE_FOOTER, turns.LEARNED_FOOTER, "running for", "{} behind", "running",
            "completed", "failed", "pending", "late", "stuck", "total",
            "The answer failed; it has been logged."}  # ids passed as variables: the footers, the running-for
    # column, the summary's keys, the chat page's footer of a failed answer
    ids |= {word for _, word in TOTAL_WORDS}  # the shift report's columns
    catalogue = PORTUGUESE.messages
    assert len(ids) > 110
    assert sorted(ids - set(catalogue)) == []
    for msgid in ids:  # a translation uses only the values the English message is given ("No {events}" adds one)
        assert _fields(catalogue[msgid]) <= _fields(msgid) | ({"event"} if "{events}" in msgid else set()), msgid


def test_the_chat_catalogue_does_not_reword_the_answers_catalogue():
    """`pt_br_chat` adds messages; one that `pt_br_answers` already holds must say the same."""
    assert {k: v for k, v in chat_words.MESSAGES.items() if MESSAGES.get(k, v) != v} == {}
    assert {k: v for k, v in chat_words.NOUNS.items() if NOUNS.get(k, v) != v} == {}
    assert {k: v for k, v in chat_words.TERMS.items() if TERMS.get(k, v) != v} == {}


def test_the_shift_reports_words_have_portuguese_nouns():
    for _, word in OPEN_WORDS:
        assert word in PORTUGUESE.nouns, word
    assert PORTUGUESE.n(1, "rerun") == "1 reexecução" and PORTUGUESE.n(2, "held", "held") == "2 em hold"
    assert lang.wording("en").n(2, "held", "held") == "2 held" and lang.wording("en").n(2, "rerun") == "2 reruns"


def test_a_confirmed_actions_message_reads_in_portuguese():
    assert PORTUGUESE.term("Rerun of job PAYROLL_DAILY sent to sim.") == ("Pedido de reexecução do job PAYROLL_DAILY "
                                                                         "enviado para sim.")
    english = "Rerun of job PAYROLL_DAILY sent to sim."
    assert lang.wording("en").term(english) == english


def test_the_portuguese_vocabulary_covers_the_plan():
    assert set(STATUS_PHRASE) <= set(STATUS_PHRASES)
    assert set(TWS_EVENT_TYPES) <= set(TERMS) and set(SEVERITIES) <= set(TERMS)
    assert {"high", "potential", "normal", "healthy", "degraded", "critical", "linked", "unlinked", "late", "stuck",
            "running", "rerun", "hold", "release", "cancel"} <= set(TERMS)
    nouns = {"job", "critical job", "dependency", "workstation", "linked", "unlinked", "late job", "stuck job",
             "running job", "event"} | {f"{s} event" for s in SEVERITIES}
    assert nouns <= set(NOUNS)


def test_every_knowledge_document_is_written_in_portuguese():
    english = {d.id: d for d in load_documents()}
    portuguese = {d.id: d for d in load_documents(KNOWLEDGE_DIR)}
    assert set(portuguese) == set(english)
    assert all(portuguese[i].title != english[i].title for i in english)
