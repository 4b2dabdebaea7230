"""A raw Socket.IO client that talks to a running Reflex server like a page does, without a browser.

Any client can send any event over `/_event`; the browser tests use this to call admin handlers with no, a
forged or a signed-out session cookie and check that the server refuses them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import socketio

from resync_app.auth.sessions import SESSION_COOKIE

EVENT_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class RawEvent:
    """One handler call: the state's full name, the page path it claims to come from, the payload."""

    state: str
    path: str
    handler: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawSession:
    """What a raw client received over one connection."""

    received: list[Any] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)  # what the client waited for in vain

    @property
    def text(self) -> str:
        return "\n".join(json.dumps(m, default=str) for m in self.received)

    def redirects(self) -> list[str]:
        return [e.get("payload", {}).get("path", "") for m in self.received if isinstance(m, dict)
                for e in m.get("events") or [] if e.get("name") == "_redirect"]


async def _wait(condition: asyncio.Condition, predicate, timeout: float = EVENT_TIMEOUT_S) -> bool:
    async with condition:
        try:
            await asyncio.wait_for(condition.wait_for(predicate), timeout)
        except TimeoutError:
            return False
    return True


async def _exchange(base_url: str, events: list[RawEvent], cookie: str | None, done: str) -> RawSession:
    session = RawSession()
    changed = asyncio.Condition()
    client = socketio.AsyncClient(reconnection=False)

    @client.on("event", namespace="/_event")
    async def on_event(data):  # noqa: ANN001 - Socket.IO payload
        async with changed:
            session.received.append(data)
            changed.notify_all()

    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie is not None else {}
    await client.connect(f"{base_url}?token={uuid.uuid4()}", socketio_path="/_event", namespaces=["/_event"],
                         transports=["websocket"], headers=headers, wait_timeout=EVENT_TIMEOUT_S)
    try:
        for index, event in enumerate(events, start=1):
            await client.emit("event", {"name": f"{event.state}.{event.handler}", "payload": event.payload,
                                        "router_data": {"pathname": event.path, "asPath": event.path, "query": {}}},
                              namespace="/_event")
            if done == "redirects":  # Reflex answers each event in order: wait for this one's redirect
                if not await _wait(changed, lambda: len(session.redirects()) >= index):
                    session.unanswered.append(f"redirect after {event.handler}")
        if done != "redirects" and not await _wait(changed, lambda: done in session.text):
            session.unanswered.append(done)
    finally:
        await client.disconnect()
    return session


def send_raw_events(base_url: str, events: list[RawEvent], cookie: str | None = None,
                    done: str = "redirects") -> RawSession:
    """Connect like the page does (`/_event/?token=<uuid>`, websocket only) and send `events` one by one.

    `done` says when the exchange is over: "redirects" (one /login redirect per event) or a substring that an
    answer must contain. A wait that times out is recorded in `unanswered` (the tests assert it is empty). The
    asyncio client runs in its own thread: the sync Playwright loop may own this one.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _exchange(base_url, events, cookie, done)).result(timeout=180)
