"""`/` — the TWS assistant asked in Brazilian Portuguese, in headless Chromium against the production build and the
TWS simulator polled by the server (the fixtures of test_chat_page.py): lookups are answered at $0 in Portuguese
with the plan's names and statuses; each answer's own pieces follow its language — the footer, "Plan data used" and
the confirm card ("Reexecutar X em Y?", Confirmar / Cancelar, the note after confirming), also after a reload —
while an English answer in the same conversation keeps them in English; "reexecuta o X" gives the same proposal as
"rerun X" and, confirmed by a signed-in operator, TWS gets the rerun (audited). The rest of the page stays English.
Screenshot: test-results/browser/…--chat-portuguese.png (docs/screenshots/ with RESYNC_DOCS_SCREENSHOTS=1).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import save_shot, wait_hydrated
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

    expect(status.locator(".chat-footer")).to_have_text("respondido a partir do plano, sem uso de modelo")
    expect(status.locator(".chat-sources")).to_have_text(re.compile(r"^Dados do plano usados: \S"))

    english = _ask(page, f"did {_qualified(job)} finish?")  # the same conversation, in English: English pieces
    expect(english.locator(".chat-footer")).to_have_text("answered from the plan, no model used")
    expect(english.locator(".chat-sources")).to_have_text(re.compile(r"^Plan data used: \S"))
    english_card = _ask(page, f"hold {_qualified(job)}").locator(".chat-confirm-card")
    expect(english_card).to_contain_text(f"Hold {job['workstation']}#{_qualified(job)} on {NAME}?")
    expect(english_card.get_by_role("button", name="Cancel")).to_be_visible()
    english_card.get_by_role("button", name="Cancel").click()
    expect(english_card.locator(".chat-confirm-note")).to_have_text("Cancelled: nothing was done.")

    proposal = _ask(page, f"reexecuta o {_qualified(job)}")
    expect(proposal.locator(".chat-answer-text")).to_contain_text(f"Reexecutar {_qualified(job)}?")
    expect(proposal.locator(".chat-answer-text")).to_contain_text("Nada foi feito ainda")
    card = proposal.locator(".chat-confirm-card")
    expect(card).to_contain_text(f"Reexecutar {job['workstation']}#{_qualified(job)} em {NAME}?")
    expect(card.get_by_role("button", name="Confirmar")).to_be_visible()
    expect(card.get_by_role("button", name="Cancelar")).to_be_visible()
    expect(card).not_to_contain_text("Rerun")
    assert sim.job_info(job["id"])["runs"] == runs  # nothing done before the confirmation
    save_shot(page, "chat-portuguese", request, full_page=True)
    proposal.locator(".chat-confirm").click()
    expect(proposal.locator(".chat-confirm-note")).to_have_text(
        f"Pedido de reexecução do job {job['workstation']}#{_qualified(job)} enviado para {NAME}.", timeout=SLOW_MS)
    assert _until(lambda: sim.job_info(job["id"])["runs"] == runs + 1, "the rerun at the simulator")
    audit = [e for e in _action_audits(live_server) if e["detail"].get("job_id") == job["id"]]
    assert audit and audit[0]["actor"] == live_server.admin_username
    assert _posts(provider) == posts  # every answer without a model

    page.reload()  # the history: each answer's footer in its own language, from what the turn stored
    wait_hydrated(page)
    footers = page.locator(".chat-assistant .chat-footer")
    expect(footers).to_have_count(5, timeout=SLOW_MS)
    expect(footers).to_have_text(["respondido a partir do plano, sem uso de modelo"] * 2
                                 + ["answered from the plan, no model used"] * 2
                                 + ["respondido a partir do plano, sem uso de modelo"])
