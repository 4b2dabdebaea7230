"""Browser-test fixtures: one production server for the whole session, headless Chromium, pages that record
every websocket frame, sign-in helpers and screenshots.

The server is started exactly like `make run` does (`scripts/serve.sh`: migrate, ensure-admin, `reflex run
--env prod --single-port`) on a free port, with its own temporary data directory (SQLite) and a known admin
password. Only one production build may run in the repository at a time (it writes `.web/`, and the build
bakes in the backend port), so the session starts ONE server and every test reuses it; concurrent sessions in
the same checkout wait for each other (`test-results/browser/.server.lock`), and a test fails with a clear
message if something else (e.g. a `make run`) rebuilt `.web/` for another port meanwhile. Tests reset the
configuration through the REST API when they need a known starting point.

Environment knobs (all optional): RESYNC_TEST_CHROMIUM (default /usr/bin/chromium),
RESYNC_TEST_SERVER_TIMEOUT (seconds to wait for the server, default 180), RESYNC_TEST_LOCK_TIMEOUT (seconds to
wait for another session's server, default 900), RESYNC_TEST_TWS_SIMULATOR (value of RESYNC_TWS_SIMULATOR for
the server, default 0: the simulator's fixed port would clash with a running `make run`).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results" / "browser"
CHROMIUM = os.environ.get("RESYNC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]
STARTUP_TIMEOUT_S = float(os.environ.get("RESYNC_TEST_SERVER_TIMEOUT", "180"))
LOCK_TIMEOUT_S = float(os.environ.get("RESYNC_TEST_LOCK_TIMEOUT", "900"))
UI_TIMEOUT_MS = 15_000
SESSION_COOKIE = "resync_session"
ADMIN_USERNAME = "admin"

# Wraps window.WebSocket before any page script runs: `window.__rxHydrated` follows the last
# `is_hydrated` value the Reflex backend sent, so tests can wait until the page's state arrived.
_HYDRATION_PROBE = r"""
(() => {
  if (window.__rxProbeInstalled) return;
  window.__rxProbeInstalled = true;
  window.__rxHydrated = false;
  const Native = window.WebSocket;
  class Watched extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (ev) => {
        if (typeof ev.data !== "string") return;
        const on = ev.data.lastIndexOf('"is_hydrated_rx_state_":true');
        const off = ev.data.lastIndexOf('"is_hydrated_rx_state_":false');
        if (on >= 0 || off >= 0) window.__rxHydrated = on > off;
      });
    }
  }
  window.WebSocket = Watched;
})();
"""


# ---- the live server ---------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """The running production server of this test session."""

    base_url: str
    host: str
    port: int
    data_dir: Path
    log_path: Path
    admin_username: str
    admin_password: str
    process: subprocess.Popen
    _client: httpx.Client = field(default=None, repr=False)  # type: ignore[assignment]
    _token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._client = httpx.Client(base_url=self.base_url, timeout=30.0, follow_redirects=False)

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- REST helpers --

    def basic_header(self, username: str | None = None, password: str | None = None) -> dict[str, str]:
        raw = f"{username or self.admin_username}:{self.admin_password if password is None else password}"
        return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}

    def bearer_token(self) -> str:
        """A bearer token of the admin (minted once per session through `POST /api/v1/auth/token`)."""
        if self._token is None:
            answer = self._client.post("/api/v1/auth/token", json={"username": self.admin_username,
                                                                    "password": self.admin_password})
            assert answer.status_code == 200, answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, *, auth: str | None = "bearer", headers: dict[str, str] | None = None,
            **kwargs: Any) -> httpx.Response:
        """Call the REST API; `auth` is "bearer" (default, cheap), "basic" (the admin password) or None."""
        all_headers = dict(headers or {})
        if auth == "basic":
            all_headers.update(self.basic_header())
        elif auth == "bearer":
            all_headers["Authorization"] = f"Bearer {self.bearer_token()}"
        elif auth is not None:
            raise ValueError(f"unknown auth {auth!r}")
        return self._client.request(method, path, headers=all_headers, **kwargs)

    def get_json(self, path: str, *, auth: str | None = "bearer") -> Any:
        answer = self.api("GET", path, auth=auth)
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    # -- configuration helpers (CONTRACT §5) --

    def config_values(self, *, auth: str = "bearer") -> dict[str, Any]:
        """Every field's current value, by name."""
        return {f["name"]: f["value"] for c in self.get_json("/api/v1/system-config/categories", auth=auth)
                for f in c["fields"]}

    def config_version(self, *, auth: str = "bearer") -> int:
        """The newest configuration version (0 = nothing saved yet)."""
        history = self.get_json("/api/v1/system-config/history?limit=1", auth=auth)
        return history[0]["version"] if history else 0

    def config_update(self, updates: dict[str, Any], *, auth: str = "bearer") -> dict[str, Any]:
        answer = self.api("POST", "/api/v1/system-config/update", auth=auth, json={"updates": updates})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def reset_config(self) -> int:
        """Restore the defaults (version 0) as a new version if anything differs; returns the current version."""
        answer = self.api("POST", "/api/v1/system-config/rollback", json={"version": 0})
        assert answer.status_code == 200, answer.text
        return answer.json()["version"]

    def audit(self, limit: int = 200, *, auth: str = "bearer") -> list[dict[str, Any]]:
        return self.get_json(f"/api/v1/admin/audit?limit={limit}", auth=auth)

    # -- browser-less sessions --

    def open_session_cookie(self) -> str:
        """Sign in through the /login form endpoint (as a browser would) and return the session cookie value."""
        answer = self._client.post("/api/v1/auth/session", data={"username": self.admin_username,
                                                                 "password": self.admin_password,
                                                                 "next": "/admin"})
        assert answer.status_code == 303, answer.text
        cookie = answer.cookies.get(SESSION_COOKIE)
        assert cookie, f"no {SESSION_COOKIE} cookie in {answer.headers}"
        self._client.cookies.clear()
        return cookie

    def close_session_cookie(self, cookie: str) -> None:
        """Sign that session out (`POST /api/v1/auth/logout`), as the admin shell's button does."""
        answer = self._client.post("/api/v1/auth/logout", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
        assert answer.status_code == 303, answer.text
        self._client.cookies.clear()

    # -- diagnostics --

    def log_tail(self, lines: int = 80) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no server log: {exc})"

    def check_build(self) -> None:
        """Fail clearly if someone rebuilt `.web/` for another server since this one started."""
        port = built_for_port()
        if port is not None and port != self.port:
            pytest.fail(f"{ROOT / '.web'} was rebuilt for a server on port {port} (this test server is on "
                        f"{self.port}): its pages now talk to the wrong backend. Only one production build may "
                        "run per checkout; stop the other `make run` / test session and run again.",
                        pytrace=False)

    def close(self) -> None:
        self._client.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path, port: int, password: str) -> dict[str, str]:
    from resync_app.config.catalogue import FIELDS

    env = dict(os.environ)
    # Field-named variables (e.g. LOG_LEVEL) would seed the configuration on first start: keep the defaults.
    for name in FIELDS:
        env.pop(name.upper(), None)
    for var in ("RESYNC_REDIS_URL", "RESYNC_SECRET_KEY", "RESYNC_DATABASE_URL", "RESYNC_PUBLIC_URL"):
        env.pop(var, None)
    env.update({
        "RESYNC_HOST": "127.0.0.1",
        "RESYNC_PORT": str(port),
        "RESYNC_DATA_DIR": str(data_dir),
        "RESYNC_DATABASE_URL": f"sqlite:///{data_dir / 'resync.db'}",
        "RESYNC_ADMIN_USERNAME": ADMIN_USERNAME,
        "RESYNC_ADMIN_PASSWORD": password,
        "RESYNC_TWS_SIMULATOR": os.environ.get("RESYNC_TEST_TWS_SIMULATOR", "0"),
        "RESYNC_TIMEZONE": "UTC",
        "PYTHONUNBUFFERED": "1",
        # one browser and the REST helpers, all from 127.0.0.1, load pages and call admin routes faster than the
        # default per-client limits allow (30 new sockets, 50 admin calls a minute); rate limits have their own tests
        "RESYNC_RATE_LIMIT_EXEMPT": "127.0.0.1",
    })
    return env


