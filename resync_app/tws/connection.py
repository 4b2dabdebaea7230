"""Where and how to reach one TWS instance: its base URL (validated and normalised) and credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

API_PREFIX = "/twsd/api/v2"


def validate_base_url(url: str) -> str:
    """The base URL normalised (no trailing slash), or ValueError saying what is wrong with it.

    It is the TWS server root (`https://tws.example.com:31116`): http or https, a host, no user name or password
    in it, no query. A trailing `/twsd/api/v2` is tolerated and removed."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError("the base URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("the base URL has no host name")
    if parts.username or parts.password:
        raise ValueError("put the user name and password in their own fields, not in the base URL")
    if parts.query or parts.fragment:
        raise ValueError("the base URL must not have a query (?…) or a fragment (#…)")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ValueError("the base URL has an invalid port") from exc
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class Connection:
    """Where and how to reach one TWS instance. `password` never appears in repr()."""

    base_url: str
    username: str
    password: str = field(repr=False)
    verify_tls: bool = True
    read_only: bool = False
    timeout_s: float = 10.0
    retries: int = 2
    backoff_s: float = 0.5
    name: str = ""

    @property
    def address(self) -> str:
        """host:port, for messages (never the credentials)."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"

    @property
    def api_url(self) -> str:
        return validate_base_url(self.base_url) + API_PREFIX
