"""Operator-page defects of issue 19, in headless Chromium against two simulators (two TWS instances).

- The instance picker of /monitoring and /realtime-dashboard shows the instance whose data is on screen (the
  primary one first, even when another is listed before it), and choosing another changes the data.
- The realtime "Jobs per status today" chart labels each tick once, even with a single poll today.
- In the /monitoring table the Job link sits on the same line as the other cells of its row.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from resync_app.tws_simulator.simulator import Simulator
from tests.browser.conftest import save_shot, wait_hydrated

FIRST, PRIMARY = "alpha", "zulu"  # listed in this order; the second one is the primary instance
DISPLAY = {FIRST: "Alpha engine", PRIMARY: "Zulu engine"}
JOBS = {FIRST: 120, PRIMARY: 260}


@pytest.fixture(scope="module")
def sims():
    start = (datetime.now(timezone.utc) - timedelta(hours=3)).replace(second=0, microsecond=0)
    found = {name: Simulator(jobs=JOBS[name], seed=seed, start=start, password=f"Sim-{name}-" + start.strftime("%H%M"))
             .start() for name, seed in ((FIRST, 3), (PRIMARY, 4))}
    yield found
    for sim in found.values():
        sim.stop()


@pytest.fixture(scope="module")
def two_instances(live_server, sims):
    """Both simulators as instances ("alpha" listed first, "zulu" the primary), each polled once."""
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": PRIMARY, "instances": [
        {"name": name, "display_name": DISPLAY[name], "base_url": sim.base_url, "username": sim.username,
         "password": sim.password} for name, sim in sims.items()]})
    assert answer.status_code == 200, answer.text
    live_server.reset_config()
    live_server.config_update({"tws_polling_interval_seconds": 300})  # one poll each: one point on today's chart
    deadline = time.monotonic() + 90
    for name in sims:
        while not live_server.get_json(f"/api/v1/tws/summary?instance={name}", auth=None)["as_of"]:
            assert time.monotonic() < deadline, f"the server never polled {name}"
            time.sleep(0.5)  # waiting for the background poller, not a timing assertion
    counts = {name: live_server.get_json(f"/api/v1/tws/jobs?instance={name}&limit=1", auth=None)["count"]
              for name in sims}
    assert counts[FIRST] != counts[PRIMARY]  # the page label tells the two plans apart
    yield counts
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    live_server.reset_config()


def _open(pg, path: str) -> None:
    pg.goto(path)
    expect(pg).to_have_url(re.compile(re.escape(path) + "/?$"))
    wait_hydrated(pg)


def _choose(pg, option: str) -> None:
    pg.locator("#instance-picker").click()
    pg.get_by_role("option", name=option, exact=True).click()


def test_monitoring_picker_shows_the_instance_on_screen(page, two_instances, request):
    _open(page, "/monitoring")
    label, picker = page.locator("#page-label"), page.locator("#instance-picker")
    expect(label).to_have_text(re.compile(rf"of {two_instances[PRIMARY]:,}$"))
    expect(picker).to_have_text(PRIMARY)  # the data on screen is the primary's: so is the picker
    save_shot(page, "monitoring-picker-primary", request)
    _choose(page, FIRST)
    expect(label).to_have_text(re.compile(rf"of {two_instances[FIRST]:,}$"))
    expect(picker).to_have_text(FIRST)
    _choose(page, PRIMARY)
    expect(label).to_have_text(re.compile(rf"of {two_instances[PRIMARY]:,}$"))
    expect(picker).to_have_text(PRIMARY)


def test_realtime_picker_shows_the_instance_on_screen(page, two_instances, request):
    _open(page, "/realtime-dashboard")
    banner, picker = page.locator("#health-banner"), page.locator("#instance-picker")
    expect(banner).to_contain_text(DISPLAY[PRIMARY])
    expect(picker).to_have_text(PRIMARY)
    _choose(page, FIRST)
    expect(banner).to_contain_text(DISPLAY[FIRST])
    expect(picker).to_have_text(FIRST)
    save_shot(page, "realtime-picker-first", request)


def test_realtime_chart_labels_each_tick_once(page, two_instances, request):
    """One poll today (or two): Plotly's own choice of ticks on so short a span repeats "22:04" several times."""
    _open(page, "/realtime-dashboard")
    ticks = page.locator("#jobs-chart .xtick text")
    expect(ticks.first).to_be_visible()
    page.wait_for_function("() => document.querySelectorAll('#jobs-chart .xtick text').length > 0")
    labels = ticks.all_text_contents()
    save_shot(page, "realtime-chart-ticks", request, full_page=True)
    assert len(labels) >= 2, labels
    assert len(set(labels)) == len(labels), f"repeated tick labels: {labels}"
    assert all(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels


_CENTRES = r"""
(row) => {
  const centre = (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const boxes = [...range.getClientRects()].filter((r) => r.height > 0);
    const top = Math.min(...boxes.map((r) => r.top)), bottom = Math.max(...boxes.map((r) => r.bottom));
    return (top + bottom) / 2;
  };
  return [...row.querySelectorAll('td')].map(centre);
}
"""


def test_monitoring_job_link_sits_in_line_with_its_row(page, two_instances, request):
    _open(page, "/monitoring")
    rows = page.locator("#jobs-table tbody tr")
    expect(rows).to_have_count(50)
    for index in (0, 7, 23):
        status, job, stream, workstation, start, *_ = rows.nth(index).evaluate(_CENTRES)
        assert abs(job - stream) <= 1.0, f"row {index}: the Job link's centre is {stream - job:.1f} px above the " \
                                         f"Stream cell's"
        assert abs(stream - workstation) <= 1.0 and abs(status - stream) <= 2.0
    save_shot(page, "monitoring-row-alignment", request)
