"""Probes for people and load balancers (no authentication, nothing sensitive).

- `GET /api/v1/health`: live — the process answers (CONTRACT §4: `{"status": "ok"}` and nothing else).
- `GET /api/v1/health/ready`: ready — the database and Redis (when configured) answer and the services of this
  worker are started; 503 with the failing checks otherwise. Point a load balancer's health check here.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: unreachable"
    return {"ok": ok, "latency_ms": round((time.perf_counter() - started) * 1000, 1), "detail": detail}


@router.get("/api/v1/health/ready")
def ready() -> JSONResponse:
    from sqlalchemy import text

    from resync_app import runtime
    from resync_app.db import get_engine
    from resync_app.events import feed
    from resync_app.settings import get_settings

    def database() -> str:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"

    checks = {"database": _timed(database),
              "services": {"ok": runtime.started(), "latency_ms": 0.0,
                           "detail": "started" if runtime.started() else "not started"}}
    url = get_settings().redis_url
    if url:
        import redis

        def ping() -> str:
            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            return "ok"

        checks["redis"] = _timed(ping)
        checks["change_feed"] = {"ok": feed.connected, "latency_ms": 0.0,
                                 "detail": "subscribed" if feed.connected else "reconnecting"}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse({"status": "ready" if ok else "unavailable", "checks": checks},
                        status_code=200 if ok else 503)
