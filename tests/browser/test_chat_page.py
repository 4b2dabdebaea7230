"""`/` — the TWS assistant — in headless Chromium against the production build, a TWS simulator polled by the
server's poller and a loopback OpenAI-compatible provider:

(a) the model calls a tool then answers: the page shows the job's real status, the footer model · reason · cost,
    the ledger has purpose "chat" rows, and the conversation survives a reload;
(b) a status question is answered with no request reaching the provider;
(c) no provider: a clear message, while the fast path still answers;
(d) anonymous: the answer says to sign in (no proposal, no confirm button), and a replayed websocket event to the
    confirm handler does nothing; a signed-in admin confirms and TWS gets the rerun (audited).
Screenshots: docs/screenshots/chat.png and chat-phone.png (390 px, no sideways scroll).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.state.chat import ChatState
from tests.browser.conftest import ROOT, assert_no_sideways_scroll, wait_hydrated
from tests.browser.llm_provider import openai_provider
from tests.fakes.llm_server import Behavior, ToolCall
from tests.support.raw_events import RawClient, RawEvent

NAME = "chatsim"
KEY = "rk-chat-browser-key-0001"
SLOW_MS = 45_000
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _until(check, what: str, timeout_s: float = 45.0):
    """Poll `check()` until it returns something truthy (or fail after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)  # polling a condition with a deadline, not a timed check


@pytest.fixture(scope="module")
def plan(live_server):
    """A simulator polled by the server, one root job abended; yields (sim, job)."""
    from resync_app.tws_simulator.simulator import Simulator

    start = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(second=0, microsecond=0)
    sim = Simulator(jobs=200, seed=9, start=start, abend_rate=0.0, stuck_rate=0.0, late_rate=0.0,
                    flap_rate=0.0).start()
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": 5})
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": NAME, "instances": [{
        "name": NAME, "display_name": "Chat simulator", "base_url": sim.base_url, "username": sim.username,
        "password": sim.password, "enabled": True, "read_only": False}]})
    assert answer.status_code == 200, answer.text
    job = next(j for j in sim.find_jobs(root=True) if j["status"] not in ("SUCC", "ABEND", "EXEC"))
    sim.script_job(job["id"], "abend")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND", max_seconds=2 * 86400)
    _until(lambda: [r for r in live_server.get_json(f"/api/v1/tws/jobs?q={job['name']}&status=ABEND",
                                                    auth=None)["results"] if r["id"] == job["id"]],
           "the abend in the server's snapshot")
    yield sim, job
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    live_server.reset_config()
    sim.stop()


