"""The LLM gateway: every LLM call of the app goes through here, one LiteLLM Router, and lands in the ledger.

Providers come from the built-in catalogue, the environment (keys, OLLAMA_API_BASE) and the admin's
settings (stored encrypted; these win). The router is rebuilt when a provider or a LiteLLM setting changes.
Each call is routed (`routing`), admitted by the budget (`budget`), sent through the router with our metadata
so the ledger callback can attribute every attempt, and settled against the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select

from resync_app import metrics
from resync_app.audit.service import record as audit
from resync_app.config.store import get_store, setting
from resync_app.db import get_engine, serialize, session_scope, utcnow
from resync_app.events import feed
from resync_app.llm import pricing, routing
from resync_app.llm.budget import BudgetExceeded, guard as budget
from resync_app.llm.ledger import ledger, make_row, recompute_unpriced
from resync_app.llm.models import ProviderSettings, UsageDaily
from resync_app.llm.providers import PROVIDERS, ModelRef, parse_model_entry
from resync_app.logging_setup import redact, register_secret
from resync_app.secrets_box import decrypt, encrypt, hint

logger = logging.getLogger("resync.llm")
DEFAULT_MAX_TOKENS = 1024
LOCAL_HEALTH_TTL_S = 30.0
_ROUTER_FIELDS = {"LITELLM_NUM_RETRIES", "LITELLM_TIMEOUT", "llm_timeout", "llm_endpoint", "LLM_ROUTING_FALLBACK_MODEL",
                  "LLM_USE_CACHE", "LLM_CACHE_TTL_SECONDS", "LLM_COST_TRACKING_ENABLED"}
_BUDGET_FIELDS = {"LLM_BUDGET_DAILY_USD", "LLM_BUDGET_MONTHLY_USD", "LLM_BUDGET_ALERT_THRESHOLD"}
# Change-feed topics: every worker reloads from the database when another one changed these.
TOPIC_PROVIDERS, TOPIC_PRICES, TOPIC_ROUTER = "llm.providers", "llm.prices", "llm.router"


class GatewayError(Exception):
    """A call that failed; `message` is the provider's (or our) explanation, safe to show."""

    def __init__(self, message: str, error_class: str = "", model: str = "") -> None:
        super().__init__(message)
        self.error_class, self.model = error_class, model


class ModelNotRoutable(GatewayError):
    """The model is unknown or its provider is disabled/unconfigured."""


@dataclass
class ProviderState:
    """A provider as the gateway runs it (the key stays here, on the server)."""

    spec: Any
    enabled: bool
    api_key: str | None
    key_source: str  # admin | env | none
    api_base: str
    models: list[ModelRef]
    default_base: str = ""  # the base an empty `api_base` means
    key_withheld: str = ""  # why a stored key is not used (it belongs to another base)
    entries: list[str] = field(default_factory=list)  # as stored: "model-id" or "alias=model-id"
    updated_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None

    @property
    def configured(self) -> bool:
        return (is_http_url(self.api_base) and bool(self.models)
                and (bool(self.api_key) or not self.spec.needs_key))

    @property
    def active(self) -> bool:
        return self.enabled and self.configured


@dataclass
class CallResult:
    text: str
    model: str
    provider: str
    route_reason: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    latency_ms: float
    cache_hit: bool
    request_id: str
    explanation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{id, name, arguments (JSON text)}]


@dataclass
class PreparedCall:
    """A routed and admitted call, ready to send (`LLMGateway.prepare`)."""

    target: str
    ref: ModelRef
    reason: str
    request_id: str
    purpose: str
    explanation: str
    kwargs: dict[str, Any]
    overall: float
    started: float


def tool_calls_of(message: Any) -> list[dict[str, Any]]:
    """The tool calls of a LiteLLM message as plain dicts."""
    out = []
    for call in getattr(message, "tool_calls", None) or []:
        function = getattr(call, "function", None)
        out.append({"id": getattr(call, "id", None) or f"call_{len(out)}",
                    "name": getattr(function, "name", "") or "",
                    "arguments": getattr(function, "arguments", "") or "{}"})
    return out



