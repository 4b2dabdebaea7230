"""The input guard of the REST API: every request body is read here once, checked, and replayed to the route.

- Size and nesting (`api/body_limits.py`): a body over 1 MiB → 413, JSON nested more than 32 levels → 422, before
  any parser or validator sees it (deep nesting was a 500).
- NUL characters wherever text enters (URL path, query string, JSON and form bodies): PostgreSQL cannot store NUL
  in text, and no field of this API has a use for it: a clear 4xx here (400 for the URL, 422 for the body)
  instead of a 500 from the database later.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resync_app.api.body_limits import (
    MAX_BODY_BYTES, TOO_DEEP, TOO_LARGE, declared_too_large, json_too_deep, parsed_as_json,
)

MESSAGE = "Text may not contain NUL characters (\\u0000)."


def has_nul(value: Any) -> bool:
    """Whether a string anywhere in a JSON-like value (keys included) holds a NUL character (iterative: any depth)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def _body_has_nul(content_type: str, body: bytes) -> bool:
    if not body:
        return False
    if "json" in content_type or parsed_as_json(content_type):
        try:
            return has_nul(json.loads(body))
        except (ValueError, RecursionError):
            return False  # not JSON: the route answers 422 itself
    if "x-www-form-urlencoded" in content_type:
        return any(has_nul(k) or has_nul(v) for k, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    return b"\x00" in body


class InputGuardMiddleware:
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
        if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if declared_too_large(headers):
            await JSONResponse({"detail": TOO_LARGE}, status_code=413)(scope, receive, send)
            return
        messages: list[Message] = []
        body = bytearray()
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                await JSONResponse({"detail": TOO_LARGE}, status_code=413)(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        body = bytes(body)
        content_type = dict(headers).get(b"content-type", b"").decode("latin-1").lower()
        if body and ("json" in content_type or parsed_as_json(content_type)) and json_too_deep(body):
            await JSONResponse({"detail": TOO_DEEP}, status_code=422)(scope, receive, send)
            return
        if _body_has_nul(content_type, body):
            await JSONResponse({"detail": MESSAGE}, status_code=422)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
