"""The shipped knowledge base and its FTS5 search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resync_app.assistant.intent_words import PLAN_STATUSES
from resync_app.assistant.kb import (KNOWLEDGE_DIR, Document, KnowledgeBase, KnowledgeFormatError, get_knowledge_base,
                                     load_documents, parse_document, search)

# the JobInPlanStatus schema of HCL's hwa-rest-api-v2.openapi.json, shipped with the tests (no path outside the repo)
SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "hwa-job-in-plan-status.json"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return get_knowledge_base()


def test_shipped_documents_are_well_formed():
    docs = load_documents()
    assert 20 <= len(docs) <= 40
    assert len({d.id for d in docs}) == len(docs)
    for doc in docs:
        assert (KNOWLEDGE_DIR / f"{doc.id}.md").is_file()
        assert doc.title and doc.body and doc.tags
        assert len(doc.body.split()) < 400, f"{doc.id} is not short"


def test_every_plan_status_is_explained_somewhere(kb):
    """Each JobInPlanStatus code appears in a document's tags or body, and searching it finds that document."""
    for status in PLAN_STATUSES:
        hits = kb.search(f"what does {status} mean", 3)
        assert hits, status
        assert any(status in kb.document(h.id).body for h in hits), status


def test_the_status_vocabulary_is_the_spec_s():
    assert tuple(json.loads(SPEC.read_text())["JobInPlanStatus"]["enum"]) == PLAN_STATUSES


@pytest.mark.parametrize("query, first", [
    ("abend", "status-abend"),
    ("what does ABEND mean?", "status-abend"),
    ("abended", "status-abend"),
    ("how do I troubleshoot an abend?", "troubleshoot-abend"),
    ("what does RC 12 mean", "return-codes"),
    ("exit code 137 killed", "return-codes-unix"),
    ("what is the critical path", "critical-jobs"),
    ("difference between hold and cancel", "actions-overview"),
    ("what is a stuck job", "resync-stuck"),
    ("late threshold", "resync-late"),
    ("deadline risk confidence", "resync-deadline-risk"),
    ("what does PEND mean", "status-pend"),
    ("SUSP", "status-susp-suppr"),
    ("job stream", "job-streams"),
    ("stdlist", "job-log"),
    ("recovery option", "recovery-options"),
])
def test_ranking_puts_the_right_document_first(kb, query, first):
    assert kb.search(query, 3)[0].id == first


def test_each_document_is_found_first_by_its_own_title(kb):
    for doc in kb.documents():
        assert kb.search(doc.title, 1)[0].id == doc.id, doc.title


def test_hits_are_ranked_best_first_with_snippets(kb):
    hits = kb.search("abend return code", 5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.source == "builtin" and h.title for h in hits)
    assert "**" in hits[0].snippet  # the matched words are highlighted
    assert len(kb.search("abend", 2)) == 2
    assert kb.search("abend", 0) == []


@pytest.mark.parametrize("query", [
    '"', 'abend"', '"abend', "NEAR(abend, 3)", "abend*", "-abend", "title:abend", "{title}: abend", "^abend",
    "abend AND OR NOT", "'; DROP TABLE kb; --", "abend\x00", "(((", "ÄBEND?", "abend 🚨", "a" * 5000,
])
def test_fts_syntax_in_a_query_is_plain_text(kb, query):
    hits = kb.search(query, 3)
    if "abend" in query.lower():
        assert hits and "abend" in kb.document(hits[0].id).body.lower()
    assert len(kb) == len(load_documents())  # the index is intact


def test_queries_without_topic_words(kb):
    assert kb.search("", 3) == [] and kb.search("   ", 3) == [] and kb.search("?!", 3) == []
    assert kb.search("what is the", 3) == [] or all(h.source == "builtin" for h in kb.search("what is the", 3))
    assert kb.search("xyzzy plugh", 3) == []


def test_module_level_search_uses_the_shipped_documents():
    assert search("abend", 1)[0].id == "status-abend"


def test_front_matter_errors_are_reported():
    good = "---\nid: a-doc\ntitle: A doc\ntags: x, y\n---\nBody text."
    assert parse_document(good, "a-doc.md") == Document("a-doc", "A doc", ("x", "y"), "Body text.")
    for bad, message in [
        ("no front matter", "no front matter"),
        ("---\nid: a-doc\ntitle: T\nBody", "not closed"),
        ("---\ntitle: T\n---\nBody", "invalid id"),
        ("---\nid: Bad Id\ntitle: T\n---\nBody", "invalid id"),
        ("---\nid: a-doc\n---\nBody", "missing title"),
        ("---\nid: a-doc\ntitle: T\n---\n", "empty body"),
        ("---\nid: a-doc\njunk line\n---\nBody", "bad front matter line"),
    ]:
        with pytest.raises(KnowledgeFormatError, match=message):
            parse_document(bad, "x.md")


def test_the_id_must_match_the_file_name(tmp_path):
    (tmp_path / "one.md").write_text("---\nid: two\ntitle: T\n---\nBody")
    with pytest.raises(KnowledgeFormatError, match="differs from the file name"):
        load_documents(tmp_path)
    (tmp_path / "one.md").write_text("---\nid: one\ntitle: Custom topic\n---\nA body about frobnication.")
    assert KnowledgeBase.from_directory(tmp_path).search("frobnication")[0].id == "one"
