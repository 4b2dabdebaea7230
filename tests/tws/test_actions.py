"""`service.perform_action` through the operator route (POST /api/v1/tws/jobs/{id}/action): rerun / hold / release / cancel reach the simulator and are
audited; a read-only instance refuses (409, nothing sent); a TWS refusal is a 502 with TWS' message; the rerun's
new run becomes an event of its own at the next poll."""

from __future__ import annotations

from sqlmodel import select

from resync_app.db import session_scope
from resync_app.tws import instances, snapshot
from resync_app.tws.client import HWAClient
from resync_app.tws.models import TwsEvent, TwsPollerControl
from tests.support.quiet_instance import create_quiet_instance

NAME = "sim"


def _configure(sim, **extra) -> None:
    create_quiet_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                           "password": sim.password, **extra})


def _act(api, headers, job_id: str, action: str, **extra):
    return api.post(f"/api/v1/tws/jobs/{job_id}/action", json={"action": action, **extra}, headers=headers)


def _audit(api, headers) -> list[dict]:
    return [e for e in api.get("/api/v1/admin/audit?limit=100", headers=headers).json()
            if e["action"].startswith("tws.job")]


def test_hold_release_cancel_are_sent_and_audited(api, admin_headers, simulator):
    _configure(simulator)
    job = simulator.find_jobs(root=True)[0]
    answer = _act(api, admin_headers, job["id"], "hold")
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True
    assert simulator.job_info(job["id"])["held"] is True
    assert _act(api, admin_headers, job["id"], "release").status_code == 200
    assert simulator.job_info(job["id"])["held"] is False
    assert _act(api, admin_headers, job["id"], "cancel", instance=NAME).status_code == 200
    assert simulator.job_info(job["id"])["status"] == "CANCL"
    audit = _audit(api, admin_headers)
    assert [e["detail"]["action"] for e in reversed(audit)] == ["hold", "release", "cancel"]
    assert all(e["action"] == "tws.job.action" and e["actor"] == "admin" for e in audit)
    with session_scope() as db:  # each action asks the leader for a poll so the snapshot catches up
        assert db.get(TwsPollerControl, NAME).poll_now_seq == 3


def test_tws_refusal_is_502_with_its_message(api, admin_headers, simulator):
    _configure(simulator)
    job = simulator.find_jobs(root=True)[0]
    answer = _act(api, admin_headers, job["id"], "release")  # not held
    assert answer.status_code == 502
    assert "AWSJSM103E" in answer.json()["detail"] and "not held" in answer.json()["detail"]
    [entry] = _audit(api, admin_headers)
    assert entry["action"] == "tws.job.action.failed" and entry["detail"]["error"] == "refused"


def test_read_only_instance_refuses_without_calling_tws(api, admin_headers, simulator):
    _configure(simulator, read_only=True)
    job = simulator.find_jobs(root=True)[0]
    before = len(simulator.requests())
    answer = _act(api, admin_headers, job["id"], "hold")
    assert answer.status_code == 409 and "read-only" in answer.json()["detail"]
    assert len(simulator.requests()) == before
    assert simulator.job_info(job["id"])["held"] is False
    assert _audit(api, admin_headers)[0]["action"] == "tws.job.action.refused"


def test_disabled_instance_refuses_without_calling_tws(api, admin_headers, simulator):
    """Issue 15 item 10: a disabled instance is refused like a read-only one (409), nothing reaches TWS."""
    _configure(simulator)
    instances.update_instance(NAME, {"enabled": False}, "tests")
    job = simulator.find_jobs(root=True)[0]
    before = len(simulator.requests())
    for action in ("hold", "release", "cancel", "rerun"):
        answer = _act(api, admin_headers, job["id"], action)
        assert answer.status_code == 409, answer.text
        assert "disabled" in answer.json()["detail"]
    assert len(simulator.requests()) == before
    assert simulator.job_info(job["id"])["held"] is False and simulator.job_info(job["id"])["status"] != "CANCL"
    audit = _audit(api, admin_headers)
    assert [e["action"] for e in audit] == ["tws.job.action.refused"] * 4
    assert all(e["detail"]["reason"] == "disabled" for e in audit)


def test_bad_requests(api, admin_headers, simulator):
    _configure(simulator)
    assert _act(api, admin_headers, "x", "explode").status_code == 422
    assert _act(api, admin_headers, "x", "hold", instance="ghost").status_code == 404
    assert api.post("/api/v1/tws/jobs/x/action", json={"action": "hold"}).status_code == 401


async def test_rerun_gives_a_new_run_and_new_events(clean_db, simulator):
    """A rerun of an abended job: the next poll sees the new run start — a new event, not a repeat."""
    from resync_app.tws import service

    _configure(simulator)
    job = simulator.find_jobs(root=True)[0]
    async with HWAClient(simulator.connection()) as client:
        await snapshot.poll_instance(NAME, client, now=simulator.now)
        simulator.script_job(job["id"], "abend")
        simulator.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
        await snapshot.poll_instance(NAME, client, now=simulator.now)
        result = await service.perform_action(NAME, job["id"], "rerun", "tests")
        assert result["success"]
        simulator.run_until(lambda s: s.job_info(job["id"])["status"] in ("EXEC", "SUCC"))
        await snapshot.poll_instance(NAME, client, now=simulator.now)
    with session_scope() as db:
        types = [e.type for e in db.exec(select(TwsEvent).where(TwsEvent.job_id == job["id"]).order_by(TwsEvent.id))]
    assert types[0] == "job_abended" and types.count("job_abended") == 1
    assert types[1] in ("job_started", "job_completed")


def test_an_operator_acts_and_is_audited_by_name(api, admin_headers, operator_headers, operator_user, simulator):
    _configure(simulator)
    job = simulator.find_jobs(root=True)[0]
    answer = _act(api, operator_headers, job["id"], "hold")
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True and answer.json()["message"]
    assert simulator.job_info(job["id"])["held"] is True
    [entry] = _audit(api, admin_headers)
    assert entry["action"] == "tws.job.action" and entry["actor"] == operator_user[0]


def test_anonymous_and_cross_site_clients_cannot_act(api, operator_user, simulator):
    from resync_app.auth.sessions import SESSION_COOKIE

    _configure(simulator)
    job = simulator.find_jobs(root=True)[0]
    assert _act(api, {}, job["id"], "hold").status_code == 401
    signed_in = api.post("/api/v1/auth/session", data={"username": operator_user[0], "password": operator_user[1]},
                         headers={"Origin": "http://testserver"}, follow_redirects=False)
    api.cookies.set(SESSION_COOKIE, signed_in.cookies[SESSION_COOKIE])
    assert _act(api, {"Origin": "https://evil.example"}, job["id"], "hold").status_code == 403
    assert simulator.job_info(job["id"])["held"] is False
    assert _act(api, {"Origin": "http://testserver"}, job["id"], "hold").status_code == 200  # the page's own fetch
    assert simulator.job_info(job["id"])["held"] is True
    api.cookies.clear()
