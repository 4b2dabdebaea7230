"""Reflex configuration. Deployment settings come from the environment (see README)."""

import os

import reflex as rx

from resync_app.settings import allowed_origins_from

# The event socket (and Reflex's CORS) accept only the app's own origins: RESYNC_PUBLIC_URL, or the origins of
# RESYNC_HOST:RESYNC_PORT. A page on another origin, even another port of the same host, cannot open /_event
# with an admin's cookie.
_PUBLIC_URLS, _ORIGINS = allowed_origins_from(os.environ)

config = rx.Config(
    app_name="resync_app",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    telemetry_enabled=False,
    redis_url=os.environ.get("RESYNC_REDIS_URL") or None,
    show_built_with_reflex=False,
    cors_allowed_origins=list(_ORIGINS),
)
