"""The live fan-out over a real Socket.IO server (python-socketio on aiohttp, loopback) and real Socket.IO clients:
one producer per topic builds once per refresh and pushes ONE identical delta to every client of its room, only
the vars that changed; clients that leave or disconnect stop receiving, and an empty room ends its producer."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import socketio
from aiohttp import web

from resync_app.events import feed
from resync_app.live.fanout import Channel, FanOut, SocketIORooms
from reflex_base.constants.state import FIELD_MARKER

NS = "/_event"
STATE = "reflex___state____state.test_state"
WAKE = "test.live.wake"
CLIENTS = 25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Source:
    """What the producer builds: a counter of builds and values the test changes."""

    def __init__(self) -> None:
        self.values = {"kpi": 1, "label": "a", "rows": [{"id": 1}]}
        self.builds: dict[str, int] = {}

    def build(self, topic: str) -> dict:
        self.builds[topic] = self.builds.get(topic, 0) + 1
        return {**self.values, "topic": topic}


async def _until(check, seconds: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def server():
    sio = socketio.AsyncServer(async_mode="aiohttp")
    namespace = socketio.AsyncNamespace(NS)
    sio.register_namespace(namespace)
    app = web.Application()
    sio.attach(app)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}", namespace
    await runner.cleanup()


async def _clients(url: str, n: int) -> list[tuple[socketio.AsyncClient, list]]:
    out = []
    for _ in range(n):
        client, received = socketio.AsyncClient(reconnection=False), []
        client.on("event", lambda data, received=received: received.append(data), namespace=NS)
        await client.connect(url, namespaces=[NS], transports=["websocket"])
        out.append((client, received))
    return out


def _sid(client: socketio.AsyncClient) -> str:
    return client.get_sid(NS)


async def test_one_producer_pushes_one_delta_to_every_client(server):
    url, namespace = server
    source = Source()
    fan = FanOut(Channel("t", STATE, source.build, interval=lambda: 60.0, wake=WAKE), SocketIORooms(namespace))
    clients = await _clients(url, CLIENTS)
    try:
        for client, _ in clients:
            assert (await fan.join(_sid(client), "prod"))["kpi"] == 1
        assert source.builds == {"prod": 1} and fan.running() == ["prod"]  # N joins, one build, one producer

        source.values = {**source.values, "kpi": 2}
        feed.publish(WAKE, remote=False)
        await _until(lambda: all(received for _, received in clients), what="the first push")
        updates = [received[0] for _, received in clients]
        assert all(u == updates[0] for u in updates)
        assert updates[0] == {"delta": {STATE: {"kpi" + FIELD_MARKER: 2}}}  # only what changed
        assert source.builds == {"prod": 2}  # one build for all clients

        feed.publish(WAKE, remote=False)  # nothing changed: a build, no push
        await _until(lambda: source.builds["prod"] == 3, what="the second build")
        source.values = {**source.values, "rows": [{"id": 1}, {"id": 2}]}
        feed.publish(WAKE, remote=False)
        await _until(lambda: all(len(received) == 2 for _, received in clients), what="the second push")
        assert clients[0][1][1] == {"delta": {STATE: {"rows" + FIELD_MARKER: [{"id": 1}, {"id": 2}]}}}
        assert all(len(received) == 2 for _, received in clients)
    finally:
        for client, _ in clients:
            await client.disconnect()
    # every client gone: the producer ends at its next wake, and nothing is built for nobody after that
    feed.publish(WAKE, remote=False)
    await _until(lambda: fan.running() == [], what="the producer to end")
    builds = source.builds["prod"]
    feed.publish(WAKE, remote=False)
    await asyncio.sleep(0)
    assert source.builds["prod"] == builds


async def test_leaving_stops_the_pushes_and_topics_are_separate(server):
    url, namespace = server
    source = Source()
    fan = FanOut(Channel("t", STATE, source.build, interval=lambda: 60.0, wake=WAKE), SocketIORooms(namespace))
    (a, got_a), (b, got_b), (c, got_c) = await _clients(url, 3)
    try:
        await fan.join(_sid(a), "prod")
        await fan.join(_sid(b), "prod")
        await fan.join(_sid(c), "test")
        assert sorted(fan.running()) == ["prod", "test"]
        await fan.leave(_sid(b), "prod")
        source.values = {**source.values, "label": "b"}
        feed.publish(WAKE, remote=False)
        await _until(lambda: got_a and got_c, what="pushes to both rooms")
        assert got_a[0]["delta"][STATE] == {"label" + FIELD_MARKER: "b"}
        assert got_c[0]["delta"][STATE] == {"label" + FIELD_MARKER: "b"}
        await asyncio.sleep(0.2)
        assert got_b == []
        await fan.leave(_sid(c), "test")  # the last one out cancels its producer
        await _until(lambda: fan.running() == ["prod"], what="the test producer to end")
    finally:
        for client in (a, b, c):
            await client.disconnect()
