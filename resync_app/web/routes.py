"""Route classes: ONE table that says which rate limit (and which metrics label) a path belongs to.

The first matching prefix wins. A new router falls in the right class by its prefix (`/api/v1/tws/…` and
`/api/v1/chat` are already listed); anything else under `/api/` is *public* until listed here. Requests that
carry credentials (`Authorization` header) also count against the *authenticated* limit, and those with HTTP
Basic credentials against the *critical* one too: every Basic request is a sign-in (a bcrypt check unless
recently verified), so scripts should use bearer tokens.
"""

from __future__ import annotations

# class -> the System Configuration field with its per-minute limit (None: not limited)
LIMIT_FIELDS: dict[str, str | None] = {
    "public": "rate_limit_public_per_minute",
    "authenticated": "rate_limit_authenticated_per_minute",
    "critical": "rate_limit_critical_per_minute",
    "websocket": "rate_limit_websocket_per_minute",
    "health": None,
    "metrics": "rate_limit_public_per_minute",  # its own counter, the public rate (a scraper needs a few a minute)
    "static": None,
}

ROUTE_CLASSES: tuple[tuple[str, str], ...] = (
    # probes for load balancers: never limited; the Prometheus scrape: its own counter (RESYNC_RATE_LIMIT_EXEMPT
    # exempts a scraper's address)
    ("/api/v1/health", "health"),
    ("/metrics", "metrics"),  # exact path only, see route_class()
    # sign-in
    ("/api/v1/auth/token", "critical"),
    ("/api/v1/auth/session", "critical"),
    ("/api/v1/auth/", "authenticated"),
    # admin
    ("/api/v1/admin/", "critical"),
    ("/api/v1/system-config/", "critical"),
    ("/api/v1/litellm/", "critical"),
    ("/api/v1/ui/", "critical"),
    # operators (no sign-in): reads and the chat, which costs money
    ("/api/v1/tws/", "public"),
    ("/api/v1/metrics/", "public"),
    ("/api/v1/reports/", "public"),
    ("/api/v1/chat", "public"),
    # the Reflex event socket (new connections)
    ("/_event", "websocket"),
    # API docs and anything else under /api
    ("/api/", "public"),
)


def route_class(path: str) -> str:
    """The class of a path (the metrics label; bounded: never the raw path)."""
    if path == "/metrics":
        return "metrics"
    for prefix, cls in ROUTE_CLASSES:
        if prefix == "/metrics":
            continue
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return cls
    return "static"  # pages and assets of the frontend


def limit_classes(path: str, authorization: str | None) -> list[str]:
    """Every limit a request counts against (the route's class, plus credentials' classes)."""
    cls = route_class(path)
    if LIMIT_FIELDS.get(cls) is None and cls != "static":
        return []
    classes = [cls] if LIMIT_FIELDS.get(cls) else []
    if authorization and path.startswith("/api/"):
        if "authenticated" not in classes:
            classes.append("authenticated")
        if authorization[:6].lower() == "basic " and "critical" not in classes:
            classes.append("critical")
    return classes
