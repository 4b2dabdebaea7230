"""Process start-up and shut-down of the service layer, shared by the Reflex app, the API and the tests."""

from __future__ import annotations

import logging
import threading

from resync_app.logging_setup import setup_logging
from resync_app.settings import get_settings

logger = logging.getLogger("resync.runtime")
_lock = threading.Lock()
_started = False


def startup() -> None:
    """Start the services once per process (idempotent)."""
    global _started
    with _lock:
        if _started:
            return
        settings = get_settings()
        setup_logging()
        logger.info("resync starting (database %s)", settings.database_url.split("://", 1)[0])
        _started = True


def shutdown() -> None:
    """Flush and stop what `startup` started."""
    global _started
    with _lock:
        if not _started:
            return
        _started = False
