"""Two worker processes on one PostgreSQL database, both handed the same events, each with its own dispatcher and
a webhook that takes 20 ms per card: both dispatchers send cards at the same time (the race happens), and still
exactly one card per event reaches the webhook."""

from __future__ import annotations

import os

import pytest

from tests.support import dbutil
from tests.support.forked import forked
from tests.support.pg import fresh_database
from tests.teams.conftest import TeamsHarness
from tests.teams.dispatch_worker import work

EVENTS = 60


@pytest.mark.postgres
def test_two_processes_send_one_card_per_event(database_url, hook, tmp_path):
    from resync_app.config import store
    from resync_app.teams import config as teams_config

    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        try:
            store.reset_store()
            assert store.get_store().update({"tws_teams_notifications_enabled": True}, "tests").success
            teams_config.update({"enabled": True, "webhook_url": hook.url}, "tests")
            hook.delay_s = 0.02  # 60 cards take over a second: both processes are at work together
            go = tmp_path / "go"
            env = {**os.environ, "RESYNC_DATABASE_URL": url}
            children = [forked(work, EVENTS, go, env=env) for _ in range(2)]
            go.touch()
            done = [child.wait(timeout=120) for child in children]
            outputs = [d.stdout for d in done]
            assert [d.returncode for d in done] == [0, 0], [d.stdout + d.stderr for d in done]
            figures = [dict(part.split("=") for part in out.strip().splitlines()[-1].split()) for out in outputs]
            sent = [int(f["sent"]) for f in figures]
            print("cards sent per process:", sent)
            assert all(n > 0 for n in sent), f"both dispatchers sent cards: {sent}"
            (a_first, a_last), (b_first, b_last) = [(float(f["first"]), float(f["last"])) for f in figures]
            assert a_first < b_last and b_first < a_last, "their sending overlapped in time"
            assert sum(sent) == EVENTS
            assert len(hook.requests) == EVENTS
            jobs = sorted(c["attachments"][0]["content"]["body"][-1]["facts"][1]["value"] for c in hook.cards)
            assert jobs == [f"JOB_{i:03d}" for i in range(EVENTS)]
            rows = TeamsHarness.rows()
            assert len(rows) == EVENTS and all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)
        finally:
            store.reset_store()
            dbutil.use_database(database_url)
