"""Building the LiteLLM router: providers from the catalogue, the environment and the admin's stored settings
(a key only ever goes to the base it was given for), their deployments, the response cache, and why a model
cannot be routed. `RouterBuilder` is a part of `LLMGateway` (llm/gateway.py)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

from sqlalchemy import select

from resync_app.config.store import setting
from resync_app.db import session_scope
from resync_app.llm import pricing
from resync_app.llm.gateway_types import ProviderState, is_http_url, same_base
from resync_app.llm.models import ProviderSettings
from resync_app.llm.providers import PROVIDERS, ModelRef, parse_model_entry
from resync_app.logging_setup import redact, register_secret
from resync_app.secrets_box import decrypt

logger = logging.getLogger("resync.llm")


def _env_default_base(pid: str, spec) -> str:
    """The base a provider has without admin settings, as the catalogue and the environment give it (the one
    an environment key belongs to)."""
    if pid == "ollama":
        return os.environ.get("OLLAMA_API_BASE") or spec.default_api_base
    if pid == "nvidia_nim":
        return os.environ.get("LLM_ENDPOINT") or spec.default_api_base
    return spec.default_api_base


def enabled_by_default(pid: str) -> bool:
    """A provider without a stored choice starts enabled when its key (or OLLAMA_API_BASE) is in the environment."""
    spec = PROVIDERS[pid]
    env_key = os.environ.get(spec.key_env) if spec.key_env else None
    return bool(env_key) or (pid == "ollama" and bool(os.environ.get("OLLAMA_API_BASE")))


class RouterBuilder:
    """The providers, their models and the router built from them."""

    _lock: threading.RLock
    router: Any
    providers: dict[str, ProviderState]
    _refs: dict[str, ModelRef]
    init_failures: dict[str, str]
    init_success_count: int
    build_error: str | None
    router_built_at: float | None

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
            enabled_default = enabled_by_default(pid)
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

    def routable(self, public: str) -> bool:
        ref = self._refs.get(public)
        return ref is not None and self.providers[ref.provider].active and self.router is not None

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
