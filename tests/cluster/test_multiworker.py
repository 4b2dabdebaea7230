"""Two workers agree (CONTRACT §10): every check reads on new connections, which the kernel spreads over both
workers. Each change must be seen by a batch of 10 consecutive reads that starts within 1 s of the change, and
both workers must have answered reads of that batch (each read's connection asks `/api/v1/admin/cluster` first
which worker it reached)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx

from tests.cluster.conftest import LLM_KEY
from tests.fakes.llm_server import Behavior
from tests.support.cluster import wait_for

BATCH = 10


class WorkerConnection:
    """One new connection, kept alive: every request on it reaches the same worker, `pid`."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client
        self.pid = self.json("GET", "/api/v1/admin/cluster")["worker"]["pid"]

    def json(self, method: str, path: str, **kwargs) -> Any:
        answer = self._client.request(method, path, **kwargs)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()


@contextlib.contextmanager
def worker_connection(cluster) -> Iterator[WorkerConnection]:
    headers = {"Authorization": f"Bearer {cluster.token()}"}
    with httpx.Client(base_url=cluster.base_url, headers=headers, timeout=30) as client:
        yield WorkerConnection(client)


def seen_everywhere(cluster, read, expected, within: float = 1.0) -> Counter:
    """How many reads of the first batch of BATCH reads (each on a new connection) that all returned `expected`
    each worker (pid) answered; fails after `within` s, or if a worker answered none (a batch that one worker
    answered alone is followed by another)."""
    workers = set(cluster.worker_pids())
    started = time.monotonic()
    while True:
        if time.monotonic() - started > within:
            raise AssertionError(f"not every worker saw the change within {within} s")
        answered: Counter = Counter()
        for _ in range(BATCH):
            with worker_connection(cluster) as connection:
                if read(connection) != expected:
                    break
                answered[connection.pid] += 1
        else:
            if set(answered) == workers:
                return answered


def test_every_worker_has_its_own_sender_id(cluster):
    views = [cluster.json("GET", "/api/v1/admin/cluster")["worker"] for _ in range(20)]
    pids = {v["pid"] for v in views}
    origins = {v["origin"] for v in views}
    assert pids == set(cluster.worker_pids()) and len(pids) == 2
    assert len(origins) == 2 and all(v["connected"] for v in views)


def test_provider_disable_reaches_every_worker(cluster, llm_server):
    put = {"enabled": True, "api_base": llm_server.openai_base, "api_key": LLM_KEY, "models": ["gpt-4o"]}
    cluster.json("PUT", "/api/v1/litellm/providers/openai", json=put)

    def enabled(connection) -> bool:
        rows = connection.json("GET", "/api/v1/litellm/providers")
        return next(r["enabled"] for r in rows if r["id"] == "openai")

    seen_everywhere(cluster, enabled, True)
    cluster.json("PUT", "/api/v1/litellm/providers/openai", json={"enabled": False})
    seen_everywhere(cluster, enabled, False)
    refused = cluster.request("POST", "/api/v1/litellm/test", json={"model": "gpt-4o"})
    assert refused.status_code == 404 and "disabled" in refused.json()["detail"]
    cluster.json("PUT", "/api/v1/litellm/providers/openai", json={"enabled": True})
    seen_everywhere(cluster, enabled, True)
    audit = [r for r in cluster.json("GET", "/api/v1/admin/audit?limit=20") if r["action"] == "llm.provider.update"]
    assert [r["detail"].get("enabled") for r in audit[:2]] == [[False, True], [True, False]]


def test_configuration_change_reaches_every_worker(cluster):
    def interval(connection) -> int:
        category = connection.json("GET", "/api/v1/system-config/category/tws_monitoring")
        return next(f["value"] for f in category["fields"] if f["name"] == "tws_polling_interval_seconds")

    for value in (77, 93):
        cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"tws_polling_interval_seconds": value}})
        seen_everywhere(cluster, interval, value)


