"""A small loopback HWA REST API v2 server for the edge cases the bundled simulator does not play.

A real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, ephemeral port, daemon thread) that speaks the
parts of the protocol the client uses, in the shapes of ``hwa-rest-api-v2.openapi.json``:

- ``GET …/engine/info`` → an EngineInfoV2;
- ``GET …/plan/job/{id}`` → a JobInPlanV2 with one run (``jobruns``), whatever the id;
- ``GET …/plan/job/run/{run}/joblog`` → ``text/plain``, ``log_bytes`` bytes generated while they are sent
  (chunked transfer, nothing held in memory), ending with the line ``log_last_line``; or ``log_text`` verbatim;
- ``GET …/plan/job`` → one page of ``page_size`` jobs; with ``endless_pages`` every page carries a ``next`` link
  to the following offset (a server whose paging never stops);
- ``GET …/plan/workstation`` and ``…/plan/jobstream`` → an empty page.

Every request is recorded (method, path, headers) in ``requests``; ``authorizations`` lists the Authorization
headers received. Used as a bare listener too: a test that must prove no credentials reach an address points a
change at ``stub.base_url`` and checks ``stub.requests`` stays empty.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API = "/twsd/api/v2"
_CHUNK = 64 * 1024


class HwaStub:
    def __init__(self, *, log_bytes: int = 0, log_last_line: str = "END OF LOG", log_text: str | None = None,
                 page_size: int = 1, endless_pages: bool = False) -> None:
        self.log_bytes = log_bytes
        self.log_last_line = log_last_line
        self.log_text = log_text
        self.page_size = page_size
        self.endless_pages = endless_pages
        self.requests: list[dict[str, Any]] = []
        self.log_bytes_sent = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def authorizations(self) -> list[str]:
        with self._lock:
            return [r["headers"].get("authorization", "") for r in self.requests if r["headers"].get("authorization")]

    def paths(self, fragment: str = "") -> list[str]:
        with self._lock:
            return [r["path"] for r in self.requests if fragment in r["path"]]

    # ---- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> HwaStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away mid-answer (a capped log read): not the stub's problem

            def do_GET(self) -> None:  # noqa: N802
                stub._record(self)
                stub._answer(self)

            def do_PUT(self) -> None:  # noqa: N802
                stub._record(self)
                self._json(404, {"message": "not played by this stub"})

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._handler = Handler
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hwa-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HwaStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- answers -----------------------------------------------------------------------------------------

    def _record(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append({"method": handler.command, "path": handler.path,
                                  "headers": {k.lower(): v for k, v in handler.headers.items()}})

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        path, _, query = h.path.partition("?")
        if not path.startswith(API):
            return h._json(404, {"message": "no such resource"})
        rest = path[len(API):]
        if rest == "/engine/info":
            return h._json(200, {"displayVersion": "10.2.3", "fullVersion": "10.2.3.00", "timezone": "UTC",
                                 "engineType": "DISTRIBUTED", "adminRoles": {"admin": []}})
        if (m := re.fullmatch(r"/plan/job/run/([^/]+)/joblog", rest)):
            return self._log(h)
        if (m := re.fullmatch(r"/plan/job/([^/]+)", rest)):
            job_id = m.group(1)
            return h._json(200, {"id": job_id, "name": f"JOB{job_id[-6:]}", "status": "SUCC",
                                 "jobruns": [{"id": f"run-{job_id}", "jobNumber": 1, "lastInRerunChain": True}]})
        if rest == "/plan/job":
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            offset = int(params.get("offset", "0") or 0)
            jobs = [{"id": f"job-{offset + i}", "name": f"JOB{offset + i}", "status": "SUCC"}
                    for i in range(self.page_size)]
            following = f"{API}/plan/job?limit={self.page_size}&offset={offset + self.page_size}"
            if not self.endless_pages:
                return h._json(200, {"count": len(jobs), "results": jobs if offset == 0 else [], "next": None,
                                     "previous": None})
            return h._json(200, {"count": None, "results": jobs, "next": following, "previous": None})
        if rest in ("/plan/workstation", "/plan/jobstream"):
            return h._json(200, {"count": 0, "results": [], "next": None, "previous": None})
        return h._json(404, {"message": "no such resource"})

    def _log(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain; charset=utf-8")
        if self.log_text is not None:
            data = self.log_text.encode()
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        ending = f"\n{self.log_last_line}\n".encode()
        body_left = max(0, self.log_bytes - len(ending))
        line = b"2026-03-02 01:00:00 AWKRCE100I step running, nothing to see here ...................\n"
        block = line * (_CHUNK // len(line))
        try:
            while body_left > 0:
                piece = block[:body_left]
                self._chunk(h, piece)
                body_left -= len(piece)
            self._chunk(h, ending)
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return  # the client stopped reading: fine

    def _chunk(self, h: BaseHTTPRequestHandler, data: bytes) -> None:
        h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        with self._lock:
            self.log_bytes_sent += len(data)
