"""The client address of a Reflex event (issue 15 item 7): from the websocket handshake as Reflex itself records it
(`EventNamespace._build_static_router_data` → the tab state's router), by the REST rule of `web/clientaddr.py`:
X-Forwarded-For is honoured only when the direct peer is in RESYNC_TRUSTED_PROXIES — the same answer as
`scope_client_ip` gives the REST routes for the same request."""

from __future__ import annotations

import uuid

import pytest
import reflex as rx
from reflex.app import EventNamespace

from resync_app.state.socket_client import client_address
from resync_app.web.clientaddr import scope_client_ip


def _scope(peer: str, *headers: tuple[str, str]) -> dict:
    return {"type": "websocket", "client": (peer, 50123),
            "headers": [(name.encode(), value.encode()) for name, value in headers]}


def _event_state(scope: dict) -> rx.State:
    """A tab's state whose router holds what Reflex recorded at the handshake of `scope`."""
    static = EventNamespace("/_event", None)._build_static_router_data("sid-1", {"asgi.scope": scope})
    root = rx.State(_reflex_internal_init=True)
    root.router_data = root._update_router_vars({**static, "token": str(uuid.uuid4()), "pathname": "/"}, {})
    return root


CASES = [  # (RESYNC_TRUSTED_PROXIES, peer, headers, the client)
    ("", "127.0.0.1", [("x-forwarded-for", "203.0.113.7")], "127.0.0.1"),  # no proxy configured: ignored
    ("127.0.0.1", "127.0.0.1", [("x-forwarded-for", "203.0.113.7")], "203.0.113.7"),  # from the trusted proxy
    ("127.0.0.1", "10.9.9.9", [("x-forwarded-for", "203.0.113.7")], "10.9.9.9"),  # from anyone else: ignored
    ("127.0.0.1,10.0.0.0/8", "127.0.0.1", [("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.5")],
     "203.0.113.7"),  # the right-most hop that is not itself a trusted proxy
    ("127.0.0.1", "127.0.0.1", [("x-forwarded-for", "198.51.100.66"), ("x-forwarded-for", "203.0.113.7")],
     "203.0.113.7"),  # a header line the client forged, then the proxy's: the proxy's hop wins
    ("127.0.0.1", "127.0.0.1", [], "127.0.0.1"),  # a trusted proxy that sent no header
    ("", "192.0.2.10", [("asgi-scope-client", "6.6.6.6")], "192.0.2.10"),  # a header cannot pose as the peer
]


@pytest.mark.parametrize("trusted, peer, headers, expected", CASES)
def test_the_handshake_address_follows_the_rest_rule(monkeypatch, trusted, peer, headers, expected):
    monkeypatch.setenv("RESYNC_TRUSTED_PROXIES", trusted)
    scope = _scope(peer, *headers)
    state = _event_state(scope)
    assert client_address(state) == expected
    assert client_address(state) == scope_client_ip(scope)  # one rule for the socket and the REST routes
    if expected != peer:
        assert state.router.session.client_ip == peer  # what the handlers used before: the proxy
