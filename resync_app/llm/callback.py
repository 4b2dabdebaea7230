"""The LiteLLM callback that turns each reported attempt into a ledger row (kept tiny: it runs on the call path)."""

from __future__ import annotations

from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from resync_app.llm.ledger import make_row


class LedgerLogger(CustomLogger):
    """Registered in `litellm.callbacks`; LiteLLM calls the async hooks for `Router.acompletion`."""

    def __init__(self, gateway) -> None:
        super().__init__()
        self._gateway = gateway

    def _row(self, kwargs: dict[str, Any], ok: bool) -> dict[str, Any] | None:
        slo = kwargs.get("standard_logging_object") or {}
        meta = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        request_id = meta.get("resync_request_id")
        if not request_id:  # not a gateway call (nothing else in the app calls LiteLLM, but be safe)
            return None
        group = slo.get("model_group") or meta.get("model_group") or meta.get("resync_model", "")
        original = meta.get("original_model_group")
        reason = "fallback" if original and original != group else meta.get("resync_route_reason", "")
        cache_hit = bool(slo.get("cache_hit") or kwargs.get("cache_hit"))
        prompt, completion = int(slo.get("prompt_tokens") or 0), int(slo.get("completion_tokens") or 0)
        ref = self._gateway.model_ref(group)
        provider = ref.provider if ref else str(slo.get("custom_llm_provider") or "")
        if not ok or cache_hit:
            cost, unpriced = 0.0, False
        else:
            cost, unpriced = self._gateway.cost_for(group, prompt, completion, slo.get("response_cost"))
        start, end = slo.get("startTime"), slo.get("endTime")
        latency = (end - start) * 1000 if isinstance(start, (int, float)) and isinstance(end, (int, float)) else 0.0
        error = slo.get("error_information") or {}
        return make_row(
            model=group, provider=provider, deployment=str(slo.get("model") or ""), prompt_tokens=prompt,
            completion_tokens=completion, cost_usd=cost, unpriced=unpriced, latency_ms=max(latency, 0.0),
            outcome="success" if ok else "error", error_class=str(error.get("error_class") or "") if not ok else "",
            purpose=meta.get("resync_purpose", "chat"), cache_hit=cache_hit, route_reason=reason,
            request_id=request_id, error_message=str(error.get("error_message") or "") if not ok else "",
        )

    def _record(self, kwargs: dict[str, Any], ok: bool) -> None:
        row = self._row(kwargs, ok)
        if row is not None:
            self._gateway.record(row)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._record(kwargs, True)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._record(kwargs, False)

    def log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._record(kwargs, True)

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self._record(kwargs, False)
