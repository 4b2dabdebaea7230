"""Reflex configuration. Deployment settings come from the environment (see README)."""

import os

import reflex as rx

config = rx.Config(
    app_name="resync_app",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    telemetry_enabled=False,
    redis_url=os.environ.get("RESYNC_REDIS_URL") or None,
    show_built_with_reflex=False,
)