@pytest.fixture(scope="module")
def provider(live_server):
    with openai_provider(live_server, KEY, ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"]) as server:
        yield server


def _posts(server) -> int:
    return sum(1 for r in server.requests if r["method"] == "POST")


def _qualified(job) -> str:
    return f"{job['stream']}.{job['name']}"


def _ask(page, question: str):
    before = page.locator(".chat-assistant").count()
    page.locator("#chat-question").fill(question)
    page.locator("#chat-send").click()
    answer = page.locator(".chat-assistant").nth(before)
    expect(answer).to_have_attribute("data-outcome", re.compile(r"ok|refused|error|stopped"), timeout=SLOW_MS)
    expect(answer.locator(".chat-footer")).not_to_be_empty(timeout=SLOW_MS)
    return answer


def _open_chat(page):
    page.goto("/")
    wait_hydrated(page)
    expect(page.locator("#chat-question")).to_be_visible()


def _ledger_purposes(live_server) -> list[str]:
    with sqlite3.connect(live_server.data_dir / "resync.db") as db:
        return [row[0] for row in db.execute("SELECT purpose FROM llm_calls WHERE outcome = 'success'")]


def test_a_tool_call_then_an_answer_citing_the_real_status(page, live_server, plan, provider):
    sim, job = plan
    status = sim.job_info(job["id"])["status"]

    def reply(messages):
        results = [json.loads(m["content"]) for m in messages if m["role"] == "tool"]
        if results:
            r = results[-1]
            return f"**{r['name']}** is {r['status']} in the plan (return code {r.get('return_code')})."
        return [ToolCall("get_job", {"job": _qualified(job)})]

    provider.set_behavior("gpt-4o", Behavior(reply=reply, prompt_tokens=400, completion_tokens=30))
    _open_chat(page)
    answer = _ask(page, f"Why did {_qualified(job)} fail?")
    expect(answer.locator(".chat-answer-text")).to_contain_text(f"{job['name']} is {status} in the plan")
    expect(answer.locator(".chat-sources")).to_contain_text(f"get_job({_qualified(job)})")
    footer = answer.locator(".chat-footer")
    expect(footer).to_contain_text("gpt-4o")
    expect(footer).to_contain_text("complex")
    expect(footer).to_contain_text(re.compile(r"\$0\.\d+"))
    assert _posts(provider) == 2
    assert _until(lambda: _ledger_purposes(live_server).count("chat") >= 2, "two chat rows in the ledger")
    # thumbs up is stored
    answer.locator("[data-vote='1']").click()
    expect(answer.locator("[data-vote='1']")).to_have_attribute("aria-pressed", "true")
    # the conversation is kept per browser: a reload shows it again (from the server)
    page.reload()
    wait_hydrated(page)
    expect(page.locator(".chat-assistant").first.locator(".chat-answer-text")).to_contain_text(
        f"{job['name']} is {status}")
    expect(page.locator(".chat-assistant").first.locator("[data-vote='1']")).to_have_attribute("aria-pressed", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    answer = _ask(page, f"status of job {_qualified(job)}")
    page.screenshot(path=str(SCREENSHOTS / "chat.png"), full_page=True)


def test_a_status_question_reaches_no_model(page, live_server, plan, provider):
    sim, job = plan
    before = _posts(provider)
    _open_chat(page)
    answer = _ask(page, f"status of job {_qualified(job)}")
    expect(answer.locator(".chat-answer-text")).to_contain_text(f"is {sim.job_info(job['id'])['status']}")
    expect(answer.locator(".chat-footer")).to_have_text("answered from the plan, no model used")
    assert _posts(provider) == before


def test_no_provider_says_what_to_do_while_the_fast_path_answers(page, live_server, plan, provider):
    sim, job = plan
    answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={"enabled": False})
    assert answer.status_code == 200, answer.text
    try:
        _open_chat(page)
        page.locator("#chat-new").click()
        refused = _ask(page, "why is the whole plan so slow tonight?")
        expect(refused).to_have_attribute("data-outcome", "refused")
        expect(refused).to_contain_text("ask an admin to configure a provider")
        answered = _ask(page, "what is late?")
        expect(answered.locator(".chat-footer")).to_have_text("answered from the plan, no model used")
    finally:
        live_server.api("PUT", "/api/v1/litellm/providers/openai", json={"enabled": True})


def _action_audits(live_server) -> list[dict]:
    return [e for e in live_server.audit(200) if e["action"].startswith("tws.job.action")]


def test_anonymous_cannot_confirm_even_by_replaying_the_event(page, live_server, plan, provider):
    sim, job = plan
    runs = sim.job_info(job["id"])["runs"]
    _open_chat(page)
    page.locator("#chat-new").click()
    answer = _ask(page, f"rerun {_qualified(job)}")
    # not signed in: the answer says to sign in, and there is no proposal to confirm (issue 18, "Also")
    expect(answer.locator(".chat-answer-text")).to_contain_text(f"Sign in to rerun {_qualified(job)}")
    expect(answer.get_by_role("link", name="Sign in")).to_have_attribute("href", re.compile(r"/login"))
    expect(answer.locator(".chat-confirm-card")).to_have_count(0)
    expect(page.locator(".chat-confirm")).to_have_count(0)
    turn = answer.get_attribute("data-turn")
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert turn and token
    page.goto("about:blank")  # the tab goes; its state (with the proposal) stays on the server
    with RawClient(live_server.base_url, token=token) as client:
        client.send(RawEvent(ChatState.get_full_name(), "/", "confirm", {"turn_id": int(turn)}))
        assert client.wait_for(lambda s: any(r.startswith("/login") for r in s.redirects()),
                               what="the refusal's redirect to /login")
        assert client.session.new_tokens == []  # the replay reached the tab's own state
    assert sim.job_info(job["id"])["runs"] == runs
    assert not [e for e in _action_audits(live_server) if e["detail"].get("job_id") == job["id"]]


def test_a_signed_in_operator_confirms_and_tws_gets_the_rerun(signed_in_page, live_server, plan, provider):
    sim, job = plan
    runs = sim.job_info(job["id"])["runs"]
    page = signed_in_page
    _open_chat(page)
    page.locator("#chat-new").click()
    answer = _ask(page, f"rerun {_qualified(job)}")
    answer.locator(".chat-confirm").click()
    expect(answer.locator(".chat-confirm-note")).to_contain_text("sent to", timeout=SLOW_MS)
    assert _until(lambda: sim.job_info(job["id"])["runs"] == runs + 1, "the rerun at the simulator")
    audit = [e for e in _action_audits(live_server) if e["detail"].get("job_id") == job["id"]]
    assert audit and audit[0]["action"] == "tws.job.action" and audit[0]["actor"] == live_server.admin_username


def test_the_chat_fits_a_phone(phone_page, live_server, plan, provider):
    sim, job = plan
    page = phone_page
    _open_chat(page)
    page.locator("#chat-new").tap()
    _ask(page, f"status of job {_qualified(job)}")
    _ask(page, "what abended in the last hour?")
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "chat-phone.png"), full_page=True)
