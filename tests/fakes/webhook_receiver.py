"""Loopback fake of a Microsoft Teams incoming webhook, for tests.

A real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, ephemeral port, daemon thread) that answers like
Teams' incoming webhooks do: ``POST <webhook path>`` with a JSON message → ``200`` and the body ``1``; a body that
is not a message with attachments → ``400 Bad payload received by generic incoming webhook.``; any other path →
``404``. It can be told to answer the next N posts with 429 (and a ``Retry-After``), 500, 400, …, and to be slow
(`delay_s`: every answer waits that long, like a loaded Teams). Every request is recorded; `cards` are the messages
it accepted.

    with WebhookReceiver() as hook:
        hook.fail_next(429, count=1, retry_after=7)
        ... post to hook.url ...
        assert hook.wait_for_cards(1)
        assert hook.cards[0]["attachments"][0]["content"]["type"] == "AdaptiveCard"
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MESSAGES = {
    400: "Bad payload received by generic incoming webhook.",
    404: "Webhook not found.",
    429: "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-canary-eus2-0,cv=x.",
    500: "Internal server error.",
    503: "Service unavailable.",
}


@dataclass
class _Failure:
    status: int
    remaining: int
    retry_after: str | None
    body: str | None


class WebhookReceiver:
    def __init__(self) -> None:
        self.path = (f"/webhookb2/{uuid.uuid4()}@{uuid.uuid4()}/IncomingWebhook/{secrets.token_hex(16)}/"
                     f"{uuid.uuid4()}")
        self.requests: list[dict[str, Any]] = []
        self.cards: list[dict[str, Any]] = []
        self._failures: list[_Failure] = []
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self.delay_s = 0.0  # each answer waits this long (a slow webhook)

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(_Handler):
            fake = receiver

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-teams-webhook", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "WebhookReceiver":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (still known after `stop`: a URL to nowhere)."""
        assert self._port is not None, "not started"
        return self._port

    @property
    def url(self) -> str:
        """The webhook URL (http on loopback: the app accepts plain http only for loopback hosts)."""
        return f"http://127.0.0.1:{self.port}{self.path}"

    # ---- programming and inspecting ----------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, retry_after: int | str | None = None,
                  body: str | None = None) -> None:
        """Answer the next `count` posts with `status` (after any failures already queued)."""
        with self._cond:
            self._failures.append(_Failure(status, count, None if retry_after is None else str(retry_after), body))

    def reset(self) -> None:
        with self._cond:
            self.requests.clear()
            self.cards.clear()
            self._failures.clear()

    def wait_for_cards(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least `count` cards were accepted (False on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.cards) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def _answer(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        with self._cond:
            entry: dict[str, Any] = {"path": path, "headers": headers, "raw": body, "time": time.time()}
            try:
                entry["json"] = json.loads(body or b"null")
            except ValueError:
                entry["json"] = None
            self.requests.append(entry)
            try:
                if path != self.path:
                    status, text, extra = 404, _MESSAGES[404], {}
                elif self._failures:
                    failure = self._failures[0]
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.pop(0)
                    extra = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
                    status, text = failure.status, failure.body or _MESSAGES.get(failure.status, "error")
                elif not _is_message(entry["json"]):
                    status, text, extra = 400, _MESSAGES[400], {}
                else:
                    self.cards.append(entry["json"])
                    status, text, extra = 200, "1", {}
                entry["status"] = status
                return status, text, extra
            finally:
                self._cond.notify_all()


def _is_message(body: Any) -> bool:
    return (isinstance(body, dict) and body.get("type") == "message" and isinstance(body.get("attachments"), list)
            and len(body["attachments"]) > 0)


class _Handler(BaseHTTPRequestHandler):
    fake: WebhookReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet tests
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.fake.delay_s > 0:
            time.sleep(self.fake.delay_s)  # a slow webhook (the server's thread waits, not the test)
        status, text, extra = self.fake._answer(self.path, body, {k.lower(): v for k, v in self.headers.items()})
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        data = b"Method not allowed"
        self.send_response(405)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
