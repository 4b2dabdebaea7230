"""Issue 16, D1/D2: error answers and refusals in every shape the spec allows (it gives error answers a status and
no body). Resync classifies them by status code and structure, and shows TWS' own words — whatever body they came
in, never as HTML — or just the status when the body says nothing; a 200 that reports an error is a refusal."""

from __future__ import annotations

import pytest

from resync_app.tws.client import HWAClient
from resync_app.tws.errors import TWSNotFound, TWSRefused, TWSUnauthorized
from resync_app.tws_simulator.behaviours import ERROR_BODIES, Behaviours
from tests.support.quiet_instance import enable_quietly
from tests.tws.polling import NAME, configure

REASON = "is not held"  # the simulator's words for a release of a job that is not held


def _release(api, headers, job_id: str):
    return api.post(f"/api/v1/tws/jobs/{job_id}/action", json={"action": "release"}, headers=headers)


def _audit(api, headers) -> list[dict]:
    return [e for e in api.get("/api/v1/admin/audit?limit=100", headers=headers).json()
            if e["action"].startswith("tws.job")]


@pytest.mark.parametrize("refusal", ["400", "409", "200"])
@pytest.mark.parametrize("body", ERROR_BODIES)
async def test_a_refusal_in_any_shape_is_a_refusal_with_what_tws_said(clean_db, simulator_factory, body, refusal):
    sim = simulator_factory(behaviours=Behaviours(error_body=body, refusal=refusal))
    job = sim.find_jobs(root=True)[0]
    async with HWAClient(sim.connection()) as client:
        with pytest.raises(TWSRefused) as caught:
            await client.action(job["id"], "release")
    error = caught.value
    assert (error.kind, error.status_code) == ("refused", int(refusal))
    assert f"HTTP {refusal}" in error.message and "<" not in error.message
    if body != "empty" or refusal == "200":
        assert REASON in error.message  # TWS' own words, from JSON of any shape, text, or an HTML page
    assert sim.job_info(job["id"])["held"] is False


def test_the_operator_route_answers_502_with_what_tws_said(api, admin_headers, simulator_factory):
    sim = simulator_factory(behaviours=Behaviours(error_body="html", refusal="200"))
    configure(sim, enabled=False)
    enable_quietly(NAME)  # enabled (a disabled instance refuses actions), its poller paused
    job = sim.find_jobs(root=True)[0]
    answer = _release(api, admin_headers, job["id"])
    assert answer.status_code == 502, answer.text
    detail = answer.json()["detail"]
    assert REASON in detail and "<" not in detail
    [entry] = _audit(api, admin_headers)
    assert entry["action"] == "tws.job.action.failed" and entry["detail"]["error"] == "refused"


@pytest.mark.parametrize("body", ERROR_BODIES)
async def test_reads_are_classified_by_status_whatever_the_body(clean_db, simulator_factory, body):
    sim = simulator_factory(behaviours=Behaviours(error_body=body))
    async with HWAClient(sim.connection()) as client:
        with pytest.raises(TWSNotFound) as missing:
            await client.job("3f2c1a9e-0000-4000-8000-000000000000")
        assert "<" not in missing.value.message and missing.value.status_code == 404
    async with HWAClient(sim.connection(password="not-the-password")) as client:
        with pytest.raises(TWSUnauthorized):
            await client.engine_info()


async def test_a_rerun_refused_with_a_200_is_a_refusal(clean_db, simulator_factory):
    sim = simulator_factory(behaviours=Behaviours(refusal="200", error_body="html"))
    job = sim.find_jobs(root=True)[0]
    sim.script_job(job["id"], "stuck")
    sim.run_until(lambda s: s.job_info(job["id"])["status"] == "EXEC")
    async with HWAClient(sim.connection()) as client:
        with pytest.raises(TWSRefused) as caught:
            await client.action(job["id"], "rerun")  # a running job cannot be rerun
    assert "cannot be rerun" in caught.value.message and caught.value.instance == "simulator"
    assert sim.job_info(job["id"])["runs"] == 1
