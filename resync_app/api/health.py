"""Public liveness probe (no authentication, nothing sensitive)."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
