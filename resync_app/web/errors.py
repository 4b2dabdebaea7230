"""A database or Redis that cannot be reached is an outage, not a bug: 503 with a detail and `Retry-After`,
never a 500. The app recovers by itself when the server is back (pooled connections are pre-pinged)."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger("resync.api")
RETRY_AFTER_S = 5
_last_logged: dict[str, float] = {}


def _outage(what: str, exc: Exception, request: Request) -> JSONResponse:
    now = time.monotonic()
    if now - _last_logged.get(what, -60) > 10:  # one line per outage burst, not one per request
        _last_logged[what] = now
        logger.warning("%s unavailable on %s %s: %s", what, request.method, request.url.path, type(exc).__name__)
    return JSONResponse({"detail": f"The {what} is unavailable right now; retry in a few seconds."},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def database_down(exc: Exception) -> bool:
    """Whether `exc` means the database server cannot be reached (not a bad query)."""
    from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout

    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and bool(getattr(exc, "connection_invalidated", False))


def install(api: FastAPI) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeout
    from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

    async def on_db_error(request: Request, exc: Exception) -> JSONResponse:
        if database_down(exc):
            return _outage("database", exc, request)
        logger.exception("database error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal error; it has been logged."}, status_code=500)

    async def on_redis_error(request: Request, exc: Exception) -> JSONResponse:
        return _outage("Redis server", exc, request)

    api.add_exception_handler(DBAPIError, on_db_error)
    api.add_exception_handler(PoolTimeout, on_db_error)
    api.add_exception_handler(RedisConnectionError, on_redis_error)
    api.add_exception_handler(RedisTimeout, on_redis_error)
