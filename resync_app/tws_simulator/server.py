"""The simulator's HTTP server: stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive, one thread per connection.

It can go "down" for real: `close()` stops listening and cuts every open connection (a client's pooled
keep-alive connection must fail too), and a new `SimHTTPServer` can listen again on the same port.
"""

from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from resync_app.tws_simulator.ports import RequestHandler


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handle: RequestHandler, tls: ssl.SSLContext | None = None) -> None:
        self.respond = handle  # the simulator's entry point: (method, path, query, headers, body, closing) → answer
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)
        if tls is not None:  # https: the handshake happens when a connection is accepted
            self.socket = tls.wrap_socket(self.socket, server_side=True)

    def handle_error(self, request, client_address):  # noqa: ANN001 - socketserver signature
        """A client that went away mid-request (a killed worker, a timed-out poll) is normal for a TWS server:
        no traceback for it; anything else is reported as usual."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)

    def process_request(self, request, client_address):  # noqa: ANN001 - socketserver signature
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # noqa: ANN001
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True,
                                  name=f"tws-simulator:{self.server_address[1]}")
        thread.start()
        return thread

    def close(self) -> None:
        """Stop listening and cut every open connection (sleeping handlers wake up and give up)."""
        self.closing.set()
        self.shutdown()
        self.server_close()
        with self._conn_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HWA-Simulator/10.1"
    server: SimHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        status, headers, payload = self.server.respond(method, parts.path, query, self.headers, body,
                                                       self.server.closing)
        if status == 0:  # "drop the connection without answering"
            self.close_connection = True
            return
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")
