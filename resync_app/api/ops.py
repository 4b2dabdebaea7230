"""Operations routes: Prometheus metrics (`GET /metrics`) and this worker's view of the cluster."""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from resync_app.api.deps import require_admin

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(request: Request) -> Response:
    """Prometheus exposition of every worker's metrics. With RESYNC_METRICS_TOKEN set, the scraper must send
    `Authorization: Bearer <that token>`."""
    from resync_app import metrics

    token = os.environ.get("RESYNC_METRICS_TOKEN")
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, detail="Send 'Authorization: Bearer <RESYNC_METRICS_TOKEN>'.",
                                headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


@router.get("/api/v1/admin/cluster", dependencies=[Depends(require_admin)])
def cluster_view() -> dict[str, Any]:
    """The worker that answered: its change-feed sender id and connection, the versions it has seen."""
    from resync_app.config.store import get_store
    from resync_app.settings import get_settings

    from resync_app.events import feed

    return {"worker": feed.status(), "config_version": get_store().version,
            "workers_configured": int(os.environ.get("RESYNC_WORKERS", "1") or 1),
            "redis": bool(get_settings().redis_url)}
