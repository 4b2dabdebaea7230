"""Each error class of the HWA client, produced by the simulator's fault knobs over real HTTP.

The slow-answer test waits on nothing but the client's own timeout; messages never contain the password."""

from __future__ import annotations

import httpx
import orjson
import pytest

from resync_app.tws.client import HWAClient
from resync_app.tws.errors import (
    TWSBadAnswer,
    TWSError,
    TWSNotFound,
    TWSTimeout,
    TWSUnauthorized,
    TWSUnreachable,
)


def _no_secret(exc: TWSError, password: str) -> None:
    assert password not in exc.message and password not in str(exc) and password not in repr(exc.to_dict())


def _hwa_requests(sim) -> list[tuple[str, str, dict]]:
    return [r for r in sim.requests() if r[1].startswith("/twsd/")]


async def test_server_stopped_is_unreachable_then_recovers(simulator):
    async with HWAClient(simulator.connection(retries=1)) as client:
        await client.engine_info()  # a pooled keep-alive connection exists now
        simulator.go_down()
        with pytest.raises(TWSUnreachable) as caught:
            await client.engine_info()
        error = caught.value
        assert error.kind == "unreachable" and error.status_code is None
        assert f"127.0.0.1:{simulator.port}" in error.message and "check the base URL" in error.message
        _no_secret(error, simulator.password)
        simulator.come_up()
        assert (await client.engine_info())["displayVersion"]


async def test_nothing_listening_is_connection_refused(simulator):
    port = simulator.port
    simulator.go_down()
    async with HWAClient(simulator.connection(retries=0)) as client:
        with pytest.raises(TWSUnreachable) as caught:
            await client.jobs()
    assert "connection refused" in caught.value.message and str(port) in caught.value.message


async def test_wrong_password_is_unauthorized_and_not_retried(simulator):
    wrong = "not-the-password-123"
    async with HWAClient(simulator.connection(password=wrong, retries=3)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSUnauthorized) as caught:
            await client.engine_info()
    error = caught.value
    assert (error.kind, error.status_code) == ("unauthorized", 401)
    assert f"'{simulator.username}'" in error.message and "check the username and password" in error.message
    _no_secret(error, wrong)
    assert len(_hwa_requests(simulator)) == 1


async def test_unknown_job_is_not_found(hwa_client, simulator):
    simulator.clear_requests()
    for call in (hwa_client.job, hwa_client.job_log, hwa_client.predecessors):
        with pytest.raises(TWSNotFound) as caught:
            await call("3f2c1a9e-0000-4000-8000-000000000000")
        assert caught.value.status_code == 404 and "3f2c1a9e" in caught.value.message
    with pytest.raises(TWSNotFound):
        await hwa_client.action("3f2c1a9e-0000-4000-8000-000000000000", "hold")
    assert len(_hwa_requests(simulator)) == 4  # 404 is never retried


async def test_wrong_base_path_says_to_check_the_base_url(simulator):
    async with HWAClient(simulator.connection(base_url=simulator.base_url + "/somewhere")) as client:
        with pytest.raises(TWSNotFound) as caught:
            await client.engine_info()
    assert "check the base URL" in caught.value.message


async def test_slow_answer_beyond_the_timeout(simulator):
    simulator.set_latency(5.0)
    async with HWAClient(simulator.connection(timeout_s=0.2, retries=1, backoff_s=0.01)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSTimeout) as caught:
            await client.engine_info()
    assert caught.value.kind == "timeout" and "did not answer" in caught.value.message
    assert "0.2 s" in caught.value.message
    assert len(_hwa_requests(simulator)) == 2  # reads are retried once, then the error


async def test_slow_action_is_not_retried(simulator):
    job = simulator.find_jobs(root=True)[0]
    simulator.set_latency(5.0)
    async with HWAClient(simulator.connection(timeout_s=0.2, retries=3, backoff_s=0.01)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSTimeout):
            await client.action(job["id"], "hold")
    assert [r[0] for r in _hwa_requests(simulator)] == ["PUT"]  # it may have happened: never sent twice


