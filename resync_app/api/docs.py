"""`/api/docs`: the REST API's Swagger UI, served by this server alone (no CDN, no inline script).

FastAPI's own docs page loads Swagger UI from a CDN and starts it with an inline script; the Content-Security-Policy
(`web/csp.py`) would have to allow both. Here the page is static HTML that names three files of this server: the
Swagger UI bundle and its style, shipped by the pinned PyPI package `swagger-ui-bundle-v2` (Swagger UI 5, which
reads FastAPI's OpenAPI 3.1) and served from `/api/docs/assets/` (those files only), and `/api/docs/start.js`,
which starts it on `/api/openapi.json`. The page then works under the same policy as every other page: scripts
from 'self' only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
OPENAPI_URL = "/api/openapi.json"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API docs</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/start.js"></script>
</body>
</html>
"""

# validatorUrl null: no badge image fetched from the validator's site
_START = """window.ui = SwaggerUIBundle({
  url: %(url)s,
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
  deepLinking: true,
  validatorUrl: null,
});
"""


def docs_router(title: str) -> APIRouter:
    """The routes of the docs page (not themselves documented)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/api/docs")
    def docs_page() -> HTMLResponse:
        return HTMLResponse(_PAGE.format(title=title))

    @router.get("/api/docs/start.js")
    def docs_start() -> Response:
        return Response(_START % {"url": repr(OPENAPI_URL)}, media_type="text/javascript")

    @router.get("/api/docs/assets/{name}")
    def docs_asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(status_code=404, detail="Not found")
        return FileResponse(Path(swagger_ui_path) / name, media_type=ASSETS[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    return router
