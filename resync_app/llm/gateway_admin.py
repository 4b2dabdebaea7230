"""The admin's side of the LLM gateway: status, the model list, provider views and changes, router reset and
custom prices (each audited and announced to the other workers). `GatewayAdmin` is a part of `LLMGateway`
(llm/gateway.py)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from resync_app.audit.service import record as audit
from resync_app.config.store import setting
from resync_app.db import get_engine, serialize, session_scope, utcnow
from resync_app.events import feed
from resync_app.llm import pricing
from resync_app.llm.budget import guard as budget
from resync_app.llm.gateway_types import TOPIC_PRICES, TOPIC_PROVIDERS, TOPIC_ROUTER, ProviderState
from resync_app.llm.ledger import ledger, recompute_unpriced
from resync_app.llm.models import ProviderSettings, UsageDaily
from resync_app.llm.providers import PROVIDERS, parse_model_entry
from resync_app.llm.router_build import enabled_by_default
from resync_app.secrets_box import encrypt, hint


class GatewayAdmin:
    """What the LiteLLM Configuration page and `/api/v1/litellm` read and change."""

    router: Any
    initialized: bool
    providers: dict[str, ProviderState]
    init_failures: dict[str, str]
    init_success_count: int
    cost_calc_failures: int
    started_at: float
    router_built_at: float | None
    build_error: str | None

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
            was_enabled = row.enabled if row.enabled is not None else enabled_by_default(pid)
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