@contextlib.contextmanager
def _checkout_lock(timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """One browser-test server per checkout at a time, for its whole life.

    The production build in `.web/` bakes in the backend port, and the server serves its pages from there: a
    second build in the same checkout (another test session, `make run`) makes the first server's pages talk
    to the other port. Sessions using this conftest therefore wait for each other here.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / ".server.lock", "w") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another browser-test session in {ROOT} held {handle.name} for {timeout_s:.0f} s",
                                pytrace=False)
                time.sleep(0.5)  # waiting for another session's server to stop
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_for_port() -> int | None:
    """The backend port the current `.web/` build talks to (from `.web/env.json`), if known."""
    try:
        event_url = json.loads((ROOT / ".web" / "env.json").read_text())["EVENT"]
        return int(event_url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    except (OSError, ValueError, KeyError, IndexError):
        return None


def _stop(process: subprocess.Popen) -> None:
    """Terminate the server's whole process group (serve.sh → reflex → its workers)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):  # stragglers of the group, even if the leader exited
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(timeout=3.0, follow_redirects=True) as client:
        while True:
            if (rc := server.process.poll()) is not None:
                pytest.fail(f"the server exited with code {rc} while starting; log tail:\n{server.log_tail()}",
                            pytrace=False)
            try:
                health = client.get(server.url("/api/v1/health"))
                if health.status_code == 200 and health.json() == {"status": "ok"}:
                    page = client.get(server.url("/login"))
                    if page.status_code == 200 and 'id="username"' in page.text:
                        return
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer GET /api/v1/health within {STARTUP_TIMEOUT_S:.0f} s; "
                            f"log tail:\n{server.log_tail()}", pytrace=False)
            time.sleep(0.25)  # polling a starting subprocess, not a timing assertion


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """The production server (scripts/serve.sh) on a free port with its own data dir, for the whole session."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_path = RESULTS / (f"server-{worker}.log" if worker else "server.log")
    password = "browser-" + secrets.token_urlsafe(18)
    with _checkout_lock():
        tmp = Path(tempfile.mkdtemp(prefix="resync-browser-"))
        data_dir = tmp / "data"
        data_dir.mkdir()
        port = _free_port()
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=_server_env(data_dir, port, password),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        server = LiveServer(base_url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, data_dir=data_dir,
                            log_path=log_path, admin_username=ADMIN_USERNAME, admin_password=password,
                            process=process)
        try:
            _wait_until_up(server)
            server.check_build()
            yield server
        finally:
            server.close()
            _stop(process)
            shutil.rmtree(tmp, ignore_errors=True)


# ---- the browser -----------------------------------------------------------------------------------


@dataclass
class WsFrame:
    """One websocket frame seen by the page."""

    direction: str  # "sent" | "received"
    url: str
    payload: str


def frames_text(frames: list[WsFrame], direction: str | None = None) -> str:
    """All frame payloads (of one direction, if given) joined, for substring checks."""
    return "\n".join(f.payload for f in frames if direction is None or f.direction == direction)


def _text(payload: str | bytes) -> str:
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes | bytearray) else str(payload)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole session (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser.sh", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@pytest.fixture
def ws_frames() -> list[WsFrame]:
    """Every websocket frame the test's page sent or received, in order (across navigations)."""
    return []


