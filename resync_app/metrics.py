"""Prometheus metrics (`GET /metrics`), one set across all workers (prometheus-client's multi-process mode when
PROMETHEUS_MULTIPROC_DIR is set, as `scripts/serve.sh` does; a plain in-process registry otherwise).

Labels are bounded and carry no secrets or users: route *classes* (never raw paths), model names, providers,
outcomes, error classes, severities, TWS instance names. Hooks other parts call:

- `observe_http(route_class, method, status, seconds)` and `count_rate_limited(route_class)` (the HTTP edge);
- `websocket_opened()` / `websocket_closed()` (the event socket);
- `observe_llm_row(row)` (every ledger row the gateway records);
- `observe_tws_poll(instance, seconds, ok)` (the TWS poller, once per poll of an instance);
- `count_event(severity)` (each TWS event the poller stores; severity info | warning | critical).
Budget figures are read from the shared budget store at scrape time.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger("resync.metrics")
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

HTTP_REQUESTS = Counter("resync_http_requests", "HTTP requests served", ["route_class", "method", "status"])
HTTP_LATENCY = Histogram("resync_http_request_duration_seconds", "HTTP request latency", ["route_class"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
RATE_LIMITED = Counter("resync_rate_limited", "Requests refused by the rate limiter (429)", ["route_class"])
WS_CLIENTS = Gauge("resync_websocket_clients", "Open event-socket connections", multiprocess_mode="livesum")
WS_CONNECTIONS = Counter("resync_websocket_connections", "Event-socket connections accepted")
LLM_CALLS = Counter("resync_llm_calls", "LLM call attempts", ["model", "provider", "outcome"])
LLM_TOKENS = Counter("resync_llm_tokens", "LLM tokens", ["model", "kind"])
LLM_COST = Counter("resync_llm_cost_usd", "LLM cost in USD (priced calls)", ["model"])
LLM_ERRORS = Counter("resync_llm_errors", "LLM call errors", ["model", "error_class"])
LLM_CACHE_HITS = Counter("resync_llm_cache_hits", "LLM responses served from the cache", ["model"])
LLM_LATENCY = Histogram("resync_llm_latency_seconds", "LLM call latency", ["model"],
                        buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))
TWS_POLL_LATENCY = Histogram("resync_tws_poll_duration_seconds", "TWS poll latency", ["instance"],
                             buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
TWS_POLLS = Counter("resync_tws_polls", "TWS polls", ["instance", "outcome"])
TWS_EVENTS = Counter("resync_tws_events", "TWS events stored, per severity", ["severity"])
_SEVERITIES = ("info", "warning", "critical")


def _label(value: Any, limit: int = 100) -> str:
    return str(value or "")[:limit]


def observe_http(route_class: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route_class, method if method in ("GET", "POST", "PUT", "DELETE", "PATCH") else "OTHER",
                         str(status)).inc()
    HTTP_LATENCY.labels(route_class).observe(seconds)


def count_rate_limited(route_class: str) -> None:
    RATE_LIMITED.labels(route_class).inc()


def websocket_opened() -> None:
    WS_CLIENTS.inc()
    WS_CONNECTIONS.inc()


def websocket_closed() -> None:
    WS_CLIENTS.dec()


def observe_llm_row(row: dict[str, Any]) -> None:
    """One ledger row (an attempt) as the gateway records it."""
    model = _label(row.get("model"))
    LLM_CALLS.labels(model, _label(row.get("provider"), 32), _label(row.get("outcome"), 16)).inc()
    LLM_TOKENS.labels(model, "prompt").inc(int(row.get("prompt_tokens") or 0))
    LLM_TOKENS.labels(model, "completion").inc(int(row.get("completion_tokens") or 0))
    if row.get("cost_usd"):
        LLM_COST.labels(model).inc(float(row["cost_usd"]))
    if row.get("outcome") != "success":
        LLM_ERRORS.labels(model, _label(row.get("error_class"), 64) or "unknown").inc()
    if row.get("cache_hit"):
        LLM_CACHE_HITS.labels(model).inc()
    if row.get("latency_ms"):
        LLM_LATENCY.labels(model).observe(float(row["latency_ms"]) / 1000)


def observe_tws_poll(instance: str, seconds: float, ok: bool) -> None:
    """The TWS poller calls this after each poll of an instance."""
    TWS_POLL_LATENCY.labels(_label(instance, 64)).observe(seconds)
    TWS_POLLS.labels(_label(instance, 64), "ok" if ok else "error").inc()


def count_event(severity: str) -> None:
    """The TWS poller calls this for each event it stores."""
    TWS_EVENTS.labels(severity if severity in _SEVERITIES else "other").inc()


class _BudgetCollector:
    """Budget used per period, read from the shared budget store at scrape time."""

    def collect(self):
        spent = GaugeMetricFamily("resync_llm_budget_spent_usd", "LLM spend in the current period", labels=["period"])
        limit = GaugeMetricFamily("resync_llm_budget_limit_usd", "LLM budget of the period", labels=["period"])
        used = GaugeMetricFamily("resync_llm_budget_used_ratio", "Spent / limit", labels=["period"])
        try:
            from resync_app.llm.budget import guard

            for kind, figures in guard.status().items():
                spent.add_metric([kind], figures["spent_usd"])
                limit.add_metric([kind], figures["limit_usd"])
                used.add_metric([kind], figures["used_percent"] / 100)
        except Exception as exc:  # a scrape must not fail because the database is briefly away
            logger.debug("budget figures unavailable for /metrics: %s", type(exc).__name__)
        yield from (spent, limit, used)


def render() -> tuple[bytes, str]:
    """The exposition text of every worker's metrics (+ budget figures)."""
    budget = CollectorRegistry()
    budget.register(_BudgetCollector())
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        _forget_dead_workers()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return generate_latest(registry) + generate_latest(budget), CONTENT_TYPE_LATEST


def _forget_dead_workers() -> None:
    """Live gauges (open websockets) of a worker that died must not count: drop their files."""
    import glob
    import re

    import psutil
    from prometheus_client import multiprocess

    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "gauge_live*_*.db")):
        match = re.search(r"_(\d+)\.db$", path)
        if match and not psutil.pid_exists(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)))


def mark_process_dead(pid: int) -> None:
    """Let live gauges forget a worker that exited (granian respawns workers)."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