def is_http_url(value: str | None) -> bool:
    """An http(s) URL with a host: the only kind of base the gateway ever sends a request to."""
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def same_base(a: str | None, b: str | None) -> bool:
    return (a or "").strip().rstrip("/").lower() == (b or "").strip().rstrip("/").lower()


def _env_default_base(pid: str, spec) -> str:
    """The base a provider has without admin settings, as the catalogue and the environment give it (the one
    an environment key belongs to)."""
    if pid == "ollama":
        return os.environ.get("OLLAMA_API_BASE") or spec.default_api_base
    if pid == "nvidia_nim":
        return os.environ.get("LLM_ENDPOINT") or spec.default_api_base
    return spec.default_api_base


class LLMGateway:
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

    def load_providers(self) -> None:
        """Combine the catalogue, the environment and the admin's stored settings.

        A key is only ever sent to the base it was given for: an admin key to the base stored with it (or the
        catalogue's default when none is stored), an environment key to the default the environment gives. When
        the base has moved since (an `llm_endpoint` change, say), the key is withheld until it is entered again.
        """
        with session_scope() as db:
            stored = {row.id: row for row in db.exec(select(ProviderSettings)).scalars().all()}
        providers: dict[str, ProviderState] = {}
        for pid, spec in PROVIDERS.items():
            row = stored.get(pid)
            admin_key = decrypt(row.api_key_encrypted) if row and row.api_key_encrypted else None
            env_key = os.environ.get(spec.key_env) if spec.key_env else None
            register_secret(env_key)
            env_base = _env_default_base(pid, spec)
            default_base = setting("llm_endpoint") or env_base if pid == "nvidia_nim" else env_base
            base = row.api_base if row and row.api_base else default_base
            key, source, withheld = None, "none", ""
            if admin_key:
                key_base = row.api_base if row.api_base else env_base
                key, source = (admin_key, "admin") if same_base(key_base, base) else (None, "none")
                withheld = "" if key else f"the key set here belongs to {key_base}"
            elif env_key:
                key, source = (env_key, "env") if same_base(env_base, base) else (None, "none")
                withheld = "" if key else f"{spec.key_env} belongs to {env_base}"
            entries = json.loads(row.models_json) if row and row.models_json else list(spec.default_models)
            models, valid = [], []
            for entry in entries:
                try:
                    models.append(parse_model_entry(pid, entry))
                    valid.append(entry)
                except ValueError:
                    logger.warning("ignoring invalid stored model entry %r of %s", entry, pid)
            enabled_default = _enabled_by_default(pid)
            providers[pid] = ProviderState(
                spec=spec, enabled=row.enabled if row and row.enabled is not None else enabled_default,
                api_key=key, key_source=source, api_base=base, models=models, entries=valid,
                default_base=default_base, key_withheld=withheld,
                updated_at=row.updated_at if row else None,
                last_success_at=row.last_success_at if row else None, last_error_at=row.last_error_at if row else None,
                last_error=row.last_error if row else None,
            )
        with self._lock:
            self.providers = providers
            self._refs = {ref.public: ref for p in providers.values() for ref in p.models}

    def model_ref(self, public: str) -> ModelRef | None:
        return self._refs.get(public)

    def _deployments(self) -> list[dict[str, Any]]:
        deployments = []
        timeout = float(setting("llm_timeout"))
        for provider in self.providers.values():
            if not provider.active:
                continue
            for ref in provider.models:
                params: dict[str, Any] = {"model": ref.litellm_model, "api_base": provider.api_base,
                                          "timeout": timeout}
                if provider.api_key:
                    params["api_key"] = provider.api_key
                price = pricing.custom_prices().get(ref.public)
                if price is not None:
                    params["input_cost_per_token"] = price.input_per_token
                    params["output_cost_per_token"] = price.output_per_token
                deployments.append({"model_name": ref.public, "litellm_params": params,
                                    "model_info": {"id": f"{ref.provider}:{ref.public}"}})
        return deployments

    def _cache(self):
        """LiteLLM's response cache: Redis when RESYNC_REDIS_URL is set, else in memory."""
        import litellm

        from resync_app.settings import get_settings

        if not setting("LLM_USE_CACHE"):
            litellm.cache = None
            return False
        ttl = int(setting("LLM_CACHE_TTL_SECONDS"))
        url = get_settings().redis_url
        if url:  # the whole URL: its database number, user, password and rediss:// scheme count
            litellm.cache = litellm.Cache(type="redis", url=url, ttl=ttl)
        else:
            litellm.cache = litellm.Cache(type="local", ttl=ttl)
        return True

    def build_router(self) -> None:
        """(Re)build the router from the active providers and the LiteLLM settings."""
        from litellm import Router

        failures = {}
        for pid, provider in self.providers.items():
            if provider.enabled and not provider.configured:
                if not is_http_url(provider.api_base):
                    failures[pid] = f"the API base {provider.api_base!r} is not an http(s) URL"
                elif provider.spec.needs_key and not provider.api_key and provider.key_withheld:
                    failures[pid] = (f"the API base is now {provider.api_base} but {provider.key_withheld}: enter the "
                                     "key again for the new base (a stored key never follows a new address)")
                elif provider.spec.needs_key and not provider.api_key:
                    failures[pid] = (f"enabled but no API key: set {provider.spec.key_env} or add a key in "
                                     "LiteLLM Configuration")
                elif not provider.models:
                    failures[pid] = "enabled but no models listed"
                else:
                    failures[pid] = "enabled but no API base URL"
        deployments = self._deployments()
        pricing.register_with_litellm(list(self._refs.values()))
        fallback = setting("LLM_ROUTING_FALLBACK_MODEL")
        groups = sorted({d["model_name"] for d in deployments})
        # a fallback the budget could not count (paid, unpriced) is left out: the router would bypass the budget
        fallbacks = [{g: [fallback]} for g in groups if g != fallback and fallback in groups
                     and self.budgetable(fallback)]
        router = None
        error = None
        if deployments:
            try:
                cache = self._cache()
                router = Router(
                    model_list=deployments,
                    num_retries=int(setting("LITELLM_NUM_RETRIES")),
                    timeout=float(setting("LITELLM_TIMEOUT")),
                    fallbacks=fallbacks,
                    enable_pre_call_checks=bool(setting("LITELLM_PRE_CALL_CHECKS")),
                    cache_responses=cache,
                    retry_after=0,
                )
            except Exception as exc:  # a broken deployment must not take the app down (unless strict)
                error = redact(f"{type(exc).__name__}: {exc}")
                logger.error("LiteLLM router could not be built: %s", error)
        else:
            error = "no enabled and configured provider"
        with self._lock:
            self.router = router
            self.build_error = error
            self.init_failures = failures
            self.init_success_count = sum(1 for p in self.providers.values() if p.active)
            self.router_built_at = time.time() if router is not None else None
        logger.info("LiteLLM router %s: %d deployments, %d providers active", "built" if router else "unavailable",
                    len(deployments), self.init_success_count)

    # ---- model facts -----------------------------------------------------------------------------

    def routable(self, public: str) -> bool:
        ref = self._refs.get(public)
        return ref is not None and self.providers[ref.provider].active and self.router is not None

    def is_paid(self, public: str) -> bool:
        ref = self._refs.get(public)
        return not (ref and PROVIDERS[ref.provider].is_local)

    def cost_for(self, public: str, prompt: int, completion: int, litellm_cost: float | None,
                 count_failure: bool = True) -> tuple[float | None, bool]:
        """(cost, unpriced) of a successful attempt; LiteLLM's own figure where its price map prices the model.
        `count_failure=False` when the same attempt is priced a second time (the ledger hook counts it)."""
        if not setting("LLM_COST_TRACKING_ENABLED"):
            return None, False
        ref = self._refs.get(public)
        price = pricing.price_of(ref) if ref else None
        if price is None:
            if count_failure:
                self.cost_calc_failures += 1
            return None, True
        if price.source == "litellm" and isinstance(litellm_cost, (int, float)) and litellm_cost > 0:
            return float(litellm_cost), False
        return price.cost(prompt, completion), False

    def estimate(self, public: str, messages: list[dict], max_tokens: int) -> float:
        """Upper estimate of a call's cost (prompt tokens + max_tokens of output) for the budget."""
        import litellm

        ref = self._refs.get(public)
        price = pricing.price_of(ref) if ref else None
        if price is None or (price.input_per_token == 0 and price.output_per_token == 0):
            return 0.0
        try:
            prompt_tokens = litellm.token_counter(model=ref.litellm_model, messages=messages)
        except Exception:
            prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 3 + 8
        return price.cost(prompt_tokens, max_tokens)

    def budgetable(self, public: str) -> bool:
        """Whether the budget can count a call to `public`: local, priced, or cost tracking is off (then the
        budgets cannot count anything new and say so)."""
        ref = self._refs.get(public)
        if ref is None or PROVIDERS[ref.provider].is_local or not setting("LLM_COST_TRACKING_ENABLED"):
            return True
        return pricing.price_of(ref) is not None

    def require_price(self, public: str) -> None:
        """Refuse a paid model nobody knows the price of: its cost could not be counted against the budget."""
        if not self.budgetable(public):
            raise BudgetExceeded(
                f"Set a price for {public} first (LiteLLM Configuration → Model browser, or PUT "
                f"/api/v1/litellm/prices/{public}): its cost is unknown, so the LLM budget cannot admit it. "
                "Local models remain available.")

    def admission_estimate(self, public: str, messages: list[dict], max_tokens: int, allow_fallback: bool) -> float:
        """What the budget reserves for a call: the dearer of the model and the fallback the router may use."""
        estimate = self.estimate(public, messages, max_tokens)
        fallback = setting("LLM_ROUTING_FALLBACK_MODEL")
        if allow_fallback and fallback != public and self.routable(fallback) and self.is_paid(fallback):
            estimate = max(estimate, self.estimate(fallback, messages, max_tokens))
        return estimate

    def local_models_up(self) -> list[str]:
        """Local models whose server answered recently (no network call here; see `refresh_local_health`)."""
        ollama = self.providers.get("ollama")
        if not ollama or not ollama.active or not self._local_health[1]:
            return []
        return [ref.public for ref in ollama.models]

    async def refresh_local_health(self, force: bool = False) -> bool:
        """Ask the Ollama server for its models (cached for 30 s)."""
        checked_at, up = self._local_health
        ollama = self.providers.get("ollama")
        if not ollama or not ollama.active:
            self._local_health = (time.time(), False)
            return False
        if not force and time.time() - checked_at < LOCAL_HEALTH_TTL_S:
            return up
        if not is_http_url(ollama.api_base):  # never fetch anything but http(s)
            self._local_health = (time.time(), False)
            return False
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(ollama.api_base.rstrip("/") + "/api/tags")
            up = response.status_code == 200
        except httpx.HTTPError:
            up = False
        self._local_health = (time.time(), up)
        return up

    def _fits(self, public: str, messages: list[dict]) -> bool:
        ref = self._refs.get(public)
        if ref is None:
            return False
        window = pricing.shipped_info(ref).get("max_input_tokens") or 8192
        return sum(len(str(m.get("content", ""))) for m in messages) // 4 < window

    def decide(self, messages: list[dict], requested: str | None = None, tools=None) -> routing.RouteDecision:
        exhausted = budget.exhausted()
        return routing.choose(
            messages, setting, self.routable, self.local_models_up, lambda m: self._fits(m, messages),
            self.is_paid, exhausted, requested=requested, tools=tools)

    # ---- calls -----------------------------------------------------------------------------------

    def record(self, row: dict[str, Any]) -> None:
        """Hand a ledger row to the buffer (error text redacted first)."""
        if row.get("_error_message"):
            row["_error_message"] = redact(row["_error_message"])
        ledger.record(row)
        metrics.observe_llm_row(row)

    async def complete(self, messages: list[dict[str, Any]], purpose: str = "chat", model: str | None = None,
                       max_tokens: int | None = None, timeout: float | None = None, use_cache: bool = True,
                       tools=None, allow_fallback: bool = True) -> CallResult:
        """Route, admit, call and account one LLM request. With `tools`, the model's tool calls are in
        `CallResult.tool_calls` (`[{id, name, arguments}]`, arguments as the JSON text the model sent)."""
        call = await self.prepare(messages, purpose=purpose, model=model, max_tokens=max_tokens, timeout=timeout,
                                  use_cache=use_cache, tools=tools, allow_fallback=allow_fallback)
        try:
            response = await asyncio.wait_for(self.router.acompletion(**call.kwargs), timeout=call.overall)
        except BaseException as exc:
            raise self.failed(call, exc) from None
        hidden = getattr(response, "_hidden_params", {}) or {}
        answered = (hidden.get("additional_headers") or {}).get("x-litellm-model-group") or call.target
        usage = getattr(response, "usage", None)
        message = response.choices[0].message if response.choices else None
        return self.settle(call, answered, usage, hidden.get("response_cost"), bool(hidden.get("cache_hit")),
                           text=(message.content or "") if message is not None else "",
                           tool_calls=tool_calls_of(message))

    def stream(self, messages: list[dict[str, Any]], purpose: str = "chat", **kwargs: Any):
        """`complete`, streamed: an async generator of text pieces (str) as they arrive, then the `CallResult`
        (see `llm.stream`); `aclose()` it to stop early."""
        from resync_app.llm.stream import stream_call

        return stream_call(self, messages, purpose=purpose, **kwargs)

    async def prepare(self, messages: list[dict[str, Any]], *, purpose: str, model: str | None = None,
                      max_tokens: int | None = None, timeout: float | None = None, use_cache: bool = True,
                      tools=None, allow_fallback: bool = True, stream: bool = False,
                      tools_optional: bool = False) -> "PreparedCall":
        """Route and admit a call (budget, price); the LiteLLM arguments it will be sent with. `tools_optional`:
        the tools are offered but the question alone is classified (a simple question keeps the simple model)."""
        if not self.initialized:
            raise GatewayError("The LLM gateway is not started.")
        await self.refresh_local_health()
        decision = self.decide(messages, requested=model, tools=None if tools_optional else tools)
        target = decision.model
        if not self.routable(target):
            raise ModelNotRoutable(self.why_not_routable(target), "ModelNotRoutable", target)
        request_id = uuid.uuid4().hex
        max_tokens = int(max_tokens or DEFAULT_MAX_TOKENS)
        reason = decision.reason
        if self.is_paid(target):
            try:
                self.require_price(target)
                budget.admit(request_id, self.admission_estimate(target, messages, max_tokens, allow_fallback))
            except BudgetExceeded as exc:
                local = [m for m in self.local_models_up() if self.routable(m)]
                if not local or decision.reason == "requested":
                    self.record(make_row(model=target, provider=self._refs[target].provider, outcome="error",
                                         error_class="BudgetExceeded", purpose=purpose, route_reason="budget",
                                         request_id=request_id, error_message=str(exc)))
                    raise
                target, reason = local[0], "budget"
        ref = self._refs[target]
        kwargs: dict[str, Any] = {
            "model": target, "messages": messages, "max_tokens": max_tokens, "litellm_trace_id": request_id,
            "metadata": {"resync_request_id": request_id, "resync_purpose": purpose, "resync_route_reason": reason,
                         "resync_model": target},
        }
        if tools:
            kwargs["tools"] = tools
        if stream:
            kwargs.update(stream=True, stream_options={"include_usage": True})
        if timeout:
            kwargs["timeout"] = float(timeout)
        if not allow_fallback:
            kwargs.update(disable_fallbacks=True, num_retries=0)
        if not use_cache:
            kwargs["cache"] = {"no-cache": True}
        return PreparedCall(target=target, ref=ref, reason=reason, request_id=request_id, purpose=purpose,
                            explanation=decision.explanation, kwargs=kwargs,
                            overall=float(setting("LITELLM_TIMEOUT")), started=time.perf_counter())

    def failed(self, call: "PreparedCall", exc: BaseException) -> BaseException:
        """A call that raised: its budget hold released and (unless LiteLLM reported it) a ledger row; the
        exception to raise (cancellation stays a cancellation)."""
        budget.release(call.request_id)
        if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
            return exc
        message = self._error_text(exc, call.overall)
        if ledger.rows_seen(call.request_id) == 0:
            self.record(make_row(model=call.target, provider=call.ref.provider, deployment=call.ref.litellm_model,
                                 outcome="error", error_class=type(exc).__name__, purpose=call.purpose,
                                 route_reason=call.reason, request_id=call.request_id, error_message=message,
                                 latency_ms=(time.perf_counter() - call.started) * 1000))
        return GatewayError(message, type(exc).__name__, call.target)

    def settle(self, call: "PreparedCall", answered: str, usage: Any, litellm_cost: float | None, cache_hit: bool,
               *, text: str, tool_calls: list[dict[str, Any]] | None = None) -> CallResult:
        """Account a finished call against the budget and describe it."""
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = 0.0 if cache_hit else self.cost_for(answered, prompt, completion, litellm_cost, count_failure=False)[0]
        budget.settle(call.request_id, cost)
        reason = "fallback" if answered != call.target else call.reason
        answered_ref = self._refs.get(answered, call.ref)
        return CallResult(text=text, model=answered, provider=answered_ref.provider, route_reason=reason,
                          prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost,
                          latency_ms=round((time.perf_counter() - call.started) * 1000, 1), cache_hit=cache_hit,
                          request_id=call.request_id, explanation=call.explanation, tool_calls=tool_calls or [])

    @staticmethod
    def _error_text(exc: BaseException, overall: float) -> str:
        if isinstance(exc, asyncio.TimeoutError):
            return f"The call did not finish within LITELLM_TIMEOUT ({overall:g} s)."
        return redact(str(exc) or type(exc).__name__)[:800]

    def why_not_routable(self, public: str) -> str:
        ref = self._refs.get(public)
        if ref is None:
            return f"Model {public!r} is not served by any provider."
        provider = self.providers[ref.provider]
        if not provider.enabled:
            return f"Model {public!r} belongs to {provider.spec.name}, which is disabled."
        if not provider.configured:
            return f"Model {public!r} belongs to {provider.spec.name}, which is not configured (no API key)."
        return f"The router is not available: {self.build_error}."

    async def test(self, model: str, prompt: str, timeout: float) -> dict[str, Any]:
        """`POST /test`: one real call to `model` (no cache, no retries or fallbacks)."""
        if not self.routable(model):
            raise ModelNotRoutable(self.why_not_routable(model), "ModelNotRoutable", model)
        started = time.perf_counter()
        try:
            result = await self.complete([{"role": "user", "content": prompt}], purpose="test", model=model,
                                         timeout=timeout, use_cache=False, allow_fallback=False, max_tokens=256)
        except ModelNotRoutable:
            raise
        except (GatewayError, BudgetExceeded) as exc:
            return {"success": False, "model": model, "response": None,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1), "error": str(exc),
                    "tokens_used": 0, "cost_usd": 0.0}
        return {"success": True, "model": result.model, "response": result.text, "latency_ms": result.latency_ms,
                "error": None, "tokens_used": result.prompt_tokens + result.completion_tokens,
                "cost_usd": result.cost_usd, "cost_known": result.cost_usd is not None,
                "route_reason": result.route_reason}

    def dry_run(self, question: str) -> dict[str, Any]:
        """Which model would answer `question` and why, and roughly what it would cost — no provider call."""
        messages = [{"role": "user", "content": question}]
        decision = self.decide(messages)
        ref = self._refs.get(decision.model)
        price = pricing.price_of(ref) if ref else None
        estimate = self.estimate(decision.model, messages, DEFAULT_MAX_TOKENS) if price else None
        return {"model": decision.model, "reason": decision.reason, "classification": decision.classification.kind,
                "why": decision.explanation, "routable": self.routable(decision.model),
                "provider": ref.provider if ref else None, "estimated_max_cost_usd": estimate,
                "priced": price is not None}

    # ---- admin views -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "initialized": self.initialized,
            "router_available": self.router is not None,
            "init_success_count": self.init_success_count,
            "init_failures": dict(self.init_failures),
            "cost_calc_failures": self.cost_calc_failures,
            "uptime_seconds": round(time.time() - self.started_at, 1),
            "router_uptime_seconds": round(time.time() - self.router_built_at, 1) if self.router_built_at else None,
            "build_error": self.build_error,
            "deployments": len(self._deployments()),
            "cache": {"enabled": bool(setting("LLM_USE_CACHE")), "ttl_seconds": int(setting("LLM_CACHE_TTL_SECONDS"))},
            "ledger": ledger.stats(),
        }

    def models(self, provider: str | None = None, local_only: bool = False) -> list[dict[str, Any]]:
        """Every model the router can route to, with LiteLLM's model info and our prices."""
        out = []
        for pid, state in self.providers.items():
            if not state.active or (provider and pid != provider) or (local_only and not state.spec.is_local):
                continue
            for ref in state.models:
                info = pricing.shipped_info(ref)
                price = pricing.price_of(ref)
                out.append({
                    "name": ref.public, "provider": pid, "model_type": info.get("mode") or "chat",
                    "max_tokens": info.get("max_input_tokens") or info.get("max_tokens"),
                    "max_output_tokens": info.get("max_output_tokens"),
                    "input_cost_per_1k": round(price.input_per_token * 1000, 8) if price else None,
                    "output_cost_per_1k": round(price.output_per_token * 1000, 8) if price else None,
                    "price_source": price.source if price else None,
                    "supports_streaming": True,
                    "supports_function_calling": bool(info.get("supports_function_calling")),
                    "is_local": state.spec.is_local,
                    "deployment": ref.litellm_model,
                })
        return out

    def option_source(self) -> dict[str, list[str]]:
        """Model names the configuration store accepts for the model fields, besides the design's list."""
        names = [m["name"] for m in self.models()]
        return {f: names for f in ("auditor_model_name", "agent_model_name", "LLM_ROUTING_SIMPLE_MODEL",
                                   "LLM_ROUTING_COMPLEX_MODEL", "LLM_ROUTING_FALLBACK_MODEL")}

    def provider_view(self, pid: str, latency: dict[str, float] | None = None) -> dict[str, Any]:
        state = self.providers[pid]
        if latency is None:
            latency = provider_latency()
        return {
            "id": pid, "name": state.spec.name, "enabled": state.enabled, "configured": state.configured,
            "models_available": [ref.public for ref in state.models],
            "model_entries": list(state.entries),
            "last_success": state.last_success_at.isoformat() if state.last_success_at else None,
            "last_error": state.last_error,
            "last_error_at": state.last_error_at.isoformat() if state.last_error_at else None,
            "avg_latency_ms": latency.get(pid),
            "api_base": state.api_base,
            "key_hint": hint(state.api_key),
            "key_source": state.key_source,
            "needs_key": state.spec.needs_key,
            "is_local": state.spec.is_local,
            "init_error": self.init_failures.get(pid),
        }

    def provider_views(self) -> list[dict[str, Any]]:
        self._refresh_outcomes()
        latency = provider_latency()
        return [self.provider_view(pid, latency) for pid in self.providers]

    def _refresh_outcomes(self) -> None:
        with session_scope() as db:
            rows = {r.id: r for r in db.exec(select(ProviderSettings)).scalars().all()}
        for pid, state in self.providers.items():
            if (row := rows.get(pid)) is not None:
                state.last_success_at, state.last_error_at, state.last_error = (
                    row.last_success_at, row.last_error_at, row.last_error)

    def update_provider(self, pid: str, changes: dict[str, Any], actor: str, client: str = "") -> dict[str, Any]:
        """Apply validated changes (see `validate_provider_update`), audit them and rebuild the router on every
        worker. What changed is computed against the database row (locked), not this worker's memory, so a
        change that lands on a worker which missed an earlier one is neither lost nor audited wrongly."""
        spec = PROVIDERS[pid]
        detail: dict[str, Any] = {}
        with session_scope() as db:
            row = db.exec(select(ProviderSettings).where(ProviderSettings.id == pid).with_for_update()
                          ).scalars().first() or ProviderSettings(id=pid)
            was_enabled = row.enabled if row.enabled is not None else _enabled_by_default(pid)
            if "enabled" in changes:
                if changes["enabled"] != was_enabled:
                    detail["enabled"] = [was_enabled, changes["enabled"]]
                row.enabled = changes["enabled"]
            if "api_key" in changes:
                new_key = changes["api_key"]
                row.api_key_encrypted = encrypt(new_key) if new_key else None
                detail["api_key"] = "changed" if new_key else "cleared"
            if "api_base" in changes:
                new_base = changes["api_base"] or None
                if (new_base or "") != (row.api_base or ""):
                    detail["api_base"] = [row.api_base or "(default)", new_base or "(default)"]
                row.api_base = new_base
            if changes.get("api_key") and not row.api_base:
                # the key belongs to the base it is given for: keep that base even if the default moves later
                row.api_base = changes["api_base"] if changes.get("api_base") else self.providers[pid].default_base
            if "models" in changes:
                new_models = changes["models"]
                old_entries = json.loads(row.models_json) if row.models_json else list(spec.default_models)
                old = [parse_model_entry(pid, e).public for e in old_entries]
                new = [parse_model_entry(pid, e).public for e in new_models]
                if old != new or old_entries != new_models:
                    detail["models"] = [old, new]
                row.models_json = json.dumps(new_models)
            row.updated_at, row.updated_by = utcnow(), actor
            db.add(row)
            audit(actor, "llm.provider.update", target=pid, detail=detail, client=client, session=db)
        self.load_providers()
        self.build_router()
        feed.publish(TOPIC_PROVIDERS, {"provider": pid})
        return self.provider_view(pid)

    def reset(self, actor: str, client: str = "") -> dict[str, Any]:
        self.load_providers()
        pricing.load_custom_prices()
        self.build_router()
        feed.publish(TOPIC_ROUTER, {"reset": True})
        audit(actor, "llm.router.reset", target="litellm", client=client)
        if self.router is None:
            return {"success": False, "message": f"Router rebuilt but unavailable: {self.build_error}."}
        return {"success": True, "message": f"Router rebuilt with {len(self._deployments())} deployment(s) from "
                                            f"{self.init_success_count} provider(s)."}

    def set_price(self, model: str, input_per_1k: float, output_per_1k: float, actor: str, client: str = "") -> dict:
        """Set a custom price, reprice the calls flagged unpriced and audit it, all in one transaction; then
        rebuild the router. Calls still buffered are priced when they are flushed (`ledger.write_rows`)."""
        before = pricing.custom_prices().get(model)
        with session_scope() as db:
            serialize(db, pricing.price_lock(model))
            pricing.store_custom_price(db, model, input_per_1k, output_per_1k, actor)
            recomputed = recompute_unpriced(db.connection(), model, input_per_1k / 1000, output_per_1k / 1000)
            audit(actor, "llm.price.set", target=model, client=client, session=db, detail={
                "before": [before.input_per_token * 1000, before.output_per_token * 1000] if before else None,
                "after": [input_per_1k, output_per_1k], "recomputed_calls": recomputed})
        pricing.load_custom_prices()
        self.build_router()
        budget.refresh()
        feed.publish(TOPIC_PRICES, {"model": model})
        return {"model": model, "input_cost_per_1k": input_per_1k, "output_cost_per_1k": output_per_1k,
                "recomputed_calls": recomputed}


def _enabled_by_default(pid: str) -> bool:
    """A provider without a stored choice starts enabled when its key (or OLLAMA_API_BASE) is in the environment."""
    spec = PROVIDERS[pid]
    env_key = os.environ.get(spec.key_env) if spec.key_env else None
    return bool(env_key) or (pid == "ollama" and bool(os.environ.get("OLLAMA_API_BASE")))


def provider_latency(days: int = 7) -> dict[str, float]:
    """Average latency per provider over the last `days` days (from the rollups)."""
    from resync_app.llm.budget import current_periods

    table = UsageDaily.__table__
    since = (current_periods()["daily"].start.date()).toordinal() - days + 1
    start = datetime.fromordinal(since).strftime("%Y-%m-%d")
    with get_engine().connect() as conn:
        rows = conn.execute(select(table.c.provider, func.sum(table.c.latency_ms_sum), func.sum(table.c.requests))
                            .where(table.c.day >= start).group_by(table.c.provider)).all()
    return {p: round(total / n, 1) for p, total, n in rows if n}


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
