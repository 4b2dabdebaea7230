"""Fixtures of the health tests: the real app with its periodic monitor stopped (runs happen when the test asks),
a loopback RAG service, and a closed port for "down" cases."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

HEALTH_URL = "/api/v1/admin/health"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeRag:
    """A loopback HTTP service: `GET /health` answers `health_status` (404 = no such route), `GET /` answers 200."""

    def __init__(self, health_status: int = 200) -> None:
        self.health_status = health_status
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.paths.append(self.path)
                status = fake.health_status if self.path == "/health" else 200
                body = b'{"status":"ok"}' if status == 200 else b"not here"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rag():
    fake = FakeRag()
    yield fake
    fake.stop()


@pytest.fixture
def health(api, admin_headers):
    """The app with the periodic monitor stopped; `health.get()` is `GET /api/v1/admin/health`."""
    from resync_app.health import monitor

    monitor.stop()

    class Client:
        headers = admin_headers

        def get(self, **params: Any) -> dict[str, Any]:
            answer = api.get(HEALTH_URL, headers=admin_headers, params=params)
            assert answer.status_code == 200, answer.text
            return answer.json()

        def post(self, path: str, **kwargs: Any):
            return api.post(HEALTH_URL + path, headers=admin_headers, **kwargs)

        def config(self, **fields: Any) -> None:
            answer = api.post("/api/v1/system-config/update", headers=admin_headers, json={"updates": fields})
            assert answer.status_code == 200, answer.text

    return Client()
