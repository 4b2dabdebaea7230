"""The LLM gateway: every LLM call of the app goes through here, one LiteLLM Router, and lands in the ledger.

Providers come from the built-in catalogue, the environment (keys, OLLAMA_API_BASE) and the admin's
settings (stored encrypted; these win). The router is rebuilt when a provider or a LiteLLM setting changes.
Each call is routed (`routing`), admitted by the budget (`budget`), sent through the router with our metadata
so the ledger callback can attribute every attempt, and settled against the budget.

`LLMGateway` is assembled from its parts: the router build (llm/router_build.py), the call and stream paths
(llm/calls.py), accounting (llm/accounting.py) and the admin views (llm/gateway_admin.py); the types it hands
around are in llm/gateway_types.py.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from resync_app.config.store import get_store, setting
from resync_app.events import feed
from resync_app.llm import pricing
from resync_app.llm.accounting import CallAccounting
from resync_app.llm.budget import guard as budget
from resync_app.llm.calls import CallPaths
from resync_app.llm.gateway_admin import GatewayAdmin
from resync_app.llm.gateway_types import TOPIC_PRICES, TOPIC_PROVIDERS, TOPIC_ROUTER, ProviderState
from resync_app.llm.ledger import ledger
from resync_app.llm.providers import ModelRef
from resync_app.llm.router_build import RouterBuilder

_ROUTER_FIELDS = {"LITELLM_NUM_RETRIES", "LITELLM_TIMEOUT", "llm_timeout", "llm_endpoint", "LLM_ROUTING_FALLBACK_MODEL",
                  "LLM_USE_CACHE", "LLM_CACHE_TTL_SECONDS", "LLM_COST_TRACKING_ENABLED"}
_BUDGET_FIELDS = {"LLM_BUDGET_DAILY_USD", "LLM_BUDGET_MONTHLY_USD", "LLM_BUDGET_ALERT_THRESHOLD"}


class LLMGateway(RouterBuilder, CallPaths, CallAccounting, GatewayAdmin):
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.router = None
        self.providers: dict[str, ProviderState] = {}
        self._refs: dict[str, ModelRef] = {}
        self.initialized = False
        self.started_at = time.time()
        self.router_built_at: float | None = None
        self.init_failures: dict[str, str] = {}
        self.init_success_count = 0
        self.cost_calc_failures = 0
        self.build_error: str | None = None
        self._local_health: tuple[float, bool] = (0.0, False)
        self._logger = None

    # ---- start-up and providers ------------------------------------------------------------------

    def start(self) -> None:
        """Load providers and prices, build the router, hook the ledger, follow configuration changes."""
        import litellm

        from resync_app.llm.callback import LedgerLogger

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.drop_params = True
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):  # through our handler: JSON, redacted
            lite_logger = logging.getLogger(name)
            lite_logger.handlers.clear()
            lite_logger.propagate = True
            lite_logger.setLevel(logging.WARNING)
        self._logger = LedgerLogger(self)
        # LiteLLM copies `litellm.callbacks` into its success/failure lists on the first call and never adds a
        # second logger of the same class: drop an earlier gateway's logger everywhere, or it keeps the events.
        lists = ("callbacks", "input_callback", "success_callback", "failure_callback", "_async_success_callback",
                 "_async_failure_callback")
        manager = getattr(litellm, "logging_callback_manager", None)
        with getattr(manager, "callback_lists_lock", None) or contextlib.nullcontext():
            for name in lists:
                current = getattr(litellm, name, None)
                if isinstance(current, list):
                    current[:] = [cb for cb in current if not isinstance(cb, LedgerLogger)]
            litellm.callbacks.append(self._logger)
        pricing.load_custom_prices()
        self.load_providers()
        self.build_router()
        budget.refresh()
        budget.load_fired()
        ledger.after_flush(budget.on_flushed)
        ledger.start()
        for topic, handler in self._topic_handlers().items():  # changes made on another worker
            feed.subscribe(topic, handler)
        store = get_store()
        store.on_change(self._on_config_change)
        store.set_option_source(self.option_source)
        self.initialized = True
        if setting("LITELLM_STRICT_INIT") and self.router is None:
            raise RuntimeError(f"LITELLM_STRICT_INIT is on and the LiteLLM router cannot be built: {self.build_error}")

    def stop(self) -> None:
        for topic, handler in self._topic_handlers().items():
            feed.unsubscribe(topic, handler)
        ledger.stop()

    def _topic_handlers(self) -> dict[str, Any]:
        if not hasattr(self, "_handlers"):
            self._handlers = {TOPIC_PROVIDERS: self._on_providers_changed, TOPIC_PRICES: self._on_prices_changed,
                              TOPIC_ROUTER: self._on_providers_changed}
        return self._handlers

    def _on_providers_changed(self, _payload: Any = None) -> None:
        """Another worker changed a provider or reset the router: reload from the database and rebuild."""
        self.load_providers()
        self.build_router()

    def _on_prices_changed(self, _payload: Any = None) -> None:
        pricing.load_custom_prices()
        self.build_router()
        budget.refresh()

    def _on_config_change(self, changed: dict[str, Any]) -> None:
        if _ROUTER_FIELDS & set(changed):
            if "llm_endpoint" in changed:
                self.load_providers()
            self.build_router()
        if _BUDGET_FIELDS & set(changed):
            budget.check_alerts()


_gateway: LLMGateway | None = None
_gateway_lock = threading.Lock()


def get_gateway() -> LLMGateway:
    """The process-wide gateway (started by `runtime.startup`)."""
    global _gateway
    if _gateway is None:
        with _gateway_lock:
            if _gateway is None:
                _gateway = LLMGateway()
    return _gateway


def reset_gateway() -> None:
    global _gateway
    with _gateway_lock:
        if _gateway is not None:
            _gateway.stop()
        _gateway = None
