"""`/` — the TWS assistant asked in Brazilian Portuguese, in headless Chromium against the production build and the
TWS simulator polled by the server (the fixtures of test_chat_page.py): lookups are answered at $0 in Portuguese
with the plan's names and statuses; "reexecuta o X" gives the same confirm card as "rerun X" and, confirmed by a
signed-in operator, TWS gets the rerun (audited). The page's own words stay English (CONTRACT §16 covers the
answers). Screenshot: test-results/browser/…--chat-portuguese.png (docs/screenshots/ with RESYNC_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import save_shot
from tests.browser.test_chat_page import (  # noqa: F401  (plan, provider: fixtures)
    NAME, SLOW_MS, _action_audits, _ask, _open_chat, _posts, _qualified, _until, plan, provider)


def test_questions_in_portuguese_are_answered_in_portuguese_and_an_action_is_confirmed(
        signed_in_page, live_server, plan, provider, request):
    sim, job = plan
    page = signed_in_page
    posts, runs = _posts(provider), sim.job_info(job["id"])["runs"]
    _open_chat(page)
    page.locator("#chat-new").click()

    listed = _ask(page, "quais jobs abendaram hoje?")
    text = listed.locator(".chat-answer-text")
    expect(text).to_contain_text("com status ABEND desde")
    expect(text).to_contain_text(job["name"])
    expect(text).to_contain_text("respondido a partir do plano, sem uso de modelo")
    expect(listed.locator("th").first).to_have_text("job")
    expect(listed.locator("th").nth(1)).to_have_text("cadeia")

    status = _ask(page, f"o job {_qualified(job)} terminou?")
    expect(status.locator(".chat-answer-text")).to_contain_text(f"{job['name']} (cadeia {job['stream']}")
    expect(status.locator(".chat-answer-text")).to_contain_text("está ABEND (terminou com erro)")

    proposal = _ask(page, f"reexecuta o {_qualified(job)}")
    expect(proposal.locator(".chat-answer-text")).to_contain_text(f"Reexecutar {_qualified(job)}?")
    expect(proposal.locator(".chat-answer-text")).to_contain_text("Nada foi feito ainda")
    card = proposal.locator(".chat-confirm-card")
    expect(card).to_contain_text(f"Rerun {job['workstation']}#{_qualified(job)} on {NAME}?")  # the page: English
    assert sim.job_info(job["id"])["runs"] == runs  # nothing done before the confirmation
    save_shot(page, "chat-portuguese", request, full_page=True)
    proposal.locator(".chat-confirm").click()
    expect(proposal.locator(".chat-confirm-note")).to_contain_text("sent to", timeout=SLOW_MS)
    assert _until(lambda: sim.job_info(job["id"])["runs"] == runs + 1, "the rerun at the simulator")
    audit = [e for e in _action_audits(live_server) if e["detail"].get("job_id") == job["id"]]
    assert audit and audit[0]["actor"] == live_server.admin_username
    assert _posts(provider) == posts  # all three answered without a model