def test_custom_price_reaches_every_worker(cluster):
    cluster.json("PUT", "/api/v1/litellm/prices/gpt-4o", json={"input_cost_per_1k": 0.004, "output_cost_per_1k": 0.02})
    seen_everywhere(cluster, lambda c: c.json("GET", "/api/v1/litellm/prices").get("gpt-4o", {}).get(
        "output_cost_per_1k"), 0.02)


def test_concurrent_calls_on_both_workers_do_not_overshoot_the_budget(cluster, llm_server):
    """Room for 10 calls: 5 calls on each worker at once are all admitted and held in flight at the provider;
    meanwhile 20 more at once, on both workers, are all refused (the other worker's reservations count too)."""
    put = {"enabled": True, "api_base": llm_server.openai_base, "api_key": LLM_KEY, "models": ["gpt-4o"]}
    cluster.json("PUT", "/api/v1/litellm/providers/openai", json=put)
    cluster.json("PUT", "/api/v1/litellm/prices/gpt-4o", json={"input_cost_per_1k": 0.0, "output_cost_per_1k": 0.01})
    # each call: 256 output tokens (the test route's max) at $0.01/1k = $0.00256, estimated the same
    gate = threading.Event()
    llm_server.set_behavior("gpt-4o", Behavior(reply="x", prompt_tokens=10, completion_tokens=256, gate=gate))
    limit = 0.00256 * 10.5  # room for 10 calls and not 11, whatever the rounding of the sums
    cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"LLM_BUDGET_DAILY_USD": limit}})
    seen_everywhere(cluster, lambda c: c.json("GET", "/api/v1/litellm/budget")["periods"]["daily"]["limit_usd"],
                    limit)
    workers = sorted(cluster.worker_pids())
    headers = {"Authorization": f"Bearer {cluster.token()}"}
    sent_before = llm_server.count("gpt-4o")

    async def worker_of(client: httpx.AsyncClient) -> int:
        answer = await client.get("/api/v1/admin/cluster")
        assert answer.status_code == 200, answer.text
        return answer.json()["worker"]["pid"]

    async def call(client: httpx.AsyncClient) -> dict:
        answer = await client.post("/api/v1/litellm/test", json={"model": "gpt-4o", "prompt": "hi"})
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def scenario() -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
        """Kept-alive connections (each asks which worker it reached) until each worker has 15; then the two
        waves. Each connection asks again at the end: its call went to the same worker."""
        on: dict[int, list[httpx.AsyncClient]] = {pid: [] for pid in workers}
        opened: list[httpx.AsyncClient] = []
        try:
            while min(len(c) for c in on.values()) < 15 and len(opened) < 200:
                client = httpx.AsyncClient(base_url=cluster.base_url, timeout=60, headers=headers)
                opened.append(client)
                pid = await worker_of(client)
                if len(on[pid]) < 15:
                    on[pid].append(client)
            assert min(len(c) for c in on.values()) == 15, {pid: len(c) for pid, c in on.items()}
            first = [(pid, c) for pid in workers for c in on[pid][:5]]
            rest = [(pid, c) for pid in workers for c in on[pid][5:]]
            held = asyncio.gather(*(call(c) for _, c in first))
            await asyncio.to_thread(wait_for, lambda: llm_server.count("gpt-4o") - sent_before == len(first), 30,
                                    "the first wave at the provider")
            refused = await asyncio.gather(*(call(c) for _, c in rest))
            gate.set()
            admitted = await held
            for pid, client in first + rest:
                assert await worker_of(client) == pid
            return ([(pid, a) for (pid, _), a in zip(first, admitted)],
                    [(pid, a) for (pid, _), a in zip(rest, refused)])
        finally:
            gate.set()
            await asyncio.gather(*(c.aclose() for c in opened))

    first_wave, second_wave = asyncio.run(scenario())
    assert [a["success"] for _, a in first_wave] == [True] * 10, first_wave
    assert Counter(pid for pid, _ in first_wave) == {pid: 5 for pid in workers}  # both workers admitted calls
    assert not any(a["success"] for _, a in second_wave) and all("budget" in a["error"] for _, a in second_wave)
    assert Counter(pid for pid, _ in second_wave) == {pid: 10 for pid in workers}  # both workers refused
    assert llm_server.count("gpt-4o") - sent_before == 10  # the refused calls never reached the provider
    results = [a for _, a in first_wave + second_wave]
    admitted = [a for _, a in first_wave]

    def flushed_spend() -> float | None:
        usage = cluster.json("GET", "/api/v1/litellm/usage")
        return usage["cost_today_usd"] if usage["total_requests"] >= len(results) else None

    wait_for(lambda: flushed_spend() is not None, 15, "every call in the ledger")
    spent = cluster.json("GET", "/api/v1/litellm/usage")["cost_today_usd"]
    assert spent <= limit + 1e-9
    assert abs(spent - sum(r["cost_usd"] for r in admitted)) < 1e-9


