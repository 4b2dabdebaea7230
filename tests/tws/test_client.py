"""HWAClient against the bundled simulator over real HTTP on loopback: paging, oql, reads, actions, read-only."""

from __future__ import annotations

import httpx
import orjson
import pytest

from resync_app.tws.client import HWAClient
from resync_app.tws.connection import Connection, validate_base_url
from resync_app.tws.errors import TWSNotFound, TWSReadOnly, TWSRefused
from resync_app.tws.plan_fields import job_view, stream_view, workstation_view


def _running(sim, job_id: str) -> None:
    sim.run_until(lambda s: s.job_info(job_id)["status"] == "EXEC", max_seconds=2 * 86400)


def _ended(sim, job_id: str) -> None:
    sim.run_until(lambda s: s.job_info(job_id)["status"] in ("SUCC", "ABEND"), max_seconds=2 * 86400)


async def test_engine_info(hwa_client):
    info = await hwa_client.engine_info()
    assert info["displayVersion"].startswith("10.")
    assert info["timezone"] == "UTC"


@pytest.mark.parametrize("page_size", [100, 1000, 1299])
async def test_paging_collects_every_job_once(simulator_factory, page_size):
    sim = simulator_factory(jobs=1300)
    async with HWAClient(sim.connection()) as client:
        sim.clear_requests()
        pages = [page async for page in client.iter_jobs(page_size=page_size)]
    ids = [job["id"] for page in pages for job in page]
    assert len(ids) == 1300 == len(set(ids))
    assert ids == sim.job_ids()  # the server's order, no gap, no duplicate
    expected_pages = -(-1300 // page_size)
    assert [len(p) for p in pages] == [page_size] * (expected_pages - 1) + [1300 - page_size * (expected_pages - 1)]
    offsets = [int(q["offset"]) for method, path, q in sim.requests() if path.endswith("/plan/job")]
    assert offsets == [page_size * i for i in range(expected_pages)]


class _DropNextLinks(httpx.AsyncBaseTransport):
    """A server that fills `count` but never `next`: the client must advance `offset` itself."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        if request.url.path.endswith("/plan/job") and response.status_code == 200:
            data = orjson.loads(body)
            data.pop("next", None)
            data.pop("previous", None)
            body = orjson.dumps(data)
        return httpx.Response(response.status_code, headers={"content-type": "application/json"}, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_paging_without_next_links_uses_count_and_offset(simulator_factory):
    sim = simulator_factory(jobs=1050)
    async with HWAClient(sim.connection(), transport=_DropNextLinks()) as client:
        jobs = await client.jobs(page_size=400)
    assert [j["id"] for j in jobs] == sim.job_ids()


async def test_oql_filters_status_workstation_stream_and_name(simulator, hwa_client):
    simulator.advance(hours=12)
    succ = {j["id"] for j in simulator.find_jobs(status="SUCC")}
    assert succ, "the plan should have finished jobs after 12 hours"
    got = await hwa_client.jobs(oql="lastRunCompositeStatus.status = 'SUCC'")
    assert {j["id"] for j in got} == succ
    assert all(job_view(j).status == "SUCC" for j in got)

    some = simulator.find_jobs()[5]
    oql = (f"workstation = '{some['workstation']}' AND jobStreamName IN ['{some['stream']}', 'NO_SUCH_STREAM'] "
           f"AND name = '{some['name']}'")
    assert [j["id"] for j in await hwa_client.jobs(oql=oql)] == [some["id"]]

    prefix = some["name"].split("_")[0]
    liked = await hwa_client.jobs(oql=f"name LIKE '{prefix}_@'")
    expected = {j["id"] for j in simulator.find_jobs() if j["name"].startswith(prefix + "_")}
    assert {j["id"] for j in liked} == expected

    either = await hwa_client.jobs(oql="status = 'SUCC' OR status = 'HOLD'")
    assert len(either) == len(simulator.find_jobs(status="SUCC")) + len(simulator.find_jobs(status="HOLD"))


async def test_bad_oql_is_refused_with_the_servers_reason(hwa_client):
    with pytest.raises(TWSRefused) as caught:
        await hwa_client.jobs(oql="colour = 'blue'")
    assert caught.value.status_code == 400
    assert "colour" in caught.value.message and "OQL" in caught.value.message


async def test_job_streams_and_workstations(simulator, hwa_client):
    streams = [stream_view(s) for s in await hwa_client.job_streams()]
    assert len(streams) == simulator.state()["job_streams"]
    assert {s.status for s in streams} <= {"HOLD", "READY"}  # midnight: nothing has started
    assert sum(s.jobs_total for s in streams) == simulator.job_count()
    stations = [workstation_view(w) for w in await hwa_client.workstations()]
    assert {w.name for w in stations} == set(simulator.workstation_names())
    assert all(w.linked and w.running and not w.offline for w in stations)
    simulator.unlink("CPU_LINUX01")
    unlinked = await hwa_client.workstations(oql="name = 'CPU_LINUX01'")
    assert workstation_view(unlinked[0]).link_status == "UNLINKED"
    linked = await hwa_client.workstations(oql="activeStates IN ['LINKED']")
    assert "CPU_LINUX01" not in {w["name"] for w in linked} and len(linked) == len(stations) - 1


async def test_job_detail_predecessors_and_log(simulator, hwa_client):
    job = next(j for j in simulator.find_jobs() if len(j["predecessors"]) >= 1)
    detail = await hwa_client.job(job["id"])
    view = job_view(detail)
    assert view.predecessors == job["predecessors"]
    assert view.name == job["name"] and view.job_stream == job["stream"] and view.run_id == job["run_id"]
    preds = await hwa_client.predecessors(job["id"])
    assert [p["id"] for p in preds] == job["predecessors"]

    with pytest.raises(TWSNotFound):
        await hwa_client.job("00000000-0000-4000-8000-000000000000")

    root = simulator.find_jobs(root=True)[0]
    _ended(simulator, root["id"])
    log = await hwa_client.job_log(root["id"])
    assert f"Job Number: {root['run_number']}" in log and "Exit Status" in log
    short = await hwa_client.job_log(root["id"], max_chars=60)
    assert short.endswith(log[-60:]) and "earlier characters not shown" in short


async def test_hold_and_release(simulator, hwa_client):
    job = simulator.find_jobs(root=True)[0]
    await hwa_client.action(job["id"], "hold")
    view = job_view(await hwa_client.job(job["id"]))
    assert (view.status, view.substatus, view.held, view.priority) == ("HOLD", "HOLD_PRIORITY_ZERO", True, 0)
    simulator.advance(hours=24)
    assert simulator.job_info(job["id"])["status"] == "HOLD"  # held jobs do not start
    with pytest.raises(TWSRefused) as caught:
        await hwa_client.action(job["id"], "hold")
    assert "already held" in caught.value.message and caught.value.status_code == 400
    await hwa_client.action(job["id"], "release")
    simulator.advance(minutes=2)
    assert simulator.job_info(job["id"])["status"] == "EXEC"


async def test_cancel_releases_successors(simulator, hwa_client):
    job = simulator.find_jobs(root=True, has_successors=True)[0]
    simulator.script_job(job["id"], "stuck")
    _running(simulator, job["id"])
    successor = job["successors"][0]
    simulator.advance(hours=3)
    assert simulator.job_info(successor)["substatus"] == "HOLD_WAITING_FOR_PREDECESSOR"
    await hwa_client.action(job["id"], "cancel")
    assert job_view(await hwa_client.job(job["id"])).status == "CANCL"
    simulator.advance(minutes=1)
    assert simulator.job_info(successor)["status"] in ("READY", "EXEC", "HOLD")
    assert simulator.job_info(successor)["substatus"] != "HOLD_WAITING_FOR_PREDECESSOR"
    with pytest.raises(TWSRefused):
        await hwa_client.action(job["id"], "cancel")


async def test_rerun_gives_a_new_run(simulator, hwa_client):
    job = simulator.find_jobs(root=True, has_successors=True)[0]
    simulator.script_job(job["id"], "abend")
    _ended(simulator, job["id"])
    before = job_view(await hwa_client.job(job["id"]))
    assert before.status == "ABEND" and before.return_code not in (None, 0)
    answer = await hwa_client.action(job["id"], "rerun")
    after = job_view(await hwa_client.job(job["id"]))
    assert answer["id"] == after.run_id != before.run_id
    assert after.run_number != before.run_number and after.run_count == 2
    assert after.status in ("READY", "EXEC")
    _ended(simulator, job["id"])
    final = job_view(await hwa_client.job(job["id"]))
    assert (final.status, final.return_code) == ("SUCC", 0)
    simulator.advance(minutes=2)
    assert simulator.job_info(job["successors"][0])["substatus"] != "HOLD_WAITING_FOR_PREDECESSOR"


async def test_rerun_of_a_waiting_job_is_refused(simulator, hwa_client):
    job = simulator.find_jobs()[0]
    with pytest.raises(TWSRefused) as caught:
        await hwa_client.action(job["id"], "rerun")
    assert "cannot be rerun" in caught.value.message


async def test_read_only_connection_refuses_actions_without_asking_tws(simulator):
    job = simulator.find_jobs(root=True)[0]
    async with HWAClient(simulator.connection(read_only=True, name="prod")) as client:
        simulator.clear_requests()
        for action in ("rerun", "hold", "release", "cancel"):
            with pytest.raises(TWSReadOnly) as caught:
                await client.action(job["id"], action)
            assert "read-only" in caught.value.message and "'prod'" in caught.value.message
        assert simulator.requests() == []
        assert (await client.jobs(oql=f"id = '{job['id']}'"))[0]["id"] == job["id"]  # reads still work
    assert simulator.job_info(job["id"])["held"] is False


async def test_unknown_action_is_a_programming_error(hwa_client):
    with pytest.raises(ValueError):
        await hwa_client.action("x", "explode")  # type: ignore[arg-type]


def test_connection_never_shows_the_password():
    conn = Connection("https://tws.example.com:31116", "ops", "s3cret-pass")
    assert "s3cret-pass" not in repr(conn) and conn.address == "tws.example.com:31116"
    assert conn.verify_tls is True  # verification is on unless turned off explicitly


@pytest.mark.parametrize("url, message", [
    ("ftp://tws:31116", "http"), ("https://", "host"), ("https://u:p@tws:31116", "user name"),
    ("https://tws:31116/?x=1", "query"), ("http://tws:99999", "port"),
])
def test_base_url_validation(url, message):
    with pytest.raises(ValueError) as caught:
        validate_base_url(url)
    assert message in str(caught.value)


def test_base_url_normalised():
    assert validate_base_url(" https://tws:31116/twsd/api/v2/ ") == "https://tws:31116"
