"""Refuse NUL characters wherever text enters the REST API (URL path, query string, JSON and form bodies).

PostgreSQL cannot store NUL in text, and no field of this API has a use for it: a request carrying one gets a
clear 4xx here (400 for the URL, 422 for the body) before any route sees it, instead of a 500 from the
database later. Bodies are read once and replayed to the route.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGE = "Text may not contain NUL characters (\\u0000)."


def has_nul(value: Any) -> bool:
    """Whether a string anywhere in a JSON-like value (keys included) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def _body_has_nul(content_type: str, body: bytes) -> bool:
    if not body:
        return False
    if "json" in content_type:
        try:
            return has_nul(json.loads(body))
        except ValueError:
            return False  # not JSON: the route answers 422 itself
    if "x-www-form-urlencoded" in content_type:
        return any(has_nul(k) or has_nul(v) for k, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    return b"\x00" in body


class RejectNulMiddleware:
    """ASGI middleware of the REST API (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        if "\x00" in scope.get("path", "") or "\x00" in unquote(query) or any(
                has_nul(k) or has_nul(v) for k, v in parse_qsl(query, keep_blank_values=True)):
            await JSONResponse({"detail": MESSAGE}, status_code=400)(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1").lower()
        if _body_has_nul(content_type, body):
            await JSONResponse({"detail": MESSAGE}, status_code=422)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
