"""Admin routes that belong to no single service: the general audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from resync_app.api.deps import require_admin
from resync_app.audit.service import MAX_LIMIT, recent

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/audit")
def audit_log(limit: int = Query(100, ge=1, le=MAX_LIMIT)) -> list[dict]:
    """The general audit log, newest first: sign-ins, failures, lockouts and every admin change."""
    return recent(limit)
