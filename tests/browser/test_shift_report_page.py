"""/shift-report in headless Chromium against the production build, on the hand-made shift of
tests/support/shift_seed.py written into the server's database: the totals and sections are those of
`GET /api/v1/reports/shift`, every job links to its /monitoring drawer (and the link opens it), a job name full of
markup stays text, the time range (presets, custom from–to) changes the report without a reload, "Copy as
Markdown" puts the API's Markdown in the clipboard, user names appear only for a signed-in viewer, and at 390 px
nothing scrolls sideways."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (SESSION_COOKIE, _context_page, assert_no_sideways_scroll, save_shot,
                                    wait_hydrated)
from tests.support import shift_seed
from tests.support.forked import forked
from tests.support.shift_seed import EVIL, EXPECTED, INSTANCE

ROUTE = "/shift-report"
TOTALS = ("started", "completed", "abended", "reruns", "holds", "releases", "cancels", "late", "stuck",
          "critical_missed", "critical_at_risk")


def _seed_script(live_server, command: str) -> str:
    env = dict(os.environ, RESYNC_DATABASE_URL=f"sqlite:///{live_server.data_dir / 'resync.db'}",
               RESYNC_DATA_DIR=str(live_server.data_dir), RESYNC_TIMEZONE="UTC", RESYNC_TWS_SIMULATOR="0")
    done = forked(shift_seed.run, command, env=env).wait(timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def shift(live_server):
    """The hand-made shift in the live server (its window: {"from", "to"}); removed afterwards."""
    window = json.loads(_seed_script(live_server, "seed").strip().splitlines()[-1])
    yield {key: datetime.fromisoformat(value) for key, value in window.items()}
    _seed_script(live_server, "unseed")


@pytest.fixture
def clip_page(browser, live_server, ws_frames, request):
    """A desktop page allowed to use the clipboard."""
    with _context_page(browser, live_server, ws_frames, request, viewport={"width": 1440, "height": 1000},
                       permissions=["clipboard-read", "clipboard-write"]) as pg:
        yield pg


def _query(shift, **extra) -> str:
    return urlencode({"instance": INSTANCE, "from": shift["from"].isoformat(), "to": shift["to"].isoformat(),
                      **extra})


def _api(live_server, shift, auth=None, **params) -> dict:
    return live_server.get_json(f"/api/v1/reports/shift?{_query(shift, **params)}", auth=auth)


def _open(pg, path: str) -> None:
    pg.goto(path)
    wait_hydrated(pg)
    expect(pg.locator("#totals")).to_be_visible()


def _expect_totals(pg, totals: dict) -> None:
    for key in TOTALS:
        expect(pg.locator(f"#total-{key.replace('_', '-')}")).to_have_text(str(totals[key]))


def test_the_page_is_the_report_with_links_and_a_markdown_copy(clip_page, live_server, shift, request):
    page = clip_page
    report = _api(live_server, shift)
    assert report["totals"] == EXPECTED["totals"]
    _open(page, f"{ROUTE}?{_query(shift)}")
    page.evaluate("window.__samePage = true")
    _expect_totals(page, report["totals"])
    expect(page.locator("#count-abended")).to_have_text("4")
    expect(page.locator("#count-open")).to_have_text(str(EXPECTED["open_counts"]["total"]))
    expect(page.locator("#window-label")).to_contain_text(f"{shift['from']:%Y-%m-%d %H:%M} → "
                                                          f"{shift['to']:%Y-%m-%d %H:%M} (UTC)")
    for section, rows in (("abended", report["abended"]), ("actions", report["actions"]), ("late", report["late"]),
                          ("missed", report["missed"]), ("open", report["open"])):
        links = page.locator(f"#section-{section} [data-job-link]")
        expect(links).to_have_count(len(rows))
        for n, row in enumerate(rows):
            expect(links.nth(n)).to_have_attribute("href", f"/monitoring?job={row['job_id']}&instance={INSTANCE}")
    # a job name full of markup is shown as text: no image, no javascript: link comes out of it
    evil = page.locator("#section-abended [data-job-link='J13']")
    expect(evil).to_have_text(EVIL)
    assert page.locator("img[src='x']").count() == 0 and page.locator("a[href^='javascript']").count() == 0
    # anonymous: who did what is for signed-in users
    expect(page.locator("#users-hidden")).to_be_visible()
    expect(page.locator("#section-actions")).not_to_contain_text("alice")
    save_shot(page, "shift-report", request, full_page=True)

    page.locator("#copy-markdown").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    markdown = live_server.api("GET", f"/api/v1/reports/shift?{_query(shift, format='md')}", auth=None).text
    generated = re.compile(r" · generated \d{4}-\d\d-\d\d \d\d:\d\d")
    assert generated.sub("", copied) == generated.sub("", markdown)
    assert "## Abended (4)" in copied and f"`{EVIL}`" in copied

    expect(page.locator("#download-csv")).to_have_attribute("href", re.compile(r"^/api/v1/reports/shift\?.*format=csv"))
    csv_href = page.locator("#download-csv").get_attribute("href")
    csv_answer = live_server.api("GET", csv_href, auth=None)
    assert csv_answer.status_code == 200 and "totals,abended,4" in csv_answer.text

    # the custom range: one minute later is one abend fewer (06:00:00 is out), without a reload
    page.get_by_role("radio", name="Custom").click()
    later = shift["from"] + timedelta(minutes=1)
    page.locator("#range-from").fill(f"{later:%Y-%m-%dT%H:%M}")
    page.locator("#range-apply").click()
    expect(page.locator("#total-abended")).to_have_text("3")
    expect(page.locator("#window-label")).to_contain_text(f"{later:%Y-%m-%d %H:%M} →")
    # a preset: the last 12 hours, ending now, as the API counts them
    page.get_by_role("radio", name="12 h").click()
    expect(page.locator("#window-label")).not_to_contain_text(f"{later:%Y-%m-%d %H:%M} →")
    twelve = live_server.get_json(f"/api/v1/reports/shift?{urlencode({'instance': INSTANCE, 'hours': 12})}",
                                  auth=None)
    _expect_totals(page, twelve["totals"])
    assert twelve["totals"]["abended"] == 6  # 05:59:59 and 14:00:00 are inside the last 12 hours too
    assert page.evaluate("window.__samePage") is True

    # a job's link opens its drawer on /monitoring
    page.locator("#section-abended [data-job-link='J01']").click()
    expect(page).to_have_url(re.compile(r"/monitoring/?\?job=J01&instance=shift-tws$"))
    expect(page.locator("#job-drawer")).to_have_attribute("data-job", "PAYROLL_DAILY")


def test_a_signed_in_viewer_sees_who_did_each_action(page, live_server, shift):
    cookie = live_server.open_session_cookie()
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_server.base_url}])
    _open(page, f"{ROUTE}?{_query(shift)}")
    rows = page.locator("#section-actions tbody tr")
    expect(rows).to_have_count(len(EXPECTED["actions"]))
    for n, (user, action, job_id, _result) in enumerate(EXPECTED["actions"]):
        expect(rows.nth(n)).to_contain_text(user)
        expect(rows.nth(n)).to_contain_text(action)
        expect(rows.nth(n)).to_have_attribute("data-row", job_id)
    expect(page.locator("#users-hidden")).to_have_count(0)


def test_it_is_in_the_operator_navigation_and_fits_a_phone(phone_page, live_server, shift, request):
    _open(phone_page, f"{ROUTE}?{_query(shift)}")
    _expect_totals(phone_page, EXPECTED["totals"])
    assert_no_sideways_scroll(phone_page)
    save_shot(phone_page, "shift-report-phone", request)
    phone_page.locator("#operator-menu-button").click()
    expect(phone_page.locator("#operator-menu [data-nav='Shift report']")).to_be_visible()
