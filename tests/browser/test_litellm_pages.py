"""/admin/litellm and /admin/litellm-analytics in headless Chromium against the production build.

A provider pointed at a loopback fake LLM server through the edit dialog answers the Test button, and its key
never comes back (page HTML, websocket frames); the routing form saves through the System Configuration store
(history and audit show it); the analytics charts add up to GET /costs, follow the filters, and the CSV export
is the table; without a live admin session every handler of both pages is refused. The REST API is the referee.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

import resync_app.resync_app  # noqa: F401  (registers every state, the card substates too)
from resync_app.llm.providers import PROVIDERS
from resync_app.state.formatting import money
from resync_app.state.litellm_config import LiteLLMConfigState
from tests.browser.conftest import ROOT, frames_text, wait_hydrated
from tests.fakes.llm_server import FakeLLMServer
from tests.support.raw_events import RawEvent, send_raw_events

KEY = "sk-browser-" + uuid.uuid4().hex  # what the admin types; must never come back
ANSWER = "pong from the fake provider"
UI_SLOW_MS = 30_000


# ---- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_llm():
    server = FakeLLMServer(api_key=KEY, models=["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"]).start()
    server.default_behavior.reply = ANSWER
    yield server
    server.stop()


def _restore_openai(live_server) -> None:
    """The openai provider as a fresh install has it (disabled, no admin key, default base and models)."""
    answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
        "enabled": False, "api_key": "", "api_base": "", "models": list(PROVIDERS["openai"].default_models)})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def openai_clean(live_server):
    """openai starts and ends disabled and keyless; the configuration starts and ends at the defaults."""
    _restore_openai(live_server)
    live_server.reset_config()
    yield
    _restore_openai(live_server)
    live_server.reset_config()


@pytest.fixture
def openai_on_fake(live_server, fake_llm, openai_clean):
    """openai enabled against the fake server (through the REST API)."""
    answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
        "enabled": True, "api_key": KEY, "api_base": fake_llm.openai_base})
    assert answer.status_code == 200, answer.text
    assert answer.json()["configured"] is True
    return fake_llm


def _open(page, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}/?$"))
    wait_hydrated(page)


def card(page, pid: str):
    return page.locator(f"[data-provider={pid}]")


def choose(page, select_id: str, option: str) -> None:
    """Pick an option of a Radix select."""
    page.locator(f"#{select_id}").click()
    page.get_by_role("option", name=option, exact=True).click()


# ---- LiteLLM Configuration ---------------------------------------------------------------------------


def test_provider_dialog_sets_key_and_base_test_answers_and_the_key_never_comes_back(
        signed_in_page, live_server, fake_llm, openai_clean, ws_frames, screenshot):
    page = signed_in_page
    _open(page, "/admin/litellm")
    openai = card(page, "openai")
    expect(openai).to_contain_text("OpenAI")
    expect(openai.locator("[data-action=test]")).to_be_disabled()  # not configured yet

    openai.locator("[data-action=edit]").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Edit OpenAI")
    key_input = dialog.locator("input[data-provider-key-input], [data-provider-key-input] input").first
    key_posts = []
    page.on("request", lambda r: key_posts.append(r) if "/api/v1/ui/providers/" in r.url else None)
    expect(key_input).to_have_value("")  # write-only: never prefilled
    expect(key_input).to_have_attribute("type", "password")
    expect(dialog).to_contain_text("alias=model-id")
    dialog.locator("input[name=api_base]").fill("not a url")
    key_input.fill(KEY)
    dialog.locator("[data-action=save-provider]").click()
    expect(dialog.locator("[data-error=api_base]")).to_contain_text("http(s) URL")  # the API's own rule
    dialog.locator("input[name=api_base]").fill(fake_llm.openai_base)
    if not key_input.input_value():
        key_input.fill(KEY)
    dialog.locator("[data-action=save-provider]").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    expect(openai).to_contain_text("Active")
    expect(openai).to_contain_text("…" + KEY[-4:])
    expect(openai).to_contain_text(fake_llm.openai_base)
    view = next(p for p in live_server.get_json("/api/v1/litellm/providers") if p["id"] == "openai")
    assert view["enabled"] and view["configured"] and view["api_base"] == fake_llm.openai_base
    assert view["key_hint"] == "…" + KEY[-4:]
    audit = [e for e in live_server.audit(50) if e["action"] == "llm.provider.update" and e["target"] == "openai"]
    assert any(e["detail"].get("api_key") == "changed" for e in audit) and KEY not in json.dumps(audit)

    openai.locator("[data-action=test]").click()
    result = openai.locator("[data-test=ok]")
    expect(result).to_contain_text(ANSWER, timeout=UI_SLOW_MS)
    expect(result).to_contain_text("gpt-3.5-turbo")
    expect(openai).to_contain_text("UTC")  # the last success, with its time
    assert fake_llm.count() >= 1
    assert fake_llm.requests[-1]["headers"]["authorization"] == f"Bearer {KEY}"  # the key did reach the provider

    # the model browser: every routable model with prices, and a test with tokens and cost
    expect(page.locator("#model-table [data-model='gpt-4o-mini']")).to_contain_text("$")
    page.locator("[data-model='gpt-4o-mini'] [data-action=test-model]").click()
    expect(page.locator("#model-test-answer")).to_have_text(ANSWER, timeout=UI_SLOW_MS)
    expect(page.locator("#model-test")).to_contain_text("tokens")
    expect(page.locator("#model-test")).to_contain_text("cost $")
    page.locator("#model-search").fill("mini")
    expect(page.locator("#model-table tbody tr")).to_have_count(1)
    screenshot("litellm-config-after-test")

    # the key: not in the HTML, in no websocket frame either way; it went once over HTTP to the key route
    assert KEY not in page.content()
    page.reload()
    wait_hydrated(page)
    expect(card(page, "openai")).to_contain_text("…" + KEY[-4:])
    assert KEY not in page.content()
    assert KEY not in frames_text(ws_frames, "received")
    assert not [f.payload for f in ws_frames if KEY in f.payload], "the key travelled through the websocket"
    assert key_posts and all(r.method == "POST" and r.url.endswith("/api/v1/ui/providers/openai/key")
                             and KEY in (r.post_data or "") for r in key_posts)


def test_the_dialog_never_lets_a_stored_key_follow_a_new_base(signed_in_page, live_server, openai_on_fake):
    """Item 1 in the UI: a new API base without the key is refused in the dialog; with the key, both move."""
    receiver = FakeLLMServer(api_key=None, models=["gpt-4o-mini"]).start()  # any host: it accepts everything
    new_key = "sk-moved-" + uuid.uuid4().hex
    try:
        page = signed_in_page
        _open(page, "/admin/litellm")
        card(page, "openai").locator("[data-action=edit]").click()
        dialog = page.get_by_role("dialog")
        dialog.locator("input[name=api_base]").fill(receiver.openai_base)
        dialog.locator("[data-action=save-provider]").click()
        expect(dialog.locator("[data-error=api_key]")).to_contain_text("key again")
        view = next(p for p in live_server.get_json("/api/v1/litellm/providers") if p["id"] == "openai")
        assert view["api_base"] == openai_on_fake.openai_base and view["key_hint"] == "…" + KEY[-4:]

        key_input = dialog.locator("input[data-provider-key-input], [data-provider-key-input] input").first
        key_input.fill(new_key)
        dialog.locator("[data-action=save-provider]").click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        view = next(p for p in live_server.get_json("/api/v1/litellm/providers") if p["id"] == "openai")
        assert view["api_base"] == receiver.openai_base and view["key_hint"] == "…" + new_key[-4:]
        answer = live_server.api("POST", "/api/v1/litellm/test", json={"model": "gpt-4o-mini", "timeout": 10})
        assert answer.status_code == 200 and answer.json()["success"], answer.text
        sent = " ".join(r["headers"].get("authorization", "") for r in receiver.requests)
        assert new_key in sent and KEY not in sent
    finally:
        receiver.stop()


def test_routing_form_saves_through_system_configuration(signed_in_page, live_server, openai_on_fake):
    page = signed_in_page
    _open(page, "/admin/litellm")
    version = live_server.config_version()
    expect(page.locator("#routing-version")).to_have_text(str(version))

    # only routable models are offered: openai's five
    page.locator("#routing-LLM_ROUTING_SIMPLE_MODEL").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(len(PROVIDERS["openai"].default_models))
    page.get_by_role("option", name="gpt-4o-mini", exact=True).click()
    page.locator("#save-routing").click()
    expect(page.locator("#routing-version")).to_have_text(str(version + 1))
    assert live_server.config_values()["LLM_ROUTING_SIMPLE_MODEL"] == "gpt-4o-mini"
    audit = live_server.get_json("/api/v1/system-config/audit?limit=5")
    assert audit[0]["field"] == "LLM_ROUTING_SIMPLE_MODEL" and audit[0]["new_value"] == "gpt-4o-mini"
    assert audit[0]["actor"] == live_server.admin_username and audit[0]["version"] == version + 1

    # the store's errors show inline: someone else changed the complex model since this page loaded
    live_server.config_update({"LLM_ROUTING_COMPLEX_MODEL": "gpt-4"})
    choose(page, "routing-LLM_ROUTING_COMPLEX_MODEL", "gpt-4-turbo")
    page.locator("#save-routing").click()
    expect(page.locator("[data-error=LLM_ROUTING_COMPLEX_MODEL]")).to_contain_text("changed by")
    assert live_server.config_values()["LLM_ROUTING_COMPLEX_MODEL"] == "gpt-4"

    # the dry run: which model, why, the estimate; no provider call
    billed = lambda: sum(1 for r in openai_on_fake.requests if r["method"] == "POST")  # noqa: E731 (not GET /models)
    calls = billed()
    page.locator("#dry-question").fill("is PAYROLL running?")
    page.locator("#dry-run").click()
    expect(page.locator("#dry-model")).to_have_text("gpt-4o-mini")
    expect(page.locator("#dry-run-box")).to_contain_text("simple")
    expect(page.locator("#dry-cost")).to_contain_text("$")
    assert billed() == calls

    # System Configuration's history shows the routing change
    _open(page, "/admin/system")
    expect(page.locator("#config-history")).to_contain_text("LLM_ROUTING_SIMPLE_MODEL: gpt-3.5-turbo → gpt-4o-mini")


def test_budget_monitor_shows_spend_and_an_alert_can_be_acknowledged(signed_in_page, live_server, openai_on_fake,
                                                                     screenshot):
    page = signed_in_page
    answer = live_server.api("POST", "/api/v1/litellm/test", json={"model": "gpt-4o-mini"})
    assert answer.status_code == 200 and answer.json()["success"] and answer.json()["cost_usd"] > 0, answer.text
    live_server.config_update({"LLM_BUDGET_DAILY_USD": 1e-9})  # today's spend is now far past the limit
    alerts = live_server.get_json("/api/v1/litellm/budget")["alerts"]
    daily = [a for a in alerts if a["period"] == "daily" and a["acknowledged_at"] is None]
    assert {a["threshold"] for a in daily} >= {0.8, 1.0}, alerts

    _open(page, "/admin/litellm")
    expect(page.locator("[data-budget=daily]")).to_contain_text("exhausted")
    expect(page.locator("#gauge-daily .main-svg").first).to_be_attached()
    expect(page.locator("[data-budget=daily]")).to_contain_text("Resets")
    newest = page.locator("#budget-alerts tbody tr").first
    expect(newest).to_contain_text("Daily LLM budget")
    newest.locator("[data-action=acknowledge]").click()
    expect(newest).to_contain_text("✓ " + live_server.admin_username)
    screenshot("budget-alert-acknowledged")
    alerts = live_server.get_json("/api/v1/litellm/budget")["alerts"]
    assert alerts[0]["acknowledged_by"] == live_server.admin_username



def test_budget_monitor_says_plainly_when_cost_tracking_switches_budgets_off(signed_in_page, live_server,
                                                                            openai_clean):
    page = signed_in_page
    live_server.config_update({"LLM_COST_TRACKING_ENABLED": False})
    _open(page, "/admin/litellm")
    expect(page.locator("#budgets-note")).to_contain_text("do not limit paid models")
    expect(page.locator("[data-budget=daily]")).to_contain_text("not enforced")
    live_server.config_update({"LLM_COST_TRACKING_ENABLED": True})
    page.locator("text=Refresh").first.click()
    expect(page.locator("#budgets-note")).to_have_count(0)
    expect(page.locator("[data-budget=daily]")).not_to_contain_text("not enforced")

# ---- LiteLLM Analytics ----------------------------------------------------------------------------------

_FIGURE_TOTAL = """(id) => {
  const gd = document.getElementById(id);
  if (!gd || !gd.data) return null;
  let sum = 0;
  for (const trace of gd.data) if (trace.type === 'bar') for (const y of trace.y || []) sum += (y || 0);
  return {sum, traces: gd.data.map(t => t.name)};
}"""


SEED_ARGS = {"usage-rows": 4000, "days": 40, "seed": 5}


@pytest.fixture(scope="module")
def seeded(live_server):
    """4,000 synthetic calls over the last 40 days in the live server's database (`seed-demo`, like an
    operator would); removed afterwards (ledger rows of purpose "demo" and the rollups rebuilt from the rest)."""
    url = f"sqlite:///{live_server.data_dir / 'resync.db'}"
    env = dict(os.environ, RESYNC_DATABASE_URL=url, RESYNC_DATA_DIR=str(live_server.data_dir))
    args = [f"--{name}={value}" for name, value in SEED_ARGS.items()]
    done = subprocess.run([sys.executable, "-m", "resync_app", "seed-demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    yield url
    _unseed(url)


@pytest.fixture(scope="module")
def seeded_here(live_server):
    """The same calls as `seeded`, written by this process (what `seed-demo` runs, without a Python start and
    LiteLLM's import: the CLI itself is used by `seeded`)."""
    from resync_app.llm import pricing
    from resync_app.llm.demo import seed
    from tests.support import dbutil

    url = f"sqlite:///{live_server.data_dir / 'resync.db'}"
    own, own_prices = os.environ["RESYNC_DATABASE_URL"], dict(pricing._custom)
    dbutil.use_database(url)
    try:
        pricing.load_custom_prices()  # the server's admin-set prices, as `seed-demo` reads them
        seed(SEED_ARGS["usage-rows"], SEED_ARGS["days"], seed_value=SEED_ARGS["seed"], progress=lambda *_: None)
    finally:
        dbutil.use_database(own)
        pricing._custom.clear()
        pricing._custom.update(own_prices)  # this process's own again
    yield url
    _unseed(url)


def _unseed(url: str) -> None:
    from sqlalchemy import create_engine

    from tests.support.dbutil import forget_demo_calls

    engine = create_engine(url)
    with engine.begin() as conn:
        forget_demo_calls(conn)
    engine.dispose()


def _figure(page, chart_id: str) -> dict[str, Any]:
    page.wait_for_function(f"() => document.getElementById('{chart_id}')?.data !== undefined")
    return page.evaluate(_FIGURE_TOTAL, chart_id)


def _wait_total(page, chart_id: str, expected: float) -> dict[str, Any]:
    """The figure's bar total once it equals `expected` (the page updates asynchronously)."""
    page.wait_for_function(
        f"(expected) => {{ const f = ({_FIGURE_TOTAL})('{chart_id}'); return f && Math.abs(f.sum - expected) < 1e-6; }}",
        arg=expected, timeout=UI_SLOW_MS)
    return _figure(page, chart_id)


def test_analytics_charts_match_costs_follow_filters_and_export_the_table(signed_in_page, live_server, seeded,
                                                                          screenshot):
    page = signed_in_page
    _open(page, "/admin/litellm-analytics")
    expect(page.locator("#range-label")).to_contain_text("(30 days)")
    for chart_id in ("cost-trend", "model-breakdown", "requests-tokens", "latency", "error-rate", "burn-down",
                     "route-reasons"):
        expect(page.locator(f"#{chart_id} .main-svg").first).to_be_attached()

    costs = live_server.get_json("/api/v1/litellm/costs?days=30")
    figure = _wait_total(page, "cost-trend", costs["total_cost_usd"])
    assert set(figure["traces"]) == set(costs["model_costs"])
    expect(page.locator("#total-cost")).to_have_text(money(costs["total_cost_usd"]))

    # 7 days: another total, again GET /costs'
    page.locator("#range").get_by_role("radio", name="7 days").click()
    expect(page.locator("#range-label")).to_contain_text("(7 days)")
    week = live_server.get_json("/api/v1/litellm/costs?days=7")
    assert week["total_cost_usd"] < costs["total_cost_usd"]
    _wait_total(page, "cost-trend", week["total_cost_usd"])
    page.locator("#range").get_by_role("radio", name="30 days").click()
    _wait_total(page, "cost-trend", costs["total_cost_usd"])

    # a model filter: fewer traces, a smaller total, the analytics API's figure
    choose(page, "filter-model", "gpt-4o")
    narrowed = live_server.get_json("/api/v1/litellm/analytics?days=30&model=gpt-4o")["totals"]
    assert 0 < narrowed["cost_usd"] < costs["total_cost_usd"]
    figure = _wait_total(page, "cost-trend", narrowed["cost_usd"])
    assert figure["traces"] == ["gpt-4o"]
    expect(page.locator("#total-requests")).to_have_text(f"{narrowed['requests']:,}")
    page.locator("#stack-by").get_by_role("radio", name="By provider").click()
    page.wait_for_function("() => document.getElementById('cost-trend').data.map(t => t.name).join() === 'openai'")
    _wait_total(page, "cost-trend", narrowed["cost_usd"])

    # a provider filter
    choose(page, "filter-model", "all")
    choose(page, "filter-provider", "anthropic")
    anthropic = live_server.get_json("/api/v1/litellm/analytics?days=30&provider=anthropic")["totals"]
    expect(page.locator("#total-requests")).to_have_text(f"{anthropic['requests']:,}")
    expect(page.locator("#top-models tbody tr")).to_have_count(2)

    # the CSV export is the shown table
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith("_anthropic.csv")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    table = page.locator("#top-models tbody tr")
    expect(table).to_have_count(len(rows))
    for index, row in enumerate(rows):
        cells = table.nth(index).locator("td, th")
        expect(cells.nth(0)).to_contain_text(row["model"])
        expect(cells.nth(1)).to_have_text(row["provider"])
        expect(cells.nth(2)).to_have_text(f"{int(row['requests']):,}")
        expect(cells.nth(3)).to_have_text(f"{int(row['tokens']):,}")
        expect(cells.nth(4)).to_contain_text(money(float(row["cost_usd"])))
    assert sum(int(r["requests"]) for r in rows) == anthropic["requests"]

    # a custom range
    choose(page, "filter-provider", "all")
    start, end = costs["start_day"], costs["end_day"]
    page.locator("#range-start").fill(start)
    page.locator("#range-end").fill(end)
    expect(page.locator("#range-label")).to_contain_text(f"{start} – {end} (30 days)")
    _wait_total(page, "cost-trend", costs["total_cost_usd"])
    page.locator("#range-start").fill("2999-01-01")
    expect(page.locator("#range-error")).to_contain_text("on or before")

    # the route-reason view
    expect(page.locator("#route-reason-table")).to_contain_text("fallback")
    expect(page.locator("#fallback-cost")).to_contain_text("$")
    screenshot("litellm-analytics")


def test_analytics_refreshes_live_when_calls_are_recorded(signed_in_page, live_server, openai_on_fake):
    page = signed_in_page
    _open(page, "/admin/litellm-analytics")
    page.locator("#range").get_by_role("radio", name="7 days").click()
    before = live_server.get_json("/api/v1/litellm/analytics?days=7")["totals"]["requests"]
    expect(page.locator("#total-requests")).to_have_text(f"{before:,}")
    answer = live_server.api("POST", "/api/v1/litellm/test", json={"model": "gpt-4o-mini"})
    assert answer.status_code == 200 and answer.json()["success"], answer.text
    expect(page.locator("#total-requests")).to_have_text(f"{before + 1:,}", timeout=UI_SLOW_MS)


# ---- the front door -------------------------------------------------------------------------------------

CONFIG = LiteLLMConfigState.get_full_name()
# Every handler of these pages refusing a client without a live session: tests/browser/test_event_guard.py
# (it enumerates every admin handler of the app).


def test_a_raw_client_with_a_live_session_is_served(live_server, openai_on_fake):
    """Control: the same raw client with a real session cookie reaches the handlers."""
    cookie = live_server.open_session_cookie()
    try:
        served = send_raw_events(live_server.base_url, [RawEvent(CONFIG, "/admin/litellm/", "load", {})],
                                 cookie=cookie, done=LiteLLMConfigState.get_name())
        assert not served.unanswered and not served.redirects(), (served.unanswered, served.text[:2000])
        assert "gpt-4o-mini" in served.text  # the model browser and the routing options came back
        assert KEY not in served.text
    finally:
        live_server.close_session_cookie(cookie)
