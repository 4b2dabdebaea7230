"""How the HWA client's failures become the typed errors of `tws/errors.py`, each with a message a person can act
on: timeouts, connection and TLS failures, HTTP statuses (classified by status code only; TWS' own words are
added from whatever body came, `server_text.py`), answers that are not JSON or not of the expected shape."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import httpx
import orjson

from resync_app.tws.connection import Connection
from resync_app.tws.errors import (
    TWSBadAnswer,
    TWSError,
    TWSForbidden,
    TWSNotFound,
    TWSRefused,
    TWSTimeout,
    TWSUnauthorized,
    TWSUnreachable,
)
from resync_app.tws.server_text import server_message


def too_many(conn: Connection, what: str, amount: str) -> TWSBadAnswer:
    return TWSBadAnswer(f"TWS at {conn.address} kept sending pages of {what}: {amount}, beyond any plan "
                        f"Resync reads — its paging does not end, so Resync stopped reading (the poll failed; "
                        f"check the TWS server)", instance=conn.name)


def timeout_error(conn: Connection, what: str, connect: bool) -> TWSError:
    if connect:
        return TWSUnreachable(f"TWS at {conn.address} is unreachable: no answer to the connection within "
                              f"{conn.timeout_s:g} s — check the base URL, the firewall and that the server "
                              f"is up", instance=conn.name)
    return TWSTimeout(f"TWS at {conn.address} did not answer {what} within {conn.timeout_s:g} s — the "
                      f"server may be overloaded: try again later or raise the timeout", instance=conn.name)


def connect_error(conn: Connection, exc: httpx.ConnectError) -> TWSError:
    if is_tls_failure(exc):
        return TWSUnreachable(
            f"TWS at {conn.address} presented a TLS certificate that could not be verified ({failure_reason(exc)}) "
            f"— install its CA certificate on this server, or turn off TLS verification for this instance if "
            f"you trust the network", instance=conn.name)
    return TWSUnreachable(f"TWS at {conn.address} is unreachable: {failure_reason(exc)} — check the base URL and "
                          f"that the server is up", instance=conn.name)


def raise_for_status(conn: Connection, response: httpx.Response, what: str, action: str | None) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    where, user, name = conn.address, conn.username, conn.name
    server = server_words(conn, response)
    said = f": {server}" if server else ""
    if status == 401:
        raise TWSUnauthorized(f"TWS at {where} refused the user '{user}' (401): check the username and password",
                              status_code=401, instance=name)
    if status == 403:
        raise TWSForbidden(f"TWS at {where} does not allow the user '{user}' to read or change {what} (403): "
                           f"grant the user the needed rights in the TWS security file", status_code=403,
                           instance=name)
    if status == 404:
        if what == "the engine info":
            message = (f"No HWA REST API v2 at {conn.api_url} (404) — check the base URL: it is the TWS server root, "
                       f"e.g. https://tws.example.com:31116")
        else:
            subject = "job " + what.split(" job ", 1)[1] if action and " job " in what else what.removeprefix("the ")
            message = (f"TWS at {where} has no {subject} (404){said} — it may have left the plan: refresh and "
                       f"try again")
        raise TWSNotFound(message, status_code=404, instance=name)
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        raise TWSBadAnswer(f"TWS at {where} redirected {what} to {redact_secret(location, conn.password)!r} "
                           f"(HTTP {status}) — put the final address in the base URL (http vs https?)",
                           status_code=status, instance=name)
    if status == 429:
        raise TWSBadAnswer(f"TWS at {where} is refusing requests for now (429 Too Many Requests){said} — lower the "
                           f"polling frequency; Resync will try again later", status_code=429, instance=name)
    if status >= 500:
        raise TWSBadAnswer(f"TWS at {where} failed while answering {what} (HTTP {status}){said} — check the TWS "
                           f"server logs; Resync will try again later", status_code=status, instance=name)
    doing = f"to {what}" if action else f"the request for {what}"
    raise TWSRefused(f"TWS at {where} refused {doing} (HTTP {status}){said}", status_code=status, instance=name)


def server_words(conn: Connection, response: httpx.Response) -> str:
    """TWS' own explanation from an error answer, whatever the body's shape (`server_text`), password removed."""
    text = server_message(response.content, response.headers.get("content-type", ""))
    return redact_secret(text, conn.password)


def parse_json(conn: Connection, response: httpx.Response, what: str) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        kind = response.headers.get("content-type", "unknown content") or "unknown content"
        raise TWSBadAnswer(f"TWS at {conn.address} answered {what} with something that is not JSON ({kind}) "
                           f"— check that the base URL points at the TWS server (HWA REST API v2)",
                           status_code=response.status_code, instance=conn.name) from None


def bad_shape(conn: Connection, what: str) -> TWSBadAnswer:
    return TWSBadAnswer(f"TWS at {conn.address} answered {what} with JSON of an unexpected shape — is this an "
                        f"HWA REST API v2 server (version 10 or later)?", instance=conn.name)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (httpx wraps the socket error, anyio wraps it again)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def is_tls_failure(exc: Exception) -> bool:
    return any(isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e)
               for e in _chain(exc))


def failure_reason(exc: Exception) -> str:
    """Why a connection failed, in a few words."""
    for cause in _chain(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message}" if cause.verify_message else \
                "certificate verify failed"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed (is the server https? is the base URL http?)"
        if isinstance(cause, (ConnectionResetError, BrokenPipeError)):
            return "connection reset by the server"
        if isinstance(cause, OSError) and cause.errno in (101, 113):
            return "network unreachable"
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "the host name does not resolve"
    return text[:200]


def redact_secret(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 3 else text
