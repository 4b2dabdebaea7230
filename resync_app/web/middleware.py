"""The ASGI middleware around the whole app (REST API, event socket, pages): rate limits and request metrics.

Installed on the FastAPI app that Reflex mounts everything into (`rx.App(api_transformer=create_api())`), so it
sees `/api/…`, the `/_event` websocket upgrades and the frontend alike. Pure ASGI (no BaseHTTPMiddleware) so
websockets and streaming pass through untouched.
"""

from __future__ import annotations

import time

from resync_app import metrics
from resync_app.web.clientaddr import scope_client_ip
from resync_app.web import ratelimit
from resync_app.web.routes import limit_classes, route_class


def _authorization(scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            return value.decode("latin-1")
    return None


class EdgeMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        cls = route_class(path)
        classes = limit_classes(path, _authorization(scope))
        if classes:
            from resync_app.config.store import setting

            decision = ratelimit.get_limiter().check(scope_client_ip(scope), classes, setting)
            if not decision.allowed:
                metrics.count_rate_limited(decision.route_class)
                if kind == "http":
                    await self._refuse_http(send, decision)
                    metrics.observe_http(cls, scope.get("method", "GET"), 429, 0.0)
                else:
                    await self._refuse_websocket(scope, send, decision)
                return
        if kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self._http(scope, receive, send, cls)

    async def _http(self, scope, receive, send, cls: str) -> None:
        started = time.perf_counter()
        status = {"code": 500}

        async def tracking_send(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            if cls != "static":  # pages and assets: not worth a series
                metrics.observe_http(cls, scope.get("method", "GET"), status["code"], time.perf_counter() - started)

    async def _websocket(self, scope, receive, send) -> None:
        opened = {"yes": False}

        async def tracking_send(message) -> None:
            if message["type"] == "websocket.accept" and not opened["yes"]:
                opened["yes"] = True
                metrics.websocket_opened()
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            if opened["yes"]:
                metrics.websocket_closed()

    @staticmethod
    async def _refuse_http(send, decision) -> None:
        body = ratelimit.refusal_body(decision)
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(decision.retry_after).encode()),
            (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _refuse_websocket(scope, send, decision) -> None:
        if "websocket.http.response" in (scope.get("extensions") or {}):
            body = ratelimit.refusal_body(decision)
            await send({"type": "websocket.http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"), (b"retry-after", str(decision.retry_after).encode())]})
            await send({"type": "websocket.http.response.body", "body": body})
        else:  # closing before accepting answers the upgrade with 403
            await send({"type": "websocket.close", "code": 1008, "reason": "rate limited"})
