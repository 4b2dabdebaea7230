"""The model browser of the LiteLLM Configuration page: search and filters, one-click tests, custom prices."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from pydantic import ValidationError

from resync_app.llm.gateway import get_gateway
from resync_app.state.formatting import money, per_1k, tokens
from resync_app.state.guard import acting_admin, admin_event
from resync_app.state.litellm_config import ALL, LiteLLMConfigState, pydantic_errors, run_test
from resync_app.state.socket_client import client_address


@dataclasses.dataclass
class ModelRow:
    name: str = ""
    provider: str = ""
    model_type: str = ""
    context: str = ""
    price_in: str = ""
    price_out: str = ""
    unpriced: bool = False
    custom_price: bool = False
    function_calling: bool = False
    is_local: bool = False


class ModelsState(LiteLLMConfigState):
    """Every routable model, filtered as the admin asks; the test panel and the price dialog."""

    models: list[ModelRow] = []
    model_count: int = 0
    model_search: str = ""
    model_provider: str = ALL
    model_local_only: bool = False
    model_function_calling: bool = False
    provider_options: list[str] = [ALL]
    model_test_model: str = ""
    model_test_running: bool = False
    model_test_ran: bool = False
    model_test_ok: bool = False
    model_test_answer: str = ""
    model_test_latency: str = ""
    model_test_usage: str = ""
    model_test_cost: str = ""
    model_test_error: str = ""
    price_model: str = ""
    price_in: str = ""
    price_out: str = ""
    price_error: str = ""

    _model_views: list[dict[str, Any]] = []

    def _load(self) -> None:
        from resync_app.llm.pricing import custom_prices

        gateway = get_gateway()
        self._model_views = gateway.models()
        custom = set(custom_prices())
        for view in self._model_views:
            view["_custom"] = view["name"] in custom
        self.model_count = len(self._model_views)
        self.provider_options = [ALL] + sorted({m["provider"] for m in self._model_views})
        if self.model_provider not in self.provider_options:
            self.model_provider = ALL
        self._rebuild_models()

    def _rebuild_models(self) -> None:
        needle = self.model_search.strip().lower()
        rows = []
        for m in self._model_views:
            if needle and needle not in m["name"].lower() and needle not in (m.get("deployment") or "").lower():
                continue
            if self.model_provider != ALL and m["provider"] != self.model_provider:
                continue
            if self.model_local_only and not m["is_local"]:
                continue
            if self.model_function_calling and not m["supports_function_calling"]:
                continue
            rows.append(ModelRow(
                name=m["name"], provider=m["provider"], model_type=m["model_type"] or "chat",
                context=tokens(m["max_tokens"]), price_in=per_1k(m["input_cost_per_1k"]),
                price_out=per_1k(m["output_cost_per_1k"]), unpriced=m["input_cost_per_1k"] is None,
                custom_price=bool(m.get("_custom")), function_calling=bool(m["supports_function_calling"]),
                is_local=bool(m["is_local"]),
            ))
        self.models = rows

    @rx.event
    @admin_event
    def set_model_search(self, value: str):
        self.model_search = str(value)[:100]
        self._rebuild_models()

    @rx.event
    @admin_event
    def set_model_provider(self, value: str):
        self.model_provider = value if value in self.provider_options else ALL
        self._rebuild_models()

    @rx.event
    @admin_event
    def set_model_local_only(self, value: bool):
        self.model_local_only = bool(value)
        self._rebuild_models()

    @rx.event
    @admin_event
    def set_model_function_calling(self, value: bool):
        self.model_function_calling = bool(value)
        self._rebuild_models()

    @rx.event(background=True)
    @admin_event
    async def test_model(self, model: str):
        """Test one model: answer, latency, tokens and cost."""
        gateway = get_gateway()
        async with self:
            if self.model_test_running:
                return
            self.model_test_model = str(model)[:200]
            self.model_test_running = True
            self.model_test_ran = False
        result = await run_test(gateway, str(model)[:200])
        async with self:
            self.model_test_running = False
            self.model_test_ran = True
            self.model_test_ok = bool(result.get("success"))
            self.model_test_answer = str(result.get("response") or "")[:600]
            latency = result.get("latency_ms")
            self.model_test_latency = f"{latency:,.0f} ms" if latency is not None else "—"
            self.model_test_usage = f"{result.get('tokens_used') or 0:,}"
            cost = result.get("cost_usd")
            self.model_test_cost = ("unpriced" if result.get("success") and result.get("cost_known") is False
                                    else money(cost) if cost is not None else "—")
            self.model_test_error = str(result.get("error") or "")[:600]
            (await self._card("providers"))._load()
            self._load_status()

    @rx.event
    @admin_event
    def open_price(self, model: str):
        view = next((m for m in self._model_views if m["name"] == model), None)
        if view is None:
            return rx.toast.error(f"Model {model!r} is not routable.")
        self.price_model = model
        self.price_in = "" if view["input_cost_per_1k"] is None else f"{view['input_cost_per_1k']:g}"
        self.price_out = "" if view["output_cost_per_1k"] is None else f"{view['output_cost_per_1k']:g}"
        self.price_error = ""
        return None

    @rx.event
    @admin_event
    def close_price(self, is_open: bool = False):
        if not is_open:
            self.price_model = ""
            self.price_error = ""

    @rx.event
    @admin_event
    def set_price_in(self, value: str):
        self.price_in = str(value)[:32]

    @rx.event
    @admin_event
    def set_price_out(self, value: str):
        self.price_out = str(value)[:32]

    @rx.event
    @admin_event
    async def save_price(self):
        """Set a custom price per 1k tokens (the API's rules); flagged calls of the model are recomputed."""
        from resync_app.api.litellm import PriceRequest

        gateway = get_gateway()
        if gateway.model_ref(self.price_model) is None:
            self.price_error = f"Model {self.price_model!r} is not served by any provider."
            return None
        if not self.price_in.strip() or not self.price_out.strip():
            self.price_error = "Enter both prices (USD per 1,000 tokens; 0 for free)."
            return None
        try:
            price = PriceRequest(input_cost_per_1k=self.price_in.strip(), output_cost_per_1k=self.price_out.strip())
        except ValidationError as exc:
            errors = pydantic_errors(exc)
            self.price_error = "; ".join(f"{'input' if k.startswith('input') else 'output'} price: {v}"
                                         for k, v in errors.items())
            return None
        result = gateway.set_price(self.price_model, price.input_cost_per_1k, price.output_cost_per_1k,
                                   acting_admin().username, client_address(self))
        model = self.price_model
        self.price_model = ""
        self._load()
        (await self._card("budgets"))._load()
        return rx.toast.success(f"Price of {model} saved; {result['recomputed_calls']} earlier call(s) recomputed.")
