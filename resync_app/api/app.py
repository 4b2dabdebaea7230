"""The REST API (FastAPI), mounted into the Reflex app with `rx.App(api_transformer=...)`."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from resync_app.api import (admin, auth, chat, health, health_admin, learning, litellm, metrics, ops, reports,
                            system_config, teams_config, tws, tws_config, ui, users)
from resync_app.web import errors
from resync_app.web.csp import SecurityHeadersMiddleware
from resync_app.web.middleware import EdgeMiddleware
from resync_app.api.input_guard import InputGuardMiddleware

logger = logging.getLogger("resync.api")


def _routers():
    """Every router of the API, in the order they are documented."""
    return [health.router, auth.router, admin.router, system_config.router, litellm.router, tws_config.router,
            tws.router, chat.router, learning.router, metrics.router, reports.router, teams_config.router,
            users.router, health_admin.router,
            ui.router, tws_config.ui_router, teams_config.ui_router, users.ui_router, ops.router]


def create_api(*, standalone: bool = False) -> FastAPI:
    """Build the API. `standalone=True` gives it its own lifespan (tests, `uvicorn`); under Reflex the
    Reflex lifespan starts the services instead."""

    lifespan = None
    if standalone:

        @asynccontextmanager
        async def lifespan(_app: FastAPI):
            from resync_app import runtime

            runtime.startup()
            try:
                yield
            finally:
                runtime.shutdown()

    api = FastAPI(
        title="Resync console API",
        version="1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    for router in _routers():
        api.include_router(router)
    api.add_middleware(InputGuardMiddleware)  # body size, JSON depth, NUL: a clear 4xx before any route parses

    errors.install(api)  # database / Redis unreachable → 503 with a detail
    api.add_middleware(EdgeMiddleware)  # rate limits and request metrics, around everything Reflex mounts in
    api.add_middleware(SecurityHeadersMiddleware)  # CSP on every response (pages too), 429s included

    @api.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:  # a 500 is a bug: log it, leak nothing
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal error; it has been logged."}, status_code=500)

    return api
