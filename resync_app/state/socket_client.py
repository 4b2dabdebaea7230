"""The client behind a Reflex event: the address of whoever opened the tab's websocket.

Reflex's `router.session.client_ip` is the direct peer, i.e. the proxy's address behind a reverse proxy or load
balancer: every user would share one rate-limit bucket and the audit would name the proxy. `client_address`
applies the REST rule of `web/clientaddr.py` (X-Forwarded-For believed only from RESYNC_TRUSTED_PROXIES) to the
handshake's headers, so a handler sees the same address as the REST route it mirrors.
"""

from __future__ import annotations

import reflex as rx

from resync_app.web.clientaddr import handshake_client_ip


def client_address(state: rx.State) -> str:
    """This client's address (for rate limits and the audit), as `api.deps.client_address` has it for REST."""
    router = state.router
    return handshake_client_ip(router.headers.raw_headers, router.session.client_ip)
