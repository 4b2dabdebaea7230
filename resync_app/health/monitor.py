"""The periodic health run: one daemon thread per worker.

Every INTERVAL_S the thread runs the checks unless another worker stored a run in the last 80 % of the interval
(so N workers do not check N times as often and the 24 h history stays about 1 row per component per minute).
A change of the TWS or Teams configuration wakes the thread to re-check that component at once: the page never
shows the health of instances or a webhook that are gone.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from resync_app.db import utcnow
from resync_app.events import feed
from resync_app.health import service
from resync_app.logging_setup import redact

logger = logging.getLogger("resync.health")
INTERVAL_S = 60.0
FIRST_RUN_DELAY_S = 5.0


class HealthMonitor:
    def __init__(self, interval_s: float = INTERVAL_S, first_delay_s: float = FIRST_RUN_DELAY_S) -> None:
        self.interval_s = interval_s
        self.first_delay_s = first_delay_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def due(self) -> bool:
        """Whether no worker has stored a run recently."""
        last = service.last_run_at()
        return last is None or (utcnow() - last).total_seconds() >= self.interval_s * 0.8

    def run_once(self) -> bool:
        """One periodic round (if due); returns whether checks ran."""
        if not self.due():
            return False
        asyncio.run(service.run_checks(trigger="periodic"))
        return True

    def recheck(self, component: str) -> None:
        """Ask the thread to run `component`'s check now (its configuration changed)."""
        with self._pending_lock:
            self._pending.add(component)
        self._wake.set()

    def run_pending(self) -> list[str]:
        """Run the checks asked for by `recheck` (whatever the interval); returns their components."""
        with self._pending_lock:
            wanted, self._pending = sorted(self._pending), set()
            self._wake.clear()
        if wanted:
            asyncio.run(service.run_checks(trigger="config", only=wanted))
        return wanted

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="resync-health-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        if self._stop.wait(self.first_delay_s):
            return
        next_round = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_round:
                    self.run_once()
                    next_round = time.monotonic() + self.interval_s
                self.run_pending()
            except Exception as exc:  # e.g. the database is down: the next round tries again
                logger.error("health run failed: %s", redact(f"{type(exc).__name__}: {exc}")[:300])
            self._wake.wait(max(0.0, next_round - time.monotonic()))


_monitor: HealthMonitor | None = None
_lock = threading.Lock()
# configuration topic → the health component it changes
RECHECK_ON = {"tws.config": "tws", "teams": "teams"}


def _on_config_change(topic: str):
    def listener(_payload: object) -> None:
        monitor = _monitor
        if monitor is not None:
            monitor.recheck(RECHECK_ON[topic])
    return listener


_listeners = {topic: _on_config_change(topic) for topic in RECHECK_ON}


def start(interval_s: float = INTERVAL_S, first_delay_s: float = FIRST_RUN_DELAY_S) -> None:
    """Register the default checks and start this worker's monitor (idempotent)."""
    global _monitor
    from resync_app.health.checks import register_default_checks

    with _lock:
        register_default_checks()
        if _monitor is None:
            _monitor = HealthMonitor(interval_s, first_delay_s)
            _monitor.start()
            for topic, listener in _listeners.items():
                feed.subscribe(topic, listener)


def stop() -> None:
    global _monitor
    with _lock:
        for topic, listener in _listeners.items():
            feed.unsubscribe(topic, listener)
        if _monitor is not None:
            _monitor.stop()
            _monitor = None
