"""`/api/v1/admin/learning` (CONTRACT §14): admin only, every decision audited, bad input a 4xx that changes and
audits nothing."""

from __future__ import annotations

import pytest

from tests.conftest import basic
from tests.learning.conftest import ADMIN, SITE_ANSWER, SITE_QUESTION, ask, vote

CONTRACT_KEYS = {"id", "turn_id", "question", "answer", "vote", "correction", "by", "at", "status"}


@pytest.fixture
def entry(llm, learning_on) -> int:
    reply = ask(llm.api, SITE_QUESTION)
    return vote(llm.api, reply, -1, SITE_ANSWER).json()["entry_id"]


@pytest.fixture
def bare_entry(llm, learning_on) -> int:
    """A 👎 without a correction."""
    reply = ask(llm.api, "Who owns the SFTP transfers to the bank?")
    return vote(llm.api, reply, -1).json()["entry_id"]


def _learning_audit(llm) -> list[dict]:
    return [e for e in llm.api.get("/api/v1/admin/audit?limit=200", headers=llm.headers).json()
            if e["action"].startswith("learning.")]


def _get(llm, entry_id: int) -> dict:
    answer = llm.api.get(f"{ADMIN}/{entry_id}", headers=llm.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("method,path", [("GET", ""), ("GET", "/1"), ("POST", "/1/approve"), ("POST", "/1/reject"),
                                         ("DELETE", "/1")])
def test_every_route_needs_an_admin(llm, entry, operator_headers, method, path):
    path = path.replace("/1", f"/{entry}")
    anonymous = llm.api.request(method, ADMIN + path)
    assert anonymous.status_code == 401 and "detail" in anonymous.json()
    forged = llm.api.request(method, ADMIN + path, headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401
    assert llm.api.request(method, ADMIN + path, headers=operator_headers).status_code == 403
    # the refused calls decided nothing
    assert _get(llm, entry)["status"] == "pending" and _learning_audit(llm) == []
    assert llm.api.request(method, ADMIN + path, headers=basic()).status_code == 200  # an admin gets in


def test_list_has_the_contract_shape_and_filters_by_status(llm, entry, bare_entry):
    data = llm.api.get(ADMIN, headers=llm.headers).json()
    assert data["count"] == 2 and [r["id"] for r in data["results"]] == [bare_entry, entry]  # newest first
    assert all(CONTRACT_KEYS <= set(r) for r in data["results"])
    assert data["counts"] == {"pending": 2, "approved": 0, "rejected": 0}
    llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers)
    for status, ids in (("pending", [bare_entry]), ("approved", [entry]), ("rejected", [])):
        page = llm.api.get(ADMIN, headers=llm.headers, params={"status": status}).json()
        assert [r["id"] for r in page["results"]] == ids and page["count"] == len(ids)
    assert llm.api.get(ADMIN, headers=llm.headers, params={"status": "done"}).status_code == 422
    assert llm.api.get(ADMIN, headers=llm.headers, params={"limit": 0}).status_code == 422
    assert llm.api.get(ADMIN, headers=llm.headers, params={"limit": 1, "offset": 1}).json()["results"][0]["id"] \
        == entry


def test_approve_defaults_to_the_correction_and_is_audited(llm, entry):
    answer = llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["status"] == "approved" and data["approved_answer"] == SITE_ANSWER and data["reviewed_by"] == "admin"
    [audit] = _learning_audit(llm)
    assert audit["action"] == "learning.approve" and audit["actor"] == "admin" and audit["target"] == f"learning/{entry}"
    assert audit["detail"]["from"] == "pending" and audit["detail"]["to"] == "approved"
    # the same decision again is not a change: not audited again
    assert llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers, json={}).status_code == 200
    assert len(_learning_audit(llm)) == 1


def test_approve_with_an_edited_text(llm, entry):
    edited = "Page the HR Systems on-call: **+1 555 0100**."
    data = llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers, json={"answer": f"  {edited} "}).json()
    assert data["approved_answer"] == edited and data["correction"] == SITE_ANSWER
    again = llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers, json={"answer": "Call +1 555 0101."}).json()
    assert again["approved_answer"] == "Call +1 555 0101."
    audits = _learning_audit(llm)
    assert [a["detail"]["text_changed"] for a in audits] == [True, True]


@pytest.mark.parametrize("body", [{"answer": ""}, {"answer": "   "}, {"answer": "x" * 4001}, {"answer": 5},
                                  {"answer": None, "extra": 1}, {"text": "hi"}, [1], "text"])
def test_a_bad_approval_is_422_and_changes_and_audits_nothing(llm, entry, body):
    answer = llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers, json=body)
    assert answer.status_code == 422, answer.text
    assert _get(llm, entry)["status"] == "pending" and _learning_audit(llm) == []


def test_a_thumbs_down_without_correction_needs_a_text(llm, bare_entry):
    refused = llm.api.post(f"{ADMIN}/{bare_entry}/approve", headers=llm.headers)
    assert refused.status_code == 422 and "write the approved answer" in refused.json()["detail"]
    assert _get(llm, bare_entry)["status"] == "pending" and _learning_audit(llm) == []
    done = llm.api.post(f"{ADMIN}/{bare_entry}/approve", headers=llm.headers,
                        json={"answer": "The payments integration team."})
    assert done.status_code == 200 and done.json()["approved_answer"] == "The payments integration team."


def test_reject_and_delete_are_audited(llm, entry, bare_entry):
    rejected = llm.api.post(f"{ADMIN}/{entry}/reject", headers=llm.headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    deleted = llm.api.delete(f"{ADMIN}/{bare_entry}", headers=llm.headers)
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "id": bare_entry}
    assert llm.api.get(f"{ADMIN}/{bare_entry}", headers=llm.headers).status_code == 404
    actions = [(a["action"], a["target"]) for a in _learning_audit(llm)]
    assert actions == [("learning.delete", f"learning/{bare_entry}"), ("learning.reject", f"learning/{entry}")]
    # a rejected entry can be approved again (the text approved before, else the correction)
    assert llm.api.post(f"{ADMIN}/{entry}/approve", headers=llm.headers).json()["status"] == "approved"


@pytest.mark.parametrize("method,path", [("GET", "/999999"), ("POST", "/999999/approve"),
                                         ("POST", "/999999/reject"), ("DELETE", "/999999")])
def test_an_unknown_entry_is_404(llm, entry, method, path):
    answer = llm.api.request(method, ADMIN + path, headers=llm.headers)
    assert answer.status_code == 404 and "No learning entry" in answer.json()["detail"]
    assert _learning_audit(llm) == []


@pytest.mark.parametrize("path", ["/abc", "/abc/approve", "/1.5/reject"])
def test_a_malformed_id_is_422(llm, path):
    method = "GET" if path == "/abc" else "POST"
    assert llm.api.request(method, ADMIN + path, headers=llm.headers).status_code == 422
