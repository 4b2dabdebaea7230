"""Learning from operators in headless Chromium against the production build (issue 18 §1):

an operator who is not signed in gets a model's answer, votes 👎 and writes what the answer should have been; an
admin finds it on /admin/learning (under MONITORING), edits the text and approves it; the same question's
paraphrase is then answered from it at $0 — "from approved answer #N", no request reaching the provider — and,
once rejected on the page, no more; the metrics page counts it all. The correction is shown on the admin page as
plain text. Screenshots in
test-results/browser/ (and docs/screenshots/learning*.png with RESYNC_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _context_page, save_shot, wait_hydrated
from tests.browser.test_chat_page import _ask, _posts, provider  # noqa: F401  (helpers and the fake provider)

QUESTION = "Who should I call when payroll fails at night?"
PARAPHRASE = "Which team should I contact if payroll abends overnight?"
CORRECTION = "Page the HR Systems on-call at +1 555 0100. <b>Not bold</b>"
APPROVED = "Page the HR Systems on-call at +1 555 0100, then open a P2 ticket (group HR-BATCH)."


@pytest.fixture(scope="module")
def learning(live_server):
    answer = live_server.api("PUT", "/api/v1/admin/teams-config", json={"enable_conversation_learning": True})
    assert answer.status_code == 200, answer.text
    yield
    live_server.api("PUT", "/api/v1/admin/teams-config", json={"enable_conversation_learning": False})


def _open_chat(pg):
    pg.goto("/")
    wait_hydrated(pg)
    expect(pg.locator("#chat-question")).to_be_visible()
    pg.locator("#chat-new").click()


def test_correction_review_and_answer_from_approved_knowledge(browser, live_server, provider, learning, sign_in,
                                                             request):
    # 1. An operator, not signed in, gets a model's answer and corrects it.
    with _context_page(browser, live_server, [], request, viewport={"width": 1280, "height": 900}) as op:
        _open_chat(op)
        answer = _ask(op, QUESTION)
        expect(answer.locator(".chat-footer")).to_contain_text("gpt-")
        answer.locator("button[data-vote='-1']").click()
        box = answer.locator("#chat-correction")
        expect(box).to_be_visible()
        expect(answer.locator("button[data-vote='-1']")).to_have_attribute("aria-pressed", "true")
        box.fill(CORRECTION)
        save_shot(op, "learning-correction-box", request)
        answer.locator("#chat-correction-send").click()
        expect(answer.locator(".chat-correction-sent")).to_contain_text("sent to an admin for review")
        expect(box).to_have_count(0)
        save_shot(op, "learning-correction-sent", request)

    pending = live_server.get_json("/api/v1/admin/learning?status=pending")["results"]
    entry = next(e for e in pending if e["question"] == QUESTION)
    assert entry["correction"] == CORRECTION and entry["by"] is None and entry["vote"] == -1

    # 2. The admin reviews it on /admin/learning: plain text, edited, approved.
    with _context_page(browser, live_server, [], request, viewport={"width": 1280, "height": 1000}) as admin:
        sign_in(admin)
        sidebar = admin.locator("#admin-sidebar")
        link = sidebar.get_by_role("link", name="Learning", exact=True)
        expect(link).to_have_attribute("href", re.compile(r"/admin/learning/?$"))
        text = sidebar.inner_text()
        assert text.find("MONITORING") < text.find("Learning") < text.find("ACCOUNT"), text
        link.click()
        admin.wait_for_url(re.compile(r"/admin/learning/?$"))
        card = admin.locator(f"[data-entry='{entry['id']}']")
        expect(card).to_contain_text(QUESTION)
        expect(card.locator(".learning-correction")).to_contain_text("<b>Not bold</b>")  # text, never HTML
        expect(card.locator(".learning-correction b")).to_have_count(0)
        save_shot(admin, "learning-review", request, full_page=True)
        card.locator("[data-action='edit']").click()
        draft = admin.locator("#learning-draft")
        expect(draft).to_have_value(CORRECTION)
        draft.fill(APPROVED)
        admin.locator("#learning-approve-draft").click()
        expect(admin.get_by_text(f"Entry #{entry['id']} approved")).to_be_visible()
        expect(admin.locator(f"[data-entry='{entry['id']}']")).to_have_count(0)  # it left the pending list
        audit = [e for e in live_server.audit(50) if e["action"] == "learning.approve"]
        assert audit and audit[0]["target"] == f"learning/{entry['id']}"
        assert audit[0]["actor"] == live_server.admin_username

        # 3. The paraphrase is answered from the approved entry, at $0.
        with _context_page(browser, live_server, [], request, viewport={"width": 1280, "height": 900}) as op:
            _open_chat(op)
            posts = _posts(provider)
            answer = _ask(op, PARAPHRASE)
            expect(answer.locator(".chat-answer-text")).to_contain_text(APPROVED)
            expect(answer.locator(".chat-footer")).to_have_text(f"from approved answer #{entry['id']}, no model used")
            assert _posts(provider) == posts
            save_shot(op, "learning-answered", request)

            # 4. Rejected on the page: it stops answering at once.
            admin.get_by_role("radio", name=re.compile(r"^Approved")).click()
            approved = admin.locator(f"[data-entry='{entry['id']}']")
            expect(approved).to_contain_text(APPROVED)
            approved.locator("[data-action='reject']").click()
            expect(admin.get_by_text(f"Entry #{entry['id']} rejected")).to_be_visible()
            again = _ask(op, PARAPHRASE)
            expect(again.locator(".chat-footer")).to_contain_text("gpt-")
            assert _posts(provider) > posts

            # 5. The metrics page shows votes, corrections and the share answered from approved answers.
            op.goto("/metrics/dashboard")
            wait_hydrated(op)
            totals = live_server.get_json("/api/v1/metrics/summary?days=7", auth=None)["learning"]["totals"]
            assert totals["corrections"] >= 1 and totals["from_approved"] >= 1
            expect(op.locator("#tile-corrections")).to_have_text(f"{totals['corrections']:,}")
            expect(op.locator("#tile-votes")).to_have_text(f"{totals['votes']:,}")
            expect(op.locator("#tile-from-approved")).to_have_text(f"{totals['from_approved_share'] * 100:.0f}%")