@pytest.mark.parametrize("mode", ["html", "garbage", "shape"])
async def test_bad_answers(simulator, mode):
    simulator.answer_badly(mode)
    async with HWAClient(simulator.connection()) as client:
        with pytest.raises(TWSBadAnswer) as caught:
            await client.jobs()
    assert caught.value.kind == "bad_answer"
    assert ("not JSON" in caught.value.message) if mode != "shape" else ("unexpected shape" in caught.value.message)


async def test_server_error_is_a_bad_answer_after_retries(simulator):
    simulator.fail(500)
    async with HWAClient(simulator.connection(retries=2)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSBadAnswer) as caught:
            await client.engine_info()
    assert caught.value.status_code == 500 and "server logs" in caught.value.message
    assert len(_hwa_requests(simulator)) == 1  # a plain 500 is not retried (only 502/503/504)


async def test_transient_503_is_retried_with_backoff(simulator):
    simulator.fail(503, count=2)
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with HWAClient(simulator.connection(retries=2, backoff_s=0.5), sleep=record) as client:
        simulator.clear_requests()
        assert len(await client.jobs()) == simulator.job_count()
    assert waits == [0.5, 1.0]  # exponential backoff
    assert len(_hwa_requests(simulator)) == 3


async def test_actions_are_not_retried_on_503(simulator):
    job = simulator.find_jobs(root=True)[0]
    simulator.fail(503, count=1)
    async with HWAClient(simulator.connection(retries=3)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSBadAnswer) as caught:
            await client.action(job["id"], "hold")
    assert caught.value.status_code == 503
    assert [r[0] for r in _hwa_requests(simulator)] == ["PUT"]
    assert simulator.job_info(job["id"])["held"] is False


async def test_refused_connection_is_retried_for_actions_too(simulator):
    """A refused connection proves the request never left: an action may be retried then."""
    job = simulator.find_jobs(root=True)[0]
    simulator.go_down()
    attempts: list[float] = []

    async def come_back(seconds: float) -> None:
        attempts.append(seconds)
        simulator.come_up()

    async with HWAClient(simulator.connection(retries=1), sleep=come_back) as client:
        await client.action(job["id"], "hold")
    assert attempts and simulator.job_info(job["id"])["held"] is True


async def test_throttling_is_retried_then_reported(simulator):
    simulator.fail(429)
    async with HWAClient(simulator.connection(retries=1)) as client:
        simulator.clear_requests()
        with pytest.raises(TWSBadAnswer) as caught:
            await client.engine_info()
    assert caught.value.status_code == 429 and "polling frequency" in caught.value.message
    assert len(_hwa_requests(simulator)) == 2


async def test_next_links_naming_another_host_stay_on_ours(simulator_factory):
    """A server behind a proxy names its internal address in `next`: the client keeps its own base URL (and the
    credentials never go elsewhere)."""
    sim = simulator_factory(jobs=250)

    class InternalNames(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self._inner = httpx.AsyncHTTPTransport()
            self.hosts: set[str] = set()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.hosts.add(request.url.host)
            response = await self._inner.handle_async_request(request)
            body = await response.aread()
            if request.url.path.endswith("/plan/job"):
                data = orjson.loads(body)
                if data.get("next"):
                    data["next"] = data["next"].replace(f"127.0.0.1:{sim.port}", "tws-internal.corp:31116")
                body = orjson.dumps(data)
            return httpx.Response(response.status_code, headers={"content-type": "application/json"}, content=body)

    transport = InternalNames()
    async with HWAClient(sim.connection(), transport=transport) as client:
        jobs = await client.jobs(page_size=100)
    assert [j["id"] for j in jobs] == sim.job_ids() and transport.hosts == {"127.0.0.1"}
