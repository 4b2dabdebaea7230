"""Streamed LLM calls through the gateway: the same routing, budget and ledger as `LLMGateway.complete`.

    async for item in gateway.stream(messages, purpose="chat", tools=tools):
        if isinstance(item, str): ...a piece of the answer's text...
        else: result = item  # the CallResult, last (text, tool_calls, tokens, cost, model, route_reason)

LiteLLM's router streams (`stream=True`, usage asked for in the last chunk); tool-call fragments are joined by
their index. The ledger row comes from LiteLLM's logging hook once the stream ends. A stream closed early
(the Stop button) releases its budget hold and records an error row "Cancelled" with what it had received.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from resync_app.llm.ledger import ledger, make_row


class _ToolCallParts:
    """Tool-call fragments of a stream, joined by index."""

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}

    def add(self, fragments: Any) -> None:
        for fragment in fragments or []:
            index = getattr(fragment, "index", None)
            index = len(self.calls) if index is None else int(index)
            call = self.calls.setdefault(index, {"id": None, "name": "", "arguments": ""})
            if getattr(fragment, "id", None):
                call["id"] = fragment.id
            function = getattr(fragment, "function", None)
            if function is not None:
                if getattr(function, "name", None):
                    call["name"] = function.name
                if getattr(function, "arguments", None):
                    call["arguments"] += function.arguments

    def result(self) -> list[dict[str, Any]]:
        return [{"id": c["id"] or f"call_{i}", "name": c["name"], "arguments": c["arguments"] or "{}"}
                for i, c in sorted(self.calls.items()) if c["name"]]


async def stream_call(gateway, messages: list[dict[str, Any]], *, purpose: str = "chat", model: str | None = None,
                      max_tokens: int | None = None, timeout: float | None = None, use_cache: bool = True,
                      tools=None, allow_fallback: bool = True, tools_optional: bool = False) -> AsyncIterator[Any]:
    """Yield the answer's text pieces, then its `CallResult` (see the module docstring)."""
    call = await gateway.prepare(messages, purpose=purpose, model=model, max_tokens=max_tokens, timeout=timeout,
                                 use_cache=use_cache, tools=tools, allow_fallback=allow_fallback, stream=True,
                                 tools_optional=tools_optional)
    deadline = time.monotonic() + call.overall
    text: list[str] = []
    parts = _ToolCallParts()
    usage, response, finished = None, None, False
    try:
        response = await asyncio.wait_for(gateway.router.acompletion(**call.kwargs), timeout=call.overall)
        iterator = response.__aiter__()
        while True:
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), timeout=max(0.1, deadline - time.monotonic()))
            except StopAsyncIteration:
                break
            usage = getattr(chunk, "usage", None) or usage
            for choice in getattr(chunk, "choices", None) or []:
                delta = getattr(choice, "delta", None)
                if delta is None:
                    continue
                parts.add(getattr(delta, "tool_calls", None))
                piece = getattr(delta, "content", None)
                if piece:
                    text.append(piece)
                    yield piece
        finished = True
    except BaseException as exc:
        if isinstance(exc, (GeneratorExit, asyncio.CancelledError)):
            _record_stopped(gateway, call, "".join(text))
        raise gateway.failed(call, exc) from None
    finally:
        if not finished and response is not None:
            await _close(response)
    hidden = getattr(response, "_hidden_params", {}) or {}
    answered = (hidden.get("additional_headers") or {}).get("x-litellm-model-group") or call.target
    yield gateway.settle(call, answered, usage, None, bool(hidden.get("cache_hit")), text="".join(text),
                         tool_calls=parts.result())


def _record_stopped(gateway, call, received: str) -> None:
    """A stream stopped before its end: LiteLLM reports nothing, so the ledger gets the attempt here."""
    if ledger.rows_seen(call.request_id):
        return
    gateway.record(make_row(model=call.target, provider=call.ref.provider, deployment=call.ref.litellm_model,
                            outcome="error", error_class="Cancelled", purpose=call.purpose, route_reason=call.reason,
                            request_id=call.request_id, completion_tokens=max(0, len(received) // 4),
                            error_message="stopped by the user before the answer ended",
                            latency_ms=(time.perf_counter() - call.started) * 1000))


async def _close(response: Any) -> None:
    closer = getattr(response, "aclose", None)
    if closer is not None:
        try:
            await closer()
        except Exception:  # closing a half-read stream is best effort
            pass
