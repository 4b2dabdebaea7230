"""Process settings read from the environment (CONTRACT §2).

These are the few values needed before the database is reachable. Everything an admin can change at run
time lives in the System Configuration store instead (`resync_app.config`).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROVIDER_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "nvidia_nim": "NVIDIA_NIM_API_KEY",
}


@dataclass(frozen=True)
class Settings:
    """Environment-derived settings of this process."""

    host: str
    port: int
    data_dir: Path
    database_url: str
    redis_url: str | None
    admin_username: str
    admin_password: str | None
    timezone_name: str
    tws_simulator: bool
    public_urls: tuple[str, ...] = ()  # RESYNC_PUBLIC_URL as given (normalised to origins)
    allowed_origins: tuple[str, ...] = ()  # the origins a browser page of this app has
    operator_login_required: bool = False  # RESYNC_OPERATOR_LOGIN=required: no anonymous operator pages/reads

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    @property
    def secret_key(self) -> str:
        return _secret_key(str(self.data_dir))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_WILDCARD = ("0.0.0.0", "::", "[::]", "")


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` as a browser sends it in the Origin header (default ports left out), or None."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed_origins_from(environ: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(public URLs, allowed origins) from the environment, without side effects (rxconfig.py uses it too).

    RESYNC_PUBLIC_URL (comma-separated) lists the URLs people open the console at; they are the only origins
    the event socket and the browser-only routes accept. Without it: the origins of RESYNC_HOST:RESYNC_PORT
    over http, with the loopback names for a loopback host, and also the machine's own names for 0.0.0.0.
    """
    given = [u for u in (environ.get("RESYNC_PUBLIC_URL") or "").split(",") if u.strip()]
    public = tuple(dict.fromkeys(o for o in (origin_of(u) for u in given) if o))
    if given:
        bad = [u.strip() for u in given if origin_of(u) is None]
        if bad:
            raise SystemExit(f"RESYNC_PUBLIC_URL: {', '.join(bad)} is not an http(s) URL")
        return public, public
    host = (environ.get("RESYNC_HOST") or "127.0.0.1").strip().lower()
    port = (environ.get("RESYNC_PORT") or "8000").strip()
    names = [f"[{host}]" if ":" in host and not host.startswith("[") else host]
    if host in _LOOPBACK or host in _WILDCARD:
        names = list(_LOOPBACK)
    if host in _WILDCARD:
        names += [n.lower() for n in (socket.gethostname(), socket.getfqdn()) if n]
    return (), tuple(dict.fromkeys(o for o in (origin_of(f"http://{n}:{port}") for n in names) if o))


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


@lru_cache(maxsize=4)
def _secret_key(data_dir: str) -> str:
    """RESYNC_SECRET_KEY, or one generated once into the data dir (mode 0600)."""
    if key := os.environ.get("RESYNC_SECRET_KEY"):
        return key
    path = Path(data_dir) / "secret-key"
    if not path.exists():
        try:
            _write_private(path, secrets.token_urlsafe(48))
        except FileExistsError:
            pass  # another process created it first
    return path.read_text().strip()


def write_private_file(path: Path, text: str) -> None:
    """Create or replace a file that only the owner may read (0600)."""
    if path.exists():
        path.unlink()
    _write_private(path, text)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process (tests call `reload_settings`)."""
    data_dir = Path(os.environ.get("RESYNC_DATA_DIR", "./data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    tz = os.environ.get("RESYNC_TIMEZONE", "UTC") or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SystemExit(f"RESYNC_TIMEZONE={tz!r} is not a known IANA time zone") from exc
    public_urls, allowed_origins = allowed_origins_from(os.environ)
    operator_login = (os.environ.get("RESYNC_OPERATOR_LOGIN") or "optional").strip().lower()
    if operator_login not in ("optional", "required"):
        raise SystemExit(f"RESYNC_OPERATOR_LOGIN={operator_login!r}: use 'required' or 'optional' (the default)")
    return Settings(
        operator_login_required=operator_login == "required",
        public_urls=public_urls,
        allowed_origins=allowed_origins,
        host=os.environ.get("RESYNC_HOST", "127.0.0.1"),
        port=int(os.environ.get("RESYNC_PORT", "8000")),
        data_dir=data_dir,
        database_url=os.environ.get("RESYNC_DATABASE_URL") or f"sqlite:///{data_dir / 'resync.db'}",
        redis_url=os.environ.get("RESYNC_REDIS_URL") or None,
        admin_username=os.environ.get("RESYNC_ADMIN_USERNAME", "admin") or "admin",
        admin_password=os.environ.get("RESYNC_ADMIN_PASSWORD") or None,
        timezone_name=tz,
        tws_simulator=os.environ.get("RESYNC_TWS_SIMULATOR", "1") not in ("0", "false", "no"),
    )


def reload_settings() -> Settings:
    """Forget cached settings (used by tests that change the environment)."""
    get_settings.cache_clear()
    _secret_key.cache_clear()
    return get_settings()
