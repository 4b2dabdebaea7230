"""A raw Socket.IO client that talks to a running Reflex server like a page does, without a browser.

Any client can send any event over `/_event`; the browser tests use this to call admin handlers with no, a
forged or a signed-out session cookie (or from a foreign Origin) and check that the server refuses them.
`send_raw_events` runs one exchange; `RawClient` keeps a connection open across the steps of a test (its
asyncio loop runs in a thread of its own: the sync Playwright loop may own the main one).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
import typing
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
    new_tokens: list[str] = field(default_factory=list)  # the server gave this client another token

    @property
    def text(self) -> str:
        return "\n".join(json.dumps(m, default=str) for m in self.received)

    def redirects(self) -> list[str]:
        return [e.get("payload", {}).get("path", "") for m in self.received if isinstance(m, dict)
                for e in m.get("events") or [] if e.get("name") == "_redirect"]


def _headers(cookie: str | None, cookie_header: str | None, origin: str | None) -> dict[str, str]:
    headers = {}
    if cookie_header is not None:
        headers["Cookie"] = cookie_header
    elif cookie is not None:
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    if origin is not None:
        headers["Origin"] = origin
    return headers


def _event_data(event: RawEvent) -> dict[str, Any]:
    return {"name": f"{event.state}.{event.handler}", "payload": event.payload,
            "router_data": {"pathname": event.path, "asPath": event.path, "query": {}}}


def _bound_session(local_address: str):
    """An aiohttp session factory whose connections leave from `local_address` (made in the client's loop)."""

    async def make():
        import aiohttp

        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(local_address, 0)))

    return make


class RawClient:
    """One open connection: `send()` events, `wait_for()` an answer, `close()` (or use it as a context manager).

    `token` is the tab's client token (reuse one to play a reloaded tab); `origin` the Origin header sent with
    the websocket handshake (none by default, like a non-browser client); `headers` more handshake headers (e.g.
    the X-Forwarded-For a proxy adds); `local_address` the loopback address the connection comes from (e.g.
    127.0.0.2: another client than 127.0.0.1).
    """

    def __init__(self, base_url: str, cookie: str | None = None, *, token: str | None = None,
                 origin: str | None = None, cookie_header: str | None = None, headers: dict[str, str] | None = None,
                 local_address: str | None = None) -> None:
        self.base_url, self.token = base_url, token or str(uuid.uuid4())
        self.session = RawSession()
        self._headers = {**_headers(cookie, None, origin), **(headers or {})}
        self._changed = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="raw-socket", daemon=True)
        # python-engineio re-parses a Cookie header given to connect() with SimpleCookie (dropping it whole when
        # one cookie is malformed): a verbatim header goes straight to the websocket handshake instead.
        extra = {"headers": {"Cookie": cookie_header}} if cookie_header is not None else {}
        session = {"http_session": _bound_session(local_address)} if local_address else {}
        self._client = socketio.AsyncClient(reconnection=False, websocket_extra_options=extra, **session)
        self._client.on("event", self._on_event, namespace="/_event")
        self._client.on("new_token", self._on_new_token, namespace="/_event")

    async def _on_event(self, data):  # noqa: ANN001 - Socket.IO payload
        with self._changed:
            self.session.received.append(data)
            self._changed.notify_all()

    async def _on_new_token(self, data):  # noqa: ANN001
        with self._changed:
            self.session.new_tokens.append(str(data))
            self._changed.notify_all()

    def _run(self, coro, timeout: float = EVENT_TIMEOUT_S * 2):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    def connect(self) -> RawClient:
        """Open the websocket like the page does (`/_event/?token=<token>`); raises if the server refuses."""
        self._thread.start()
        try:
            self._run(self._client.connect(f"{self.base_url}?token={self.token}", socketio_path="/_event",
                                           namespaces=["/_event"], transports=["websocket"], headers=self._headers,
                                           wait_timeout=EVENT_TIMEOUT_S))
        except BaseException:
            self._stop_loop()
            raise
        return self

    def send(self, *events: RawEvent) -> None:
        for event in events:
            self._run(self._client.emit("event", _event_data(event), namespace="/_event"))

    def wait_for(self, predicate, timeout: float = EVENT_TIMEOUT_S, what: str = "") -> bool:
        """Wait until `predicate(session)` holds (a string: until it appears in the answers); False on timeout
        (recorded in `session.unanswered`)."""
        check = (lambda s: predicate in s.text) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        with self._changed:
            while not check(self.session):
                left = deadline - time.monotonic()
                if left <= 0:
                    self.session.unanswered.append(what or str(predicate))
                    return False
                self._changed.wait(left)
        return True

    def close(self) -> None:
        if self._thread.is_alive():
            try:
                self._run(self._client.disconnect())
            finally:
                self._stop_loop()

    def _stop_loop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> RawClient:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()


