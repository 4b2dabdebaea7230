"""Operations routes: Prometheus metrics (`GET /metrics`) and this worker's view of the cluster."""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from resync_app.api.deps import require_admin
from resync_app.settings import get_settings

logger = logging.getLogger("resync.api.metrics")
router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(request: Request) -> Response:
    """Prometheus exposition of every worker's metrics (see `metrics_access` for who may read it)."""
    from resync_app import metrics

    refusal = metrics_access(request.headers.get("authorization", ""))
    if refusal is not None:
        raise refusal
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


def metrics_access(authorization: str) -> HTTPException | None:
    """None when `GET /metrics` may be served, else the refusal. With RESYNC_METRICS_TOKEN set the scraper sends
    `Authorization: Bearer <that token>` (401 otherwise). Without a token it is open, unless
    RESYNC_OPERATOR_LOGIN=required: then it is refused (403) until a token is configured — sign-in required means
    nothing is readable anonymously. Rate-limited per client like the public routes (`web/routes.py`)."""
    token = os.environ.get("RESYNC_METRICS_TOKEN")
    if token:
        if not hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
            return HTTPException(401, detail="Send 'Authorization: Bearer <RESYNC_METRICS_TOKEN>'.",
                                 headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return None
    if get_settings().operator_login_required:
        return HTTPException(403, detail=METRICS_CLOSED)
    return None


METRICS_CLOSED = ("GET /metrics is closed: RESYNC_OPERATOR_LOGIN=required and RESYNC_METRICS_TOKEN is not set. Set "
                  "RESYNC_METRICS_TOKEN and give the scraper 'Authorization: Bearer <token>'.")


def log_metrics_protection() -> None:
    """One line at start saying how `GET /metrics` is protected (or that it is not)."""
    if os.environ.get("RESYNC_METRICS_TOKEN"):
        logger.info("GET /metrics needs the RESYNC_METRICS_TOKEN bearer token")
    elif get_settings().operator_login_required:
        logger.warning("GET /metrics is refused (403): RESYNC_OPERATOR_LOGIN=required and RESYNC_METRICS_TOKEN is "
                       "not set; set RESYNC_METRICS_TOKEN for the Prometheus scraper")
    else:
        logger.warning("GET /metrics is open to anyone who can reach this port (no RESYNC_METRICS_TOKEN): set one, "
                       "or allow only the scraper at the proxy (docs/hardening.md)")


@router.get("/api/v1/admin/cluster", dependencies=[Depends(require_admin)])
def cluster_view() -> dict[str, Any]:
    """The worker that answered: its change-feed sender id and connection, the versions it has seen."""
    from resync_app.config.store import get_store
    from resync_app.events import feed

    return {"worker": feed.status(), "config_version": get_store().version,
            "workers_configured": int(os.environ.get("RESYNC_WORKERS", "1") or 1),
            "redis": bool(get_settings().redis_url)}
