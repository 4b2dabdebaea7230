"""Security headers on every HTTP response of the server (pages, assets, API): Content-Security-Policy and friends.

The production server serves the compiled frontend (`.web/build/client`, Reflex's static mount) from the same
ASGI app as the API, so one middleware (`SecurityHeadersMiddleware`, installed in `api/app.py` around everything
Reflex mounts) puts the headers on the HTML documents too.

The policy: scripts only from the app itself — its bundle (`'self'`) plus the inline scripts of the compiled pages,
allowed by their SHA-256 hashes (React Router's hydration data and React's streaming helpers, which the build
writes into every page). The hashes are read from the build output on disk, never from a response, and re-read
when the build directory changes. No `'unsafe-inline'` for scripts, no `'unsafe-eval'`, no remote script.

No `eval` is needed: the toasts of server handlers are data shown by a hook of the page (`state/toast.py`,
`components/toaster.py`), not the code strings Reflex's `rx.toast` sends, and the app's own browser code is
compiled into the bundle (`components/client_call.py`, `components/event_notifier.py`).
No frames, plugins or remote images; the event websocket may connect to the origins the build talks to
(`.web/env.json`) and to the page's own origin.

`/api/docs` (the REST API's Swagger UI) is served from the server's own files with no inline script
(`api/docs.py`): the same policy covers it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger("resync.csp")

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HAS_SRC = re.compile(rb"\bsrc\s*=", re.IGNORECASE)

EXTRA_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"))


def script_hashes(html: bytes) -> list[str]:
    """CSP source expressions ('sha256-…') of the inline scripts of one HTML document, in order, no repeats."""
    found: list[str] = []
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if _HAS_SRC.search(attributes):
            continue
        token = "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        if token not in found:
            found.append(token)
    return found


def _origins(urls: Iterable[str]) -> list[str]:
    """The scheme://host[:port] of each URL (ws/wss and http/https only), no repeats."""
    origins: list[str] = []
    for url in urls:
        parts = urlsplit(str(url))
        if parts.scheme in ("ws", "wss", "http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def policy(script_sources: Iterable[str] = (), connect_sources: Iterable[str] = ()) -> str:
    """The Content-Security-Policy header value."""
    scripts = ["'self'", *script_sources]
    styles = ["'self'", "'unsafe-inline'"]  # Radix/emotion and Plotly write style elements; no script can run from them
    images = ["'self'", "data:"]
    connects = ["'self'", *connect_sources]
    directives = [
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"style-src {' '.join(styles)}",
        f"img-src {' '.join(images)}",
        "font-src 'self' data:",
        f"connect-src {' '.join(connects)}",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    return "; ".join(directives)


class BuildPolicy:
    """The policy of the compiled frontend in `static_dir` (hashes of every page's inline scripts) and the origins
    of `env_json`; recomputed when the build directory changes (a rebuild replaces it)."""

    def __init__(self, static_dir: Path | None = None, env_json: Path | None = None) -> None:
        self._static_dir, self._env_json = static_dir, env_json
        self._lock = threading.Lock()
        self._key: object = None
        self._value = policy()

    def _paths(self) -> tuple[Path, Path]:
        if self._static_dir is not None and self._env_json is not None:
            return self._static_dir, self._env_json
        from reflex import constants
        from reflex.config import get_config
        from reflex.utils import prerequisites

        web = prerequisites.get_web_dir()
        static = web / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
        return static, web / constants.Dirs.ENV_JSON

    def value(self) -> str:
        static, env_json = self._paths()
        try:
            stat = static.stat()
            key: object = (str(static), stat.st_ino, stat.st_mtime_ns)
        except OSError:
            key = None  # no frontend build (backend-only): no inline script to allow
        if key == self._key:
            return self._value
        with self._lock:
            if key != self._key:
                self._value, self._key = self._compute(static if key else None, env_json), key
            return self._value

    @staticmethod
    def _compute(static: Path | None, env_json: Path) -> str:
        hashes: list[str] = []
        try:
            pages = sorted(static.rglob("*.html")) if static else []
        except OSError:
            pages = []  # the build went away while it was listed
        for page in pages:
            try:
                content = page.read_bytes()
            except OSError:
                continue  # replaced by a new build while it was read: the next request sees the new build's key
            for token in script_hashes(content):
                if token not in hashes:
                    hashes.append(token)
        try:
            urls = json.loads(env_json.read_text()).values()
        except (OSError, ValueError, AttributeError):
            urls = []
        value = policy(hashes, _origins(u for u in urls if isinstance(u, str)))
        logger.info("content security policy: %d inline script hashes from %s", len(hashes), static)
        return value


_BUILD = BuildPolicy()


class SecurityHeadersMiddleware:
    """Pure ASGI: adds the CSP (and nosniff, referrer policy) to every HTTP response; websockets pass through."""

    def __init__(self, app, build: BuildPolicy | None = None) -> None:
        self.app = app
        self.build = build or _BUILD

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = self.build.value().encode()

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = _add_headers(message, header)
            await send(message)

        await self.app(scope, receive, with_headers)


def _add_headers(message: dict, csp: bytes) -> dict:
    headers = [(k, v) for k, v in message.get("headers") or () if k.lower() != b"content-security-policy"]
    headers.append((b"content-security-policy", csp))
    present = {k.lower() for k, _ in headers}
    headers.extend((k, v) for k, v in EXTRA_HEADERS if k not in present)
    return {**message, "headers": headers}
