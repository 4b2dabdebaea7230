"""`Simulator`: the plan, its clock, the HTTP server and the control API (in-process methods and `/_sim/…`).

In tests (manual clock, `speed=0`):

    with Simulator(jobs=120, seed=7, start=datetime(2026, 3, 2, tzinfo=UTC)) as sim:
        async with HWAClient(sim.connection()) as client: ...
        job = sim.find_jobs(root=True)[0]
        sim.script_job(job["id"], "abend"); sim.advance(hours=1)
        sim.unlink("CPU_LINUX01"); sim.set_latency(2.0); sim.fail(500, count=1); sim.go_down(); sim.come_up()

For `make run` the clock runs at `speed` plan seconds per real second. Over HTTP the same controls live under
`/_sim/` with the same Basic credentials (see `control.py`). Faults (latency, failures, bad answers) apply to
the HWA routes only, so the control API keeps working. The plan inspection and control methods are mixed in from
`plan_controls.py`, the fault controls from `faults.py`.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from resync_app.tws.connection import Connection
from resync_app.tws_simulator import control, oql, render, routes
from resync_app.tws_simulator.behaviours import RUNTIME, Behaviours, check
from resync_app.tws_simulator.credentials import SIMULATOR_USERNAME
from resync_app.tws_simulator.errors import error_answer
from resync_app.tws_simulator.faults import FaultControls, Faults
from resync_app.tws_simulator.plan import Plan, Rates
from resync_app.tws_simulator.plan_controls import PlanControls
from resync_app.tws_simulator.ports import Answer
from resync_app.tws_simulator.render import iso
from resync_app.tws_simulator.server import SimHTTPServer

_QUERIES = {"job": oql.job_query, "jobstream": oql.stream_query, "workstation": oql.workstation_query}


class Simulator(FaultControls, PlanControls):
    def __init__(self, *, jobs: int = 200, seed: int = 1, speed: float = 0.0, start: datetime | None = None,
                 host: str = "127.0.0.1", port: int = 0, username: str = SIMULATOR_USERNAME,
                 password: str | None = None, workstations: int | None = None, abend_rate: float = 0.03,
                 stuck_rate: float = 0.004, late_rate: float = 0.02, flap_rate: float = 0.04,
                 critical_rate: float = 0.05, tls: ssl.SSLContext | None = None,
                 behaviours: Behaviours | None = None) -> None:
        begin = (start or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self.plan = Plan(jobs=jobs, seed=seed, start=begin.timestamp(), workstations=workstations,
                         critical_rate=critical_rate, behaviours=behaviours,
                         rates=Rates(abend=abend_rate, stuck=stuck_rate, late=late_rate, flap=flap_rate))
        self.host, self.port = host, port
        self.tls = tls  # serve https with this server context (tests of TLS verification)
        self.username = username
        self.password = password or secrets.token_urlsafe(12)
        self.speed = float(speed)
        self.faults = Faults()
        self._auth = b"Basic " + base64.b64encode(f"{self.username}:{self.password}".encode())
        self._server: SimHTTPServer | None = None
        self._faults_lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[int, int, list]] = {}
        self._requests: deque[tuple[str, str, dict]] = deque(maxlen=5000)
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._timers: list[threading.Timer] = []
        self._stopped = False
        self.shutdown_requested = threading.Event()  # set by POST /_sim/shutdown; the CLI process then exits

    # ---- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> Simulator:
        self._stopped = False
        self.come_up()
        if self._ticker is None:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, daemon=True, name="tws-simulator-clock")
            self._ticker.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        self._stop.set()
        for timer in self._timers:
            timer.cancel()
        self.go_down()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._ticker = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def go_down(self) -> None:
        """Stop listening and cut open connections: clients see 'connection refused' until `come_up()`."""
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def come_up(self) -> None:
        """Listen again (on the same port once one was chosen)."""
        if self._server is None:
            self._server = SimHTTPServer((self.host, self.port), self.handle, self.tls)
            self.port = self._server.server_address[1]
            self._server.start()

    def down_for(self, seconds: float, *, after: float = 0.0) -> None:
        """Go down (after `after` seconds) and come back `seconds` later (what `/_sim/faults {down_for_s}` does,
        with a short `after` so that its own answer gets out first)."""
        def down() -> None:
            self.go_down()
            self._later(seconds, self._come_back)

        if after > 0:
            self._later(after, down)
        else:
            down()

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(seconds, action)
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _come_back(self) -> None:
        if not self._stopped:
            self.come_up()

    @property
    def behaviours(self) -> Behaviours:
        """The engine behaviours the spec leaves open (`behaviours.py`), as the plan was built with them."""
        return self.plan.behaviours

    def set_behaviours(self, **values: Any) -> None:
        """Change the behaviours that may change while running (error_body, refusal, predecessor_depth,
        late_job_numbers: from the next run launched); the others shape the plan and are set at construction."""
        checked = {name: check(name, value) for name, value in values.items()}
        fixed = sorted(set(checked) - set(RUNTIME))
        if fixed:
            raise ValueError(f"{', '.join(fixed)} shape the plan: set them when the simulator starts")
        with self.plan.lock:
            for name, value in checked.items():
                setattr(self.plan.behaviours, name, value)

    @property
    def up(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def connection(self, **overrides: Any) -> Connection:
        """A client Connection to this simulator (short timeouts and backoff for tests; override any field)."""
        values: dict[str, Any] = {"base_url": self.base_url, "username": self.username, "password": self.password,
                                  "timeout_s": 5.0, "retries": 2, "backoff_s": 0.01, "name": "simulator"}
        values.update(overrides)
        return Connection(**values)

    def _tick(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(0.25):
            now = time.monotonic()
            if self.speed > 0:
                with self.plan.lock:
                    self.plan.advance_to(self.plan.now + (now - last) * self.speed)
            last = now

    # ---- HTTP entry point (called by the server's handler threads) -------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes,
               closing: threading.Event) -> Answer:
        self._requests.append((method, path, dict(query)))
        auth = (headers.get("Authorization") or "").encode()
        shape = self.plan.behaviours.error_body
        if not hmac.compare_digest(auth, self._auth):
            answer = error_answer(shape, 401, "AWSJSM001E The user name or password is not valid.", "AWSJSM001E")
            answer[1]["WWW-Authenticate"] = 'Basic realm="HWA"'
            return answer
        if path.startswith("/_sim/") or path == "/_sim":
            return control.handle(self, method, path, query, body)
        if not path.startswith(routes.PREFIX):
            return error_answer(shape, 404, f"AWSJSM404E {path} is not a resource of this server.", "AWSJSM404E")
        fault = self._take_fault()
        if fault.latency_s > 0 and closing.wait(fault.latency_s):
            return 0, {}, b""  # the server went down while this answer was pending
        if fault.fail_status:
            return error_answer(shape, fault.fail_status, f"AWSJSM500E Simulated failure (HTTP {fault.fail_status}).",
                                "AWSJSM500E")
        if fault.bad_answer == "html":
            return 200, {"Content-Type": "text/html"}, b"<html><body><h1>Welcome</h1>Sign in</body></html>"
        if fault.bad_answer == "garbage":
            return 200, {"Content-Type": "application/json"}, b'{"count": 3, "results": [{"id": '
        if fault.bad_answer == "shape":
            return 200, {"Content-Type": "application/json"}, b'["not", "the", "documented", "shape"]'
        include_count = (headers.get("Include-Count") or "true").lower() != "false"
        started = time.perf_counter()
        with self.plan.lock:
            status, out_headers, payload = routes.hwa(self, method, path, query,
                                                      headers.get("Host") or f"{self.host}:{self.port}",
                                                      include_count)
        out_headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return status, out_headers, payload

    def query(self, kind: str, text: str | None) -> list:
        """The plan objects of `kind` matching OQL `text`, in the query's order (cached per plan version)."""
        plan = self.plan
        source: list = {"job": plan.jobs, "jobstream": plan.streams, "workstation": plan.workstations}[kind]
        text = (text or "").strip()
        if not text:
            return source
        key = (kind, text)
        cached = self._cache.get(key)
        if cached and cached[0] == plan.version and cached[1] == plan.structure:
            return cached[2]
        compiled = _QUERIES[kind](text)
        result = compiled.sort([obj for obj in source if compiled.matches(obj)])
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = (plan.version, plan.structure, result)
        return result

    def warm(self) -> None:
        """Render every job, stream and workstation once (the CLI does it before listening, so the first
        page of a big plan costs the same as any other)."""
        with self.plan.lock:
            for job in self.plan.jobs:
                render.job_bytes(job, self.plan)
            for stream in self.plan.streams:
                render.stream_bytes(stream, self.plan)
            for ws in self.plan.workstations:
                render.workstation_bytes(ws, self.plan)

    def requests(self) -> list[tuple[str, str, dict]]:
        """(method, path, query) of every request received, oldest first (for assertions on retries/paging)."""
        return list(self._requests)

    def clear_requests(self) -> None:
        self._requests.clear()

    # ---- clock ------------------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.plan.now, tz=timezone.utc)

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> int:
        """Move the virtual clock forward; returns the number of plan events that ran."""
        delta = seconds + minutes * 60 + hours * 3600
        if delta < 0:
            raise ValueError("the clock only moves forward")
        with self.plan.lock:
            return self.plan.advance_to(self.plan.now + delta)

    def advance_to(self, when: datetime) -> int:
        with self.plan.lock:
            return self.plan.advance_to(when.timestamp())

    def set_speed(self, speed: float) -> None:
        self.speed = max(0.0, float(speed))

    def run_until(self, predicate: Callable[[Simulator], bool], *, max_seconds: float = 86400,
                  step: float = 60) -> datetime:
        """Advance `step` virtual seconds at a time until `predicate(self)` holds; AssertionError after
        `max_seconds` of plan time. Returns the plan time when it held."""
        with self.plan.lock:
            deadline = self.plan.now + max_seconds
            while not predicate(self):
                if self.plan.now >= deadline:
                    raise AssertionError(f"condition not reached within {max_seconds:g} plan seconds")
                self.plan.advance_to(min(deadline, self.plan.now + step))
            return self.now

    def state(self) -> dict:
        """A summary: clock, speed, counts by status, workstations, rates, faults, whether it is up."""
        with self.plan.lock:
            counts: dict[str, int] = {}
            for job in self.plan.jobs:
                shown = render.shown_status(job, job.run)
                counts[shown] = counts.get(shown, 0) + 1
            return {
                "now": iso(self.plan.now),
                "speed": self.speed,
                "up": self.up,
                "base_url": self.base_url,
                "jobs": len(self.plan.jobs),
                "job_streams": len(self.plan.streams),
                "status_counts": dict(sorted(counts.items())),
                "workstations": [{"name": w.name, "linked": w.linked, "online": w.online, "running": w.running}
                                 for w in self.plan.workstations],
                "rates": asdict(self.plan.rates),
                "faults": asdict(self.faults),
                "behaviours": self.plan.behaviours.as_dict(),
                "next_event_at": iso(self.plan.next_event_at()),
            }



__all__ = ["Faults", "Simulator"]
