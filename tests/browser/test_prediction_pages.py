"""Deadline prediction where operators look (issue 17), in headless Chromium against the production build: the
realtime "Critical jobs at risk" panel shows a critical job's estimated end with its 80 % interval and the top cause,
the /monitoring job drawer the estimate and the causes, and the chat answers "when will X finish?" with the interval
at $0.

The instance is configured disabled (no background poller) and its snapshot is seeded into the server's database:
a critical job at high risk with the estimate the poller would have stored (CONTRACT §13 columns).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete
from sqlmodel import Session, create_engine

from resync_app.tws.models import TwsPlanJob, TwsSummary
from tests.browser.conftest import save_shot, wait_hydrated
from tests.browser.test_chat_page import SLOW_MS, _ask, _open_chat

NAME = "predsim"
JOB, PRED = "EOD_LEDGER_CLOSE", "GL_EXTRACT"


@pytest.fixture(scope="module")
def seeded(live_server):
    from resync_app.tws_simulator.simulator import Simulator

    sim = Simulator(jobs=40, seed=5).start()  # only for a valid base URL: the instance is never polled
    answer = live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": NAME, "instances": [{
        "name": NAME, "display_name": "Prediction", "base_url": sim.base_url, "username": sim.username,
        "password": sim.password, "enabled": False, "read_only": True}]})
    assert answer.status_code == 200, answer.text
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    deadline, end = now + timedelta(hours=2), now + timedelta(hours=2, minutes=25)
    low, high = end - timedelta(minutes=15), end + timedelta(minutes=20)
    why = [{"cause": "abended_predecessor", "job": PRED, "minutes": 21.0},
           {"cause": "slow_run", "job": JOB, "minutes": 4.0}]
    engine = create_engine(f"sqlite:///{live_server.data_dir / 'resync.db'}")
    with Session(engine) as db:
        db.add(TwsSummary(instance=NAME, as_of=now, poll_seq=1, baseline_at=now, total=2, at_risk=1, pending=1,
                          failed=1, status_counts=json.dumps({"ABEND": 1, "HOLD": 1}), updated_at=now))
        db.add(TwsPlanJob(instance=NAME, job_id="crit-1", name=JOB, job_stream="FINANCE_EOD", job_stream_id="s1",
                          workstation="CPU_LINUX01", status="HOLD", scheduled_start=now, deadline=deadline,
                          estimated_duration_s=600.0, critical=True, predecessors='["pred-1"]', deps_state=2,
                          risk="high", confidence=0.12, estimated_end=end, estimated_end_low=low,
                          estimated_end_high=high, why=json.dumps(why), updated_at=now))
        db.add(TwsPlanJob(instance=NAME, job_id="pred-1", name=PRED, job_stream="FINANCE_EOD", job_stream_id="s1",
                          workstation="CPU_LINUX01", status="ABEND", start=now - timedelta(minutes=30),
                          end=now - timedelta(minutes=20), return_code=8, updated_at=now))
        db.commit()
    yield {"end": end, "low": low, "high": high}
    with Session(engine) as db:
        db.execute(delete(TwsPlanJob).where(TwsPlanJob.instance == NAME))
        db.execute(delete(TwsSummary).where(TwsSummary.instance == NAME))
        db.commit()
    engine.dispose()
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    live_server.reset_config()
    sim.stop()


def test_the_realtime_panel_and_the_chat_show_the_interval(signed_in_page, live_server, seeded, request):
    page = signed_in_page
    hm = {k: v.strftime("%H:%M") for k, v in seeded.items()}
    page.goto("/realtime-dashboard")
    wait_hydrated(page)
    estimate = page.locator(f'[data-estimate="{JOB}"]')
    expect(estimate).to_have_text(f"estimated end {hm['end']} UTC (80 %: {hm['low']}–{hm['high']})",
                                  timeout=SLOW_MS)
    expect(page.locator(f'[data-why="{JOB}"]')).to_have_text(
        f"why: {PRED} abended and waits for a rerun (+21 min)")
    save_shot(page, "realtime-prediction", request)

    page.goto("/monitoring?job=crit-1")  # the job drawer: the estimate next to the confidence, and why
    wait_hydrated(page)
    drawer = page.locator("#job-drawer")
    expect(drawer).to_contain_text(f"Estimated end{hm['end']} UTC (80 %: {hm['low']}–{hm['high']})",
                                   timeout=SLOW_MS)
    expect(drawer).to_contain_text("Confidence12%")
    expect(drawer.locator("[data-why]")).to_have_text([f"{PRED} abended and waits for a rerun (+21 min)",
                                                       f"{JOB} is running slower than usual (+4 min)"])

    _open_chat(page)
    page.locator("#chat-new").click()
    answer = _ask(page, f"when will {JOB} finish?")
    text = answer.locator(".chat-answer-text")
    expect(text).to_contain_text(re.compile(r"Estimated end \d\d:\d\d, 80 % interval \d\d:\d\d–\d\d:\d\d\."))
    expect(text).to_contain_text(f"{PRED} abended and waits for a rerun (+21 min)")
    expect(answer.locator(".chat-footer")).to_have_text("answered from the plan, no model used")
    portuguese = _ask(page, f"o job {JOB} vai cumprir o prazo?").locator(".chat-answer-text")
    expect(portuguese).to_contain_text(re.compile(r"Término estimado \d\d:\d\d, intervalo de 80 % "))
    expect(portuguese).to_contain_text("provavelmente não")
