"""The one table of job statuses (tws/statuses.py) and the reading of TWS' words from any error body
(tws/server_text.py): pure functions, checked case by case."""

from __future__ import annotations

import pytest

from resync_app.tws import statuses
from resync_app.tws.plan_fields import STATUSES, job_view
from resync_app.tws.query_params import QueryInvalid, parse_statuses
from resync_app.tws.server_text import refusal, server_message


def test_the_table_holds_the_27_spec_statuses_once_each_and_the_engines_other_codes():
    assert len(statuses.SPEC_CODES) == 27 and len(set(statuses.CODES)) == len(statuses.CODES)
    assert STATUSES == statuses.SPEC_CODES
    assert {"SCHED", "USER STAT"} <= set(statuses.CODES) - set(statuses.SPEC_CODES)
    assert all(s.group in statuses.GROUPS and s.meaning for s in statuses.TABLE)


@pytest.mark.parametrize(("code", "group", "final"), [
    ("FAIL", "failed", True), ("ERROR", "failed", True), ("ABEND", "failed", True), ("ABENP", "failed", False),
    ("SUCCP", "running", False), ("INTRO", "running", False), ("SUCC", "success", True),
    ("PEND", "waiting", False), ("SCHED", "waiting", False), ("CANCL", "cancelled", True),
    ("USER STAT", "other", False), ("NO SUCH", "other", False),
])
def test_what_each_status_counts_as(code, group, final):
    assert statuses.group(code) == group
    assert (code in statuses.FINAL_STATUSES) is final


def test_spellings_and_filter_words():
    assert [statuses.canonical(s) for s in ("CANCELLED", "canceled", "ABEND P", " succ  p ", "userstat")] == [
        "CANCL", "CANCL", "ABENP", "SUCCP", "USER STAT"]
    assert set(parse_statuses("failed")) == {"ABEND", "ABENP", "FAIL", "ERROR"}
    assert "SUCCP" in parse_statuses("RUNNING") and "SUCCP" not in parse_statuses("SUCCESSFUL")
    assert parse_statuses("CANCELLED,held") == ["CANCL", "HOLD"]
    with pytest.raises(QueryInvalid):
        parse_statuses("EXPLODED")
    assert parse_statuses("EXPLODED", in_plan={"EXPLODED"}) == ["EXPLODED"]  # a status the plan holds
    assert {"PEND", "FENCE", "STUCK"} <= set(statuses.ATTENTION_STATUSES)


def test_the_plan_stores_the_tables_spelling_and_keeps_what_tws_sent():
    view = job_view({"id": "j", "lastRunCompositeStatus": {"status": "CANCELLED"}})
    assert (view.status, view.internal_status) == ("CANCL", "CANCELLED")
    assert job_view({"id": "j", "lastRunCompositeStatus": {"status": "USER STAT"}}).status == "USER STAT"


@pytest.mark.parametrize(("content", "content_type", "said"), [
    (b'{"code": 400, "messageId": "AWSJSM103E", "message": "AWSJSM103E not held"}', "application/json",
     "AWSJSM103E not held"),
    (b'{"error": {"code": "AWSBHU001E", "status": 400, "message": "not held"}}', "application/json",
     "AWSBHU001E not held"),
    (b'{"errors": [{"detail": "first"}, {"detail": "second"}]}', "application/json", "first"),
    (b'{"status": 400, "weird": 1}', "application/json", '{"status":400,"weird":1}'),
    (b"the job is not held", "text/plain", "the job is not held"),
    (b"<html><head><title>Error 400</title><style>p{}</style><script>x()</script></head>"
     b"<body><h1>Error 400: Bad Request</h1><p>Job &lt;X&gt; not held</p></body></html>", "text/html",
     "Error 400: Bad Request Job <X> not held"),
    (b"<html><head><title>Forbidden</title></head><body></body></html>", "text/html", "Forbidden"),
    (b"", "application/json", ""),
    (b"   ", "text/plain", ""),
])
def test_server_message_reads_any_body(content, content_type, said):
    assert server_message(content, content_type) == said


def test_a_long_message_is_cut():
    assert server_message(b"x" * 1000, "text/plain").endswith("…")
    assert len(server_message(b"x" * 1000, "text/plain")) == 301


def test_refusal_in_a_2xx_answer():
    assert refusal({"id": "j", "url": "u"}) is None
    assert refusal({"id": "j", "message": "AWSJSM102E cannot be held", "isError": True}) == \
        "AWSJSM102E cannot be held"
    assert refusal({"id": "j", "error": True}) == "TWS reported an error without saying why"
    assert refusal({"successfulResourceResponses": [], "failedResourceResponses": [
        {"id": "j", "message": "no", "isError": True}]}) == "no"
    assert refusal({"successfulResourceResponses": [{"id": "j"}], "failedResourceResponses": []}) is None