@contextlib.contextmanager
def _context_page(browser, live_server, ws_frames, request, **context_options) -> Iterator[Any]:
    """A page in a fresh context with the given options, wired like `page` (hydration probe, frame log,
    failure artefacts)."""
    context = browser.new_context(base_url=live_server.base_url, **context_options)
    context.set_default_timeout(UI_TIMEOUT_MS)
    context.add_init_script(_HYDRATION_PROBE)
    pg = context.new_page()

    def on_websocket(ws) -> None:
        ws.on("framesent", lambda payload: ws_frames.append(WsFrame("sent", ws.url, _text(payload))))
        ws.on("framereceived", lambda payload: ws_frames.append(WsFrame("received", ws.url, _text(payload))))

    pg.on("websocket", on_websocket)
    pg.ws_frames = ws_frames
    live_server.check_build()
    try:
        yield pg
    finally:
        failed = any(r.failed for r in request.node.stash.get(_REPORTS, {}).values())
        if failed:
            stem = RESULTS / _slug(request.node.name)
            with contextlib.suppress(Exception):
                pg.screenshot(path=f"{stem}--failure.png", full_page=True)
            with contextlib.suppress(Exception):
                Path(f"{stem}--failure.html").write_text(pg.content())
            with contextlib.suppress(Exception):
                Path(f"{stem}--frames.jsonl").write_text("\n".join(json.dumps(f.__dict__) for f in ws_frames))
        context.close()
        if failed:
            live_server.check_build()  # explain a failure caused by a foreign build


@pytest.fixture
def page(browser, live_server, ws_frames, request) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) with `base_url` set to the live server.

    `page.ws_frames` is the `ws_frames` list; `page.content()` is the current HTML. On failure a screenshot,
    the HTML and the frames are written to test-results/browser/.
    """
    with _context_page(browser, live_server, ws_frames, request, viewport={"width": 1440, "height": 1000}) as pg:
        yield pg


@pytest.fixture
def screenshot(page, request) -> Callable[..., Path]:
    """`screenshot(name, target=None, full_page=True)` saves the page (or a locator / another page) as
    test-results/browser/<test>--<name>.png."""

    def take(name: str, target=None, full_page: bool = True) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{_slug(request.node.name)}--{_slug(name)}.png"
        if target is None or hasattr(target, "context"):  # a Page
            (target or page).screenshot(path=str(path), full_page=full_page)
        else:  # a Locator
            target.screenshot(path=str(path))
        return path

    return take


def wait_hydrated(pg, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait until the Reflex backend has sent this page its state (after a full page load)."""
    pg.wait_for_function("() => window.__rxHydrated === true", timeout=timeout_ms)


def fill_login_form(pg, username: str, password: str) -> None:
    wait_hydrated(pg)
    pg.locator("#username").fill(username)
    pg.locator("#password").fill(password)
    pg.locator("#sign-in").click()


