"""Accounting of LLM calls: what a model costs, what the budget reserves before a call, and settling or
failing a call afterwards (budget, ledger row). `CallAccounting` is a part of `LLMGateway` (llm/gateway.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from resync_app import metrics
from resync_app.config.store import setting
from resync_app.llm import pricing
from resync_app.llm.budget import BudgetExceeded, guard as budget
from resync_app.llm.gateway_types import CallResult, GatewayError, PreparedCall
from resync_app.llm.ledger import ledger, make_row
from resync_app.llm.providers import PROVIDERS, ModelRef
from resync_app.logging_setup import redact


class CallAccounting:
    """Prices, budget admission and the ledger rows of calls."""

    _refs: dict[str, ModelRef]
    cost_calc_failures: int

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

    def record(self, row: dict[str, Any]) -> None:
        """Hand a ledger row to the buffer (error text redacted first)."""
        if row.get("_error_message"):
            row["_error_message"] = redact(row["_error_message"])
        ledger.record(row)
        metrics.observe_llm_row(row)

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