def reopen(base_url: str, token: str, *events: RawEvent, done: str, cookie: str | None = None,
           headers: dict[str, str] | None = None, timeout: float = 40.0) -> RawClient:
    """Reconnect the tab `token` (a reload) and send `events`; waits until the server has let go of the tab's old
    connection (it hands a still-connected token a new one) and `done` appears. Returns the closed client."""
    deadline = time.monotonic() + timeout
    while True:
        tab = RawClient(base_url, cookie, token=token, headers=headers).connect()
        tab.send(*events)
        answered = tab.wait_for(lambda s: done in s.text or s.new_tokens)
        tab.close()
        if answered and not tab.session.new_tokens:
            return tab
        if time.monotonic() > deadline:
            raise AssertionError(f"the tab could not reconnect with its own token: {tab.session.text[:500]}")
        time.sleep(0.2)  # the old connection's clean-up is asynchronous


def send_raw_events(base_url: str, events: list[RawEvent], cookie: str | None = None,
                    done: str = "redirects", *, token: str | None = None, origin: str | None = None,
                    cookie_header: str | None = None) -> RawSession:
    """Connect like the page does (`/_event/?token=<uuid>`, websocket only) and send `events` one by one.

    `done` says when the exchange is over: "redirects" (one /login redirect per event) or a substring that an
    answer must contain. A wait that times out is recorded in `unanswered` (the tests assert it is empty).
    """
    with RawClient(base_url, cookie, token=token, origin=origin, cookie_header=cookie_header) as client:
        for index, event in enumerate(events, start=1):
            client.send(event)
            if done == "redirects":  # Reflex answers each event in order: wait for this one's redirect
                client.wait_for(lambda s, n=index: len(s.redirects()) >= n, what=f"redirect after {event.handler}")
        if done != "redirects":
            client.wait_for(done)
    return client.session


# ---- every admin handler of the app --------------------------------------------------------------------


def _sample(annotation: Any, name: str) -> Any:
    """A plausible argument for a handler parameter, from its annotation (the handler must refuse anyway)."""
    if isinstance(annotation, str):
        annotation = {"str": str, "int": int, "float": float, "bool": bool}.get(annotation.split("|")[0].strip(),
                                                                            annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), str)
        origin = typing.get_origin(annotation)
    base = origin or annotation
    if base is bool:
        return True
    if base is int:
        return 1
    if base is float:
        return 1.0
    if base in (list, tuple, set):
        return ["all"]
    if base is dict:
        return {"provider": "openai", "name": "log_level", "raw": "DEBUG"}
    return {"pid": "openai", "field": "LLM_ROUTING_SIMPLE_MODEL", "name": "log_level"}.get(name, "all")


def admin_handler_events() -> list[RawEvent]:
    """One call of every handler of every admin state of the app, taken from the app itself: every state a page
    under /admin uses, found by ROUTE (`page_states`: a new admin state is covered without editing a list, even
    one whose handlers are all unwrapped), and every handler of it (`setvar` included, public ones left out),
    with arguments made up from the handlers' signatures. The page path is the first /admin route that uses
    the state."""
    from resync_app.state.roles import is_public_handler
    from tests.support.page_states import admin_routes, states_by_route

    table = states_by_route()
    routes: dict[type, str] = {}
    for route in admin_routes():
        for state in table[route]:
            routes.setdefault(state, route.rstrip("/") + "/")
    events = []
    for state, path in sorted(routes.items(), key=lambda item: item[0].get_full_name()):
        for name, handler in sorted(state.event_handlers.items()):
            if is_public_handler(handler):
                continue
            fn = inspect.unwrap(handler.fn)
            try:
                params = list(inspect.signature(fn).parameters.values())[1:]
            except (TypeError, ValueError):
                params = []
            hints = typing.get_type_hints(fn) if hasattr(fn, "__annotations__") else {}
            payload = {p.name: _sample(hints.get(p.name, p.annotation), p.name) for p in params
                       if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is inspect.Parameter.empty}
            if name == "setvar":
                payload = {"var_name": next(iter(state.base_vars), "x"), "value": "forged"}
            events.append(RawEvent(state.get_full_name(), path, name, payload))
    return events