@pytest.fixture
def sign_in(live_server) -> Callable[..., Any]:
    """`sign_in(page, start="/login", password=None, expect_admin=True)`: sign in through the /login form.

    With `start=None` the page is expected to show the form already (e.g. after an admin-route redirect).
    """
    from playwright.sync_api import expect

    def do(pg, start: str | None = "/login", password: str | None = None, expect_admin: bool = True):
        if start is not None:
            pg.goto(start)
        fill_login_form(pg, live_server.admin_username,
                        live_server.admin_password if password is None else password)
        if expect_admin:
            pg.wait_for_url(re.compile(r"/admin(/|$|\?)"))
            expect(pg.locator("#admin-name")).to_contain_text(live_server.admin_username)
        return pg

    return do


@pytest.fixture
def signed_in_page(page, sign_in):
    """`page` after signing in through /login (lands on /admin with the session confirmed by the server)."""
    return sign_in(page)


# ---- phone width -------------------------------------------------------------------------------------

PHONE_VIEWPORT = {"width": 390, "height": 844}  # an iPhone 12-15 in CSS pixels

# Everything visible on the page that reaches past the right (or left) edge of a `width`-px screen, except
# what sits inside a box that scrolls sideways by design (overflow-x auto/scroll) and itself fits the screen.
_OVERFLOW_PROBE = r"""
(width) => {
  const insideScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') return p.getBoundingClientRect().right <= width + 0.5;
    }
    return false;
  };
  const describe = (el, r) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).slice(0, 3).join('.') : '';
    const text = (el.innerText || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} [${Math.round(r.left)}..${Math.round(r.right)}] ${text}`;
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.width <= 1 && r.height <= 1)) continue;  // hidden or a11y-only
    if (r.right <= 0) continue;  // parked off-screen on purpose (e.g. Plotly's text-measuring svg): never scrolls
    if (el.ownerSVGElement) continue;  // drawn inside an <svg>, which clips it (the svg itself is checked)
    if (getComputedStyle(el).visibility === 'hidden') continue;
    // Radix's invisible form twin of a switch/checkbox (aria-hidden, opacity 0): nobody sees or scrolls to it
    if (el.getAttribute('aria-hidden') === 'true' && getComputedStyle(el).opacity === '0') continue;
    if ((r.right > width + 0.5 || r.left < -0.5) && !insideScroller(el)) offenders.push(describe(el, r));
  }
  const before = window.scrollX;
  window.scrollTo(width * 4, window.scrollY);  // try to scroll sideways
  const scrolled = window.scrollX;
  window.scrollTo(before, window.scrollY);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, scrolled,
          offenders};
}
"""


def sideways_overflow(pg, width: int | None = None) -> dict[str, Any]:
    """What of the page reaches past a `width`-px screen (default: the page's viewport width)."""
    width = width or pg.viewport_size["width"]
    return pg.evaluate(_OVERFLOW_PROBE, width)


def assert_no_sideways_scroll(pg, width: int | None = None) -> None:
    """The page fits `width` CSS px: nothing to scroll sideways, no element past the edge (boxes that scroll
    sideways by design excepted). On a mobile viewport a too-wide page makes the browser zoom out instead of
    scrolling, which shows as `window.innerWidth` growing: that fails too."""
    width = width or pg.viewport_size["width"]
    found = sideways_overflow(pg, width)
    where = f"{pg.url} at {width} px"
    assert found["innerWidth"] == width, f"{where}: the browser zoomed out to {found['innerWidth']} px " \
                                         f"(content too wide): {found['offenders'][:10]}"
    assert found["scrollWidth"] <= width, f"{where}: the page is {found['scrollWidth']} px wide: " \
                                          f"{found['offenders'][:10]}"
    assert found["scrolled"] == 0, f"{where}: the page scrolled sideways by {found['scrolled']} px"
    assert not found["offenders"], f"{where}: elements past the edge: {found['offenders'][:10]}"


@pytest.fixture
def phone_page(browser, live_server, ws_frames, request) -> Iterator[Any]:
    """Like `page`, on a phone: 390×844 CSS px, device scale 2, touch, mobile viewport rules (`pg.tap`)."""
    with _context_page(browser, live_server, ws_frames, request, viewport=dict(PHONE_VIEWPORT),
                       device_scale_factor=2, is_mobile=True, has_touch=True) as pg:
        yield pg


def save_shot(pg, name: str, request, *, full_page: bool = False) -> Path:
    """Save a screenshot as test-results/browser/<test>--<name>.png; with RESYNC_DOCS_SCREENSHOTS=1 also as
    docs/screenshots/<name>.png (the README's pictures)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{_slug(request.node.name)}--{_slug(name)}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("RESYNC_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(path, ROOT / "docs" / "screenshots" / f"{_slug(name)}.png")
    return path
