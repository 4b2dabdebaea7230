"""Process start-up and shut-down of the service layer, shared by the Reflex app, the API and the tests."""

from __future__ import annotations

import logging
import threading
from typing import Any

from resync_app import db, logging_setup
from resync_app.config.store import get_store
from resync_app.events import feed
from resync_app.settings import get_settings

logger = logging.getLogger("resync.runtime")
_lock = threading.Lock()
_started = False


def _apply_logging(changed: dict[str, Any]) -> None:
    """Live effect of the logging fields (log_format is restart-only)."""
    if "log_level" in changed:
        logging_setup.set_level(changed["log_level"])
        logger.info("log level is now %s", changed["log_level"])
    if "log_sensitive_data_redaction" in changed:
        logging_setup.set_redaction(changed["log_sensitive_data_redaction"])


def startup() -> None:
    """Start the services once per process (idempotent)."""
    global _started
    with _lock:
        if _started:
            return
        settings = get_settings()
        if settings.redis_url:
            feed.connect_redis(settings.redis_url)
        store = get_store()
        store.seed_from_environment()
        config = store.running()
        logging_setup.setup_logging(config["log_format"], config["log_level"], config["log_sensitive_data_redaction"])
        store.on_change(_apply_logging)
        db.configure_pool(config["db_pool_min_size"], config["db_pool_max_size"])
        from resync_app.llm.gateway import get_gateway  # imports LiteLLM (~2 s): only once the app starts

        get_gateway().start()
        from resync_app.health import monitor as health_monitor
        from resync_app.teams import service as teams_service

        teams_service.install()  # TWS event sink + alert notifier, and this worker's card dispatcher
        health_monitor.start()  # the registered checks, run periodically
        from resync_app.tws import service as tws_service

        tws_service.startup()  # the default simulator instance, and this worker's poller election loop
        from resync_app.api.ops import log_metrics_protection

        log_metrics_protection()  # how GET /metrics is protected, or that it is not
        logger.info("resync started: configuration version %s, database %s", store.version,
                    settings.database_url.split("://", 1)[0])
        _started = True


def started() -> bool:
    """Whether this process's services are running (the readiness probe asks)."""
    return _started


def shutdown() -> None:
    """Flush and stop what `startup` started."""
    global _started
    with _lock:
        if not _started:
            return
        from resync_app.health import monitor as health_monitor
        from resync_app.llm.gateway import reset_gateway
        from resync_app.teams import service as teams_service

        health_monitor.stop()
        teams_service.uninstall()
        from resync_app.tws import service as tws_service

        tws_service.shutdown()  # stops polling and releases the poller lock
        reset_gateway()  # flushes the ledger
        _started = False
