"""The client's address, also behind a reverse proxy or load balancer.

`X-Forwarded-For` is believed only when the direct peer is listed in RESYNC_TRUSTED_PROXIES (comma-separated
addresses or CIDR ranges, e.g. `10.0.0.5,10.1.0.0/16`); then the client is the right-most address in the
header that is not itself a trusted proxy. Without that setting the header is ignored (anyone can send it).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from functools import lru_cache

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(raw: str) -> tuple[_Network, ...]:
    out = []
    for item in raw.split(","):
        item = item.strip()
        if item:
            try:
                out.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                pass  # a typo must not open the door: ignored
    return tuple(out)


def in_networks(address: str, raw: str) -> bool:
    """Whether `address` is in one of the comma-separated networks of `raw`."""
    networks = _networks(raw)
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def trusted_proxies() -> str:
    return os.environ.get("RESYNC_TRUSTED_PROXIES", "")


def client_ip(peer: str, forwarded_for: str | None) -> str:
    """The client behind `peer` given its X-Forwarded-For header (see the module docstring)."""
    trusted = trusted_proxies()
    if not forwarded_for or not trusted or not in_networks(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not in_networks(hop, trusted):
            return hop[:64]
    return hops[0][:64] if hops else peer


def scope_client_ip(scope) -> str:
    """`client_ip` for an ASGI scope (HTTP or websocket)."""
    client = scope.get("client")
    peer = client[0] if client else ""
    forwarded = []
    if trusted_proxies():
        forwarded = [value.decode("latin-1") for name, value in scope.get("headers") or ()
                     if name == b"x-forwarded-for"]
    return client_ip(peer, ",".join(forwarded) or None)


def handshake_client_ip(headers: Mapping[str, str], fallback: str = "") -> str:
    """`client_ip` for a Reflex event: the headers of its websocket's handshake as Reflex keeps them
    (`router.headers.raw_headers`: lower-case names, repeated headers joined with ", "), where Reflex puts the
    direct peer under `asgi-scope-client` (its own `client_ip` may already be an X-Forwarded-For hop when
    REFLEX_TRUSTED_PROXY_HOPS is set, so it is only the fallback)."""
    peer = headers.get("asgi-scope-client") or fallback
    return client_ip(peer, headers.get("x-forwarded-for") or None)
