"""Loopback RAG service for tests: a real HTTP server (127.0.0.1, ephemeral port, daemon threads) that speaks the
protocol `resync_app.assistant.rag` documents — `POST /search {"query", "top_k"}` → `{"results": [...]}` and
`GET /health` — and can fail in each way the client must survive.

    with FakeRagServer() as rag:
        rag.results = [{"id": "kb-1", "title": "…", "text": "…", "score": 3.2}]
        rag.mode = "status"; rag.status = 503      # or "bad_json", "bad_shape", "hang"
        rag.fail_first = 2                          # the first 2 searches answer `status`, then normal answers
        rag.requests                                # [(path, body)] of every request
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeRagServer:
    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | status | bad_json | bad_shape | hang
        self.status = 503
        self.fail_first = 0
        self.health_status = 200
        self.requests: list[tuple[str, Any]] = []
        self.release = threading.Event()  # ends the "hang" mode's wait
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def searches(self) -> list[Any]:
        return [body for path, body in self.requests if path == "/search"]

    def __enter__(self) -> FakeRagServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with fake._lock:
                    fake.requests.append((self.path, None))
                if self.path == "/health":
                    self._send(fake.health_status, b'{"status": "ok"}')
                else:
                    self._send(404, b'{"detail": "not found"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                with fake._lock:
                    fake.requests.append((self.path, body))
                    failing = fake.fail_first > 0
                    if failing:
                        fake.fail_first -= 1
                if self.path != "/search":
                    self._send(404, b'{"detail": "not found"}')
                elif failing or fake.mode == "status":
                    self._send(fake.status, b'{"detail": "unavailable"}')
                elif fake.mode == "hang":
                    fake.release.wait(30)
                    self._send(200, b'{"results": []}')
                elif fake.mode == "bad_json":
                    self._send(200, b"<html>gateway says hello</html>", "text/html")
                elif fake.mode == "bad_shape":
                    self._send(200, json.dumps({"hits": fake.results}).encode())
                else:
                    top_k = body.get("top_k", 5) if isinstance(body, dict) else 5
                    self._send(200, json.dumps({"results": fake.results[:top_k]}).encode())

        return Handler


def closed_port_url() -> str:
    """An http URL on which nothing listens (a port bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
