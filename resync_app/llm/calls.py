"""The call paths of the LLM gateway: choose the model (routing, local health, context window), prepare a
routed and admitted call, send it (`complete`; `stream` through llm/stream.py), and the admin's test call and
dry run. `CallPaths` is a part of `LLMGateway` (llm/gateway.py)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from resync_app.config.store import setting
from resync_app.llm import pricing, routing
from resync_app.llm.budget import BudgetExceeded, guard as budget
from resync_app.llm.gateway_types import (
    CallResult, GatewayError, ModelNotRoutable, PreparedCall, ProviderState, is_http_url, tool_calls_of)
from resync_app.llm.ledger import make_row
from resync_app.llm.providers import ModelRef

DEFAULT_MAX_TOKENS = 1024
LOCAL_HEALTH_TTL_S = 30.0


class CallPaths:
    """Routing decisions and the complete/stream/test paths of a call."""

    router: Any
    initialized: bool
    providers: dict[str, ProviderState]
    _refs: dict[str, ModelRef]
    _local_health: tuple[float, bool]

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