def test_rate_limit_counters_are_shared_by_the_workers(cluster):
    cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"rate_limit_public_per_minute": 6}})
    seen_everywhere(cluster, lambda c: next(
        f["value"] for f in c.json("GET", "/api/v1/system-config/category/rate_limiting")["fields"]
        if f["name"] == "rate_limit_public_per_minute"), 6)
    refused_before = _public_refusals(cluster)
    statuses = [cluster.request("GET", "/api/v1/tws/summary", auth=None, source="127.0.0.7").status_code
                for _ in range(10)]
    assert statuses.count(429) == 4 and statuses[:6] == [404] * 6
    assert _public_refusals(cluster) - refused_before == 4  # summed over both workers' files


def _public_refusals(cluster) -> float:
    """`resync_rate_limited_total{route_class="public"}` of /metrics (0 before the first refusal)."""
    text = cluster.request("GET", "/metrics", auth=None).text
    prefix = 'resync_rate_limited_total{route_class="public"}'
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(prefix + " "))


def test_event_socket_opens_on_new_connections_and_tab_state_lives_in_redis(cluster):
    """No sticky sessions needed: every new socket (any worker) is served and a tab's state is kept in Redis."""
    import redis

    from resync_app.state.session import LoginState
    from tests.cluster.conftest import REDIS_URL
    from tests.support.raw_events import RawEvent, send_raw_events

    client = redis.Redis.from_url(REDIS_URL)
    before = set(client.keys("*"))
    sessions = [send_raw_events(cluster.base_url, [RawEvent(LoginState.get_full_name(), "/login",
                                                            "check_login_page")], done="delta") for _ in range(4)]
    assert all(s.received and not s.unanswered for s in sessions), [s.unanswered for s in sessions]
    state_keys = {k for k in set(client.keys("*")) - before if LoginState.get_name().encode() in k}
    assert len({k.split(b"_")[0] for k in state_keys}) >= 4, sorted(state_keys)[:8]  # one per tab (token)


def _upgrade_status(cluster, source: str) -> int:
    """Open `/_event` like a browser (HTTP/1.1 websocket upgrade) from `source`; return the HTTP status."""
    import base64
    import os
    import socket

    with socket.create_connection(("127.0.0.1", cluster.port), timeout=10, source_address=(source, 0)) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{cluster.port}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def test_new_event_sockets_are_rate_limited_per_client_across_workers(cluster):
    cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"rate_limit_websocket_per_minute": 3}})
    seen_everywhere(cluster, lambda c: next(
        f["value"] for f in c.json("GET", "/api/v1/system-config/category/rate_limiting")["fields"]
        if f["name"] == "rate_limit_websocket_per_minute"), 3)
    statuses = [_upgrade_status(cluster, "127.0.0.8") for _ in range(5)]
    assert statuses[:3] == [101] * 3 and all(s in (403, 429) for s in statuses[3:]), statuses
    assert _upgrade_status(cluster, "127.0.0.9") == 101  # another client has its own count
