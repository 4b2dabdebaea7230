"""The chat's "what happened in my shift?": the `shift_report` intent (its phrasings and its near misses), and the
fast-path answer through `POST /api/v1/chat` — at no cost, from the shift report service: the same totals and jobs
as `GET /api/v1/reports/shift` for the window the answer read, every job linked to /monitoring."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from markdown_it import MarkdownIt

from resync_app.assistant.intents import parse
from resync_app.settings import get_settings
from tests.support import shift_seed
from tests.support.shift_seed import INSTANCE


@pytest.mark.parametrize("question, since", [
    ("what happened in my shift?", None), ("What happened during my shift", None), ("shift report", None),
    ("give me the shift report please", None), ("shift summary", None), ("summarise my shift", None),
    ("summarize this shift", None), ("handover", None), ("prepare the shift handover", None),
    ("what is in the hand-over?", None), ("how did the last shift go?", None),
    ("shift report for the last 12 hours", "720m"), ("what happened in my shift since 06:00?", "06:00"),
    ("shift recap since 10pm", "22:00"), ("what happened on our shift today", "today"),
])
def test_shift_questions_are_the_shift_report_intent(question, since):
    intent = parse(question)
    assert intent is not None and intent.name == "shift_report", (question, intent)
    assert intent.get("since") == since


@pytest.mark.parametrize("question, expected", [
    ("what happened in the last 8 hours?", "recent_events"),  # no shift word: the events, as before
    ("why did so much fail in my shift?", None),  # reasoning: the model
    ("what happened during the night shift?", "recent_events"),  # a named shift is not ours: as before
    ("how do I write a shift report?", "knowledge"),
    ("shift report since yesterday", None),  # another day: the model
    ("status of job PAYROLL_DAILY", "job_status"),
])
def test_near_misses_are_not_the_shift_report(question, expected):
    intent = parse(question)
    assert (intent.name if intent else None) == expected, (question, intent)


def test_the_chat_answers_from_the_shift_report_at_no_cost(api, operator_headers):
    seeded = shift_seed.seed(datetime.now(timezone.utc) - timedelta(minutes=2))
    local_start = seeded.start.astimezone(get_settings().timezone)
    question = f"what happened in my shift since {local_start:%H:%M}?"
    answer = api.post("/api/v1/chat", json={"message": question}, headers=operator_headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["fast_path"] is True and data["model"] is None and data["cost_usd"] == 0 and data["tokens"] == 0
    call = next(c for c in data["tool_calls"] if c["name"] == "plan.shift_report")
    start, end = call["arguments"]["start"], call["arguments"]["end"]
    assert datetime.fromisoformat(start) == seeded.start
    report = api.get("/api/v1/reports/shift", params={"instance": INSTANCE, "from": start, "to": end}).json()
    totals = report["totals"]
    row = "| " + " | ".join(str(totals[k]) for k in ("started", "completed", "abended", "reruns", "holds",
                                                      "releases", "cancels", "late", "stuck", "critical_missed",
                                                      "critical_at_risk")) + " |"
    text = data["answer"]
    assert row in text
    assert totals["abended"] == 5 and totals["cancels"] == 1  # the end moved on: 14:00:00 is inside now
    assert f"**Abended** ({totals['abended']}):" in text
    assert f"**Still open now** ({report['open_counts']['total']}):" in text
    assert "6 abended, 1 stuck, 1 late, 1 critical at risk, 2 held" in text
    assert "[`PAYROLL_DAILY`](/monitoring?job=J01&instance=shift-tws)" in text and "now SUCC, run 2" in text
    assert "**Missed critical deadlines** (2)" in text and "1 rerun, 2 holds, 1 release, 1 cancel" in text
    assert re.search(r"\[Open the full shift report\]\(/shift-report\?instance=shift-tws&from=[^)\s]+\)", text)
    assert "alice" not in text and "answered from the plan, no model used" in text
    assert "<img" not in re.sub(r"`[^`]*`", "", text)  # the EVIL job name only inside code spans
    inline = [t for block in MarkdownIt("commonmark").enable("table").parse(text) for t in (block.children or [])]
    assert not [t for t in inline if t.type.startswith("html")]
    hrefs = [t.attrs["href"] for t in inline if t.type == "link_open"]
    assert len(hrefs) >= 10 and all(h.startswith(("/monitoring?job=", "/shift-report?")) for h in hrefs)
    assert f"/monitoring?job=J13&instance={INSTANCE}" in hrefs  # the EVIL job's link is its own drawer


def test_a_window_beyond_seven_days_is_refused_in_words(api):
    shift_seed.seed()
    data = api.post("/api/v1/chat", json={"message": "shift report for the last 200 hours"}).json()
    assert data["fast_path"] is True and "at most 7 days" in data["answer"]
