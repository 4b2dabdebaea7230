"""Reflex configuration. Deployment settings come from the environment (see README)."""

import os

import reflex as rx

from resync_app.settings import allowed_origins_from


def _respawn_failed_workers() -> None:
    """Reflex's production server (Granian) shuts the whole server down when one worker dies, unless told to
    respawn it; Reflex does not pass that option, so default it here (this module is read by the `reflex` command
    before it starts the server). A killed or crashed worker is replaced within Granian's respawn interval while
    the others keep serving. RESYNC_RESPAWN_WORKERS=0 turns this off."""
    if os.environ.get("RESYNC_RESPAWN_WORKERS", "1") in ("0", "false", "no"):
        return
    try:
        import granian.server as granian_server
    except ImportError:
        return
    base = granian_server.Server
    if getattr(base, "_resync_respawns", False):
        return

    class RespawningServer(base):  # type: ignore[misc, valid-type]
        _resync_respawns = True

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("respawn_failed_workers", True)
            super().__init__(*args, **kwargs)

    granian_server.Server = RespawningServer


_respawn_failed_workers()


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
