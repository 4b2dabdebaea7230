"""Prices per token: LiteLLM's shipped price map, overridden by admin-set custom prices.

A model is *priced* when a custom price is set, when LiteLLM's map (as shipped, read before any Router
adds its empty placeholder entries) has a price for one of its keys, or when it is local (cost 0).
Anything else is *unpriced*: its calls are flagged and their cost is left empty until a price is set,
then recomputed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlmodel import Session, select

from resync_app.db import session_scope, utcnow
from resync_app.llm.models import ModelPrice
from resync_app.llm.providers import PROVIDERS, ModelRef


@dataclass(frozen=True)
class Price:
    input_per_token: float
    output_per_token: float
    source: str  # litellm | custom | local

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return prompt_tokens * self.input_per_token + completion_tokens * self.output_per_token


_lock = threading.Lock()
_shipped: dict[str, dict] | None = None
_custom: dict[str, Price] = {}


def _shipped_map() -> dict[str, dict]:
    """LiteLLM's price map as shipped (copied once, before Routers add placeholder entries)."""
    global _shipped
    if _shipped is None:
        import litellm

        _shipped = {k: dict(v) for k, v in litellm.model_cost.items() if isinstance(v, dict)}
    return _shipped


def load_custom_prices() -> None:
    """Read admin-set prices and register them with LiteLLM so its own cost figures agree."""
    with session_scope() as db:
        rows = db.exec(select(ModelPrice)).all()
    with _lock:
        _custom.clear()
        for row in rows:
            _custom[row.model] = Price(row.input_cost_per_1k / 1000, row.output_cost_per_1k / 1000, "custom")


def shipped_info(ref: ModelRef) -> dict:
    """LiteLLM's model info for `ref` as shipped ({} if unknown)."""
    shipped = _shipped_map()
    for key in ref.price_keys:
        if key in shipped:
            return shipped[key]
    return {}


def price_of(ref: ModelRef) -> Price | None:
    """The price used for `ref`, or None if nobody knows it."""
    if (custom := _custom.get(ref.public)) is not None:
        return custom
    if PROVIDERS[ref.provider].is_local:
        return Price(0.0, 0.0, "local")
    info = shipped_info(ref)
    if info.get("input_cost_per_token") is not None and info.get("output_cost_per_token") is not None:
        return Price(float(info["input_cost_per_token"]), float(info["output_cost_per_token"]), "litellm")
    return None


def register_with_litellm(refs: list[ModelRef]) -> None:
    """Tell LiteLLM the custom prices (provider-prefixed keys, valid whenever registered)."""
    import litellm

    entries = {}
    for ref in refs:
        price = _custom.get(ref.public)
        if price is not None:
            entries[ref.litellm_model] = {"input_cost_per_token": price.input_per_token,
                                          "output_cost_per_token": price.output_per_token,
                                          "litellm_provider": PROVIDERS[ref.provider].litellm_prefix, "mode": "chat"}
    if entries:
        litellm.register_model(entries)


def price_lock(model: str) -> str:
    """The name transactions serialise on when they set a model's price or write calls of it still unpriced
    (see `ledger.write_rows` and `LLMGateway.set_price`)."""
    return f"resync:price:{model}"


def store_custom_price(session: Session, model: str, input_per_1k: float, output_per_1k: float, actor: str) -> None:
    """Store a custom price in the caller's transaction (the caller recomputes, audits and reloads)."""
    row = session.get(ModelPrice, model) or ModelPrice(model=model, input_cost_per_1k=0, output_cost_per_1k=0)
    row.input_cost_per_1k, row.output_cost_per_1k = input_per_1k, output_per_1k
    row.updated_at, row.updated_by = utcnow(), actor
    session.add(row)


def delete_custom_price(model: str) -> bool:
    with session_scope() as db:
        row = db.get(ModelPrice, model)
        if row is None:
            return False
        db.delete(row)
    load_custom_prices()
    return True


def custom_prices() -> dict[str, Price]:
    return dict(_custom)
