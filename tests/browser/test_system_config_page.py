"""/admin/system in the browser: edit, review the diff, save, reload; inline validation; another admin's
change arriving live; rollback from the history. The REST API (CONTRACT §5) is the referee."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_hydrated

POLL = "tws_polling_interval_seconds"
REMOTE_TIMEOUT_MS = 30_000  # the page's watcher also re-checks every 20 s, so a missed wake-up still shows


@pytest.fixture
def config_page(page, sign_in, live_server):
    """Defaults restored (REST rollback to version 0), signed in, /admin/system open and loaded."""
    live_server.reset_config()
    sign_in(page, start="/login?next=/admin/system")
    expect(page).to_have_url(re.compile(r"/admin/system/?$"))
    wait_hydrated(page)
    expect(page.locator("#config-history")).to_be_visible()
    expect(page.locator("#base-version")).to_have_text(str(live_server.config_version()))
    return page


def open_category(page, name: str) -> None:
    page.locator(f"#cat-{name}").click()


def choose(page, field: str, option: str) -> None:
    """Pick an option of a Radix select."""
    page.locator(f"#field-{field}").click()
    page.get_by_role("option", name=option, exact=True).click()


def diff_row(page, field: str):
    return page.locator("#config-diff tr", has=page.locator("code", has_text=re.compile(rf"^{field}$")))


def history_row(page, version: int):
    return page.locator("#config-history tr", has=page.get_by_text(re.compile(rf"^v{version}$")))


def test_edit_two_fields_review_save_and_reload(config_page, live_server, screenshot):
    page = config_page
    before = live_server.config_version()

    open_category(page, "tws_monitoring")
    poll = page.locator(f"#field-{POLL}")
    expect(poll).to_have_value("30")
    poll.fill("45")
    expect(diff_row(page, POLL).locator("td")).to_have_text([POLL, "30", "→", "45", ""])

    open_category(page, "logging")
    expect(page.locator("#field-log_level")).to_have_text("INFO")
    choose(page, "log_level", "DEBUG")
    expect(diff_row(page, "log_level").locator("td")).to_have_text(["log_level", "INFO", "→", "DEBUG", ""])
    expect(page.locator("#diff-count")).to_have_text("2")
    expect(page.locator("#save-config")).to_be_enabled()
    screenshot("diff-before-save")
    assert live_server.config_version() == before, "editing alone must not save anything"

    page.locator("#save-config").click()
    expect(page.locator("#diff-count")).to_have_text("0")
    expect(page.locator("#base-version")).to_have_text(str(before + 1))
    expect(page.locator(f"#rollback-{before + 1}")).to_be_visible()
    values = live_server.config_values()
    assert (values[POLL], values["log_level"]) == (45, "DEBUG")
    assert live_server.config_version() == before + 1  # one batch, one version
    screenshot("saved")

    page.reload()
    wait_hydrated(page)
    expect(page.locator("#base-version")).to_have_text(str(before + 1))
    open_category(page, "tws_monitoring")
    expect(page.locator(f"#field-{POLL}")).to_have_value("45")
    open_category(page, "logging")
    expect(page.locator("#field-log_level")).to_have_text("DEBUG")
    row = history_row(page, before + 1)
    expect(row).to_contain_text(f"{POLL}: 30 → 45")
    expect(row).to_contain_text("log_level: INFO → DEBUG")
    expect(row).to_contain_text(live_server.admin_username)
    screenshot("after-reload")


def test_invalid_value_shows_inline_error_and_blocks_save(config_page, live_server, screenshot):
    page = config_page
    before = live_server.config_version()

    open_category(page, "tws_monitoring")
    page.locator(f"#field-{POLL}").fill("301")
    expect(page.locator(f"#error-{POLL}")).to_contain_text("at most 300")
    expect(page.locator("#save-config")).to_be_disabled()
    expect(page.locator("#diff-count")).to_have_text("0")
    screenshot("invalid-value")

    # A valid edit next to the invalid one still cannot be saved.
    open_category(page, "logging")
    choose(page, "log_level", "WARNING")
    expect(page.locator("#diff-count")).to_have_text("1")
    expect(page.locator("#save-config")).to_be_disabled()

    assert live_server.config_version() == before
    values = live_server.config_values()
    assert (values[POLL], values["log_level"]) == (30, "INFO")


def test_another_admins_change_shows_without_reload(config_page, live_server, screenshot):
    page = config_page
    before = live_server.config_version()

    # A pending edit of this admin, on another field...
    open_category(page, "logging")
    choose(page, "log_level", "WARNING")
    expect(diff_row(page, "log_level")).to_be_visible()
    open_category(page, "tws_monitoring")
    expect(page.locator(f"#field-{POLL}")).to_have_value("30")
    expect(page.locator("#remote-notice")).to_have_count(0)

    # ...while another admin saves through the REST API.
    result = live_server.config_update({POLL: 60}, auth="basic")
    assert result["version"] == before + 1

    notice = page.locator("#remote-notice")
    expect(notice).to_be_visible(timeout=REMOTE_TIMEOUT_MS)
    expect(notice).to_contain_text(f"{before} → {before + 1}")
    expect(page.locator(f"#field-{POLL}")).to_have_value("60")
    expect(page.locator("#base-version")).to_have_text(str(before + 1))
    expect(diff_row(page, "log_level").locator("td")).to_have_text(["log_level", "INFO", "→", "WARNING", ""])
    expect(history_row(page, before + 1)).to_contain_text(f"{POLL}: 30 → 60")
    screenshot("remote-change")


def test_rollback_from_history(config_page, live_server, screenshot):
    page = config_page
    first = live_server.config_update({POLL: 50})["version"]
    second = live_server.config_update({POLL: 70, "log_level": "ERROR"})["version"]
    page.reload()
    wait_hydrated(page)
    expect(page.locator("#base-version")).to_have_text(str(second))
    open_category(page, "tws_monitoring")
    expect(page.locator(f"#field-{POLL}")).to_have_value("70")

    page.locator(f"#rollback-{first}").click()
    confirm = page.locator("#confirm-rollback")
    expect(confirm).to_be_visible()
    expect(page.get_by_role("alertdialog")).to_contain_text(f"Roll back to version {first}?")
    screenshot("rollback-confirm", full_page=False)
    confirm.click()

    restored = second + 1
    expect(page.locator(f"#rollback-{restored}")).to_be_visible()
    expect(page.locator("#base-version")).to_have_text(str(restored))
    row = history_row(page, restored)
    expect(row).to_contain_text(f"rollback to v{first}")
    expect(row).to_contain_text(f"{POLL}: 70 → 50")
    expect(row).to_contain_text("log_level: ERROR → INFO")
    expect(page.locator(f"#field-{POLL}")).to_have_value("50")
    screenshot("rolled-back")

    assert live_server.config_version() == restored
    values = live_server.config_values()
    assert (values[POLL], values["log_level"]) == (50, "INFO")
    newest = live_server.get_json("/api/v1/system-config/history?limit=1")[0]
    assert newest["restored_from"] == first


def test_tabs_and_search_filter_in_the_browser(config_page, live_server):
    """Issue 19: a category tab or a search shows its fields without asking the server (no event sent), and the
    fields shown are exactly the category's, or those whose name or description matches."""
    page = config_page
    categories = live_server.get_json("/api/v1/system-config/categories")
    shown = page.locator("[data-field]:visible")
    expect(shown).to_have_count(len(categories[0]["fields"]))
    sent_before = len([f for f in page.ws_frames if f.direction == "sent"])
    for category in (categories[3], categories[1], categories[0]):
        open_category(page, category["name"])
        expect(page.locator(f"#cat-{category['name']}")).to_have_attribute("data-active", "true")
        expect(shown).to_have_count(len(category["fields"]))
        assert sorted(shown.evaluate_all("(els) => els.map((e) => e.dataset.field)")) == sorted(
            f["name"] for f in category["fields"])
    page.locator("#config-search").fill("redis")
    wanted = sorted(f["name"] for c in categories for f in c["fields"]
                    if "redis" in f["name"].lower() or "redis" in f["description"].lower())
    expect(shown).to_have_count(len(wanted))
    assert sorted(shown.evaluate_all("(els) => els.map((e) => e.dataset.field)")) == wanted
    assert len([f for f in page.ws_frames if f.direction == "sent"]) == sent_before  # nothing asked of the server
    open_category(page, categories[2]["name"])  # a tab click ends the search
    expect(page.locator("#config-search")).to_have_value("")
    expect(shown).to_have_count(len(categories[2]["fields"]))
