"""/metrics/dashboard in headless Chromium: with seeded LLM calls, chat turns, polls and events every chart draws
its series, the tiles show the figures of `GET /api/v1/metrics/summary`, the window selector and the Refresh button
change them without a reload, the page picks up a new event by itself, nothing is written, and at 390 px nothing
scrolls sideways."""

from __future__ import annotations

import os
import uuid

import pytest
from playwright.sync_api import expect

from resync_app.state.formatting import compact
from resync_app.state.metrics_dashboard import REFRESH_S
from tests.browser.conftest import assert_no_sideways_scroll, save_shot, wait_hydrated
from tests.support import metrics_seed
from tests.support.forked import forked

ROUTE = "/metrics/dashboard"
CHARTS = ("chart-requests", "chart-tokens", "chart-latency", "chart-rates", "chart-chat", "chart-polls",
          "chart-events")


def server_db(live_server, *args: str) -> None:
    """Run `tests/support/metrics_seed.py` against the live server's database (in a process forked from this one)."""
    env = dict(os.environ, RESYNC_DATABASE_URL=f"sqlite:///{live_server.data_dir / 'resync.db'}",
               RESYNC_DATA_DIR=str(live_server.data_dir), RESYNC_TIMEZONE="UTC")
    done = forked(metrics_seed.run, *args, env=env).wait(timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def metrics_seeded(live_server):
    """The seeded rows of tests/support/metrics_seed.py (ending today) in the live server; removed afterwards."""
    server_db(live_server, "seed")
    yield
    server_db(live_server, "unseed")


def summary(live_server, days: int = 7) -> dict:
    return live_server.get_json(f"/api/v1/metrics/summary?days={days}", auth=None)


def _counts(live_server) -> dict:
    """What the page could change if it wrote anything: the configuration's version and the audit log."""
    return {"config": live_server.config_version(), "audit": len(live_server.audit(1000))}


def _open(pg) -> None:
    pg.goto(ROUTE)
    wait_hydrated(pg)
    expect(pg.locator("#metrics-window-label")).not_to_be_empty()


def test_charts_and_tiles_show_the_api_figures(page, live_server, metrics_seeded, request):
    before = _counts(live_server)
    _open(page)
    figures = summary(live_server)
    llm = figures["llm"]["totals"]
    assert llm["requests"] >= 6 and figures["events"]["totals"]["critical"] >= 2
    expect(page.locator("#tile-requests")).to_have_text(f"{llm['requests']:,}")
    expect(page.locator("#tile-tokens")).to_have_text(compact(llm["input_tokens"] + llm["output_tokens"]))
    expect(page.locator("#tile-events")).to_have_text(f"{figures['events']['totals']['total']:,}")
    expect(page.locator("#tile-fast-path")).to_have_text(f"{figures['chat']['totals']['fast_path_share'] * 100:.0f}%")
    for chart_id in CHARTS:  # a drawn series, not the "nothing in this window" annotation
        expect(page.locator(f"#{chart_id} .main-svg").first).to_be_visible()
        expect(page.locator(f"#{chart_id} .cartesianlayer .trace").first).to_be_attached()
    expect(page.locator("#chart-events .legend")).to_contain_text("critical")
    expect(page.locator("#chart-latency .legend")).to_contain_text("p95")
    save_shot(page, "metrics", request, full_page=True)

    page.evaluate("window.__sameDocument = true")
    page.get_by_role("radio", name="90 days").click()
    wide = summary(live_server, 90)
    expect(page.locator("#metrics-window-label")).to_contain_text(wide["start_day"])
    expect(page.locator("#tile-requests")).to_have_text(f"{wide['llm']['totals']['requests']:,}")

    events_before = wide["events"]["totals"]["total"]
    server_db(live_server, "add-event", uuid.uuid4().hex[:8])
    page.locator("#metrics-refresh").click()
    expect(page.locator("#tile-events")).to_have_text(f"{events_before + 1:,}")

    server_db(live_server, "add-event", uuid.uuid4().hex[:8])  # the periodic refresh finds this one
    expect(page.locator("#tile-events")).to_have_text(f"{events_before + 2:,}", timeout=(REFRESH_S + 15) * 1000)
    assert page.evaluate("window.__sameDocument === true")  # no reload
    assert _counts(live_server) == before  # reading changed nothing


def test_metrics_fit_a_phone(phone_page, live_server, metrics_seeded, request):
    _open(phone_page)
    expect(phone_page.locator("#chart-events .main-svg").first).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    save_shot(phone_page, "metrics-phone", request, full_page=True)
