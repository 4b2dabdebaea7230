"""The smart-routing card of the LiteLLM Configuration page: the routing form and the dry run."""

from __future__ import annotations

from typing import Any

import reflex as rx

from resync_app.config.store import get_store
from resync_app.llm.gateway import get_gateway
from resync_app.llm.providers import PROVIDERS
from resync_app.state.formatting import money
from resync_app.state.guard import acting_admin, admin_event
from resync_app.state.litellm_config import LiteLLMConfigState
from resync_app.state.socket_client import client_address

ROUTING_FIELDS = ("LLM_ROUTING_ENABLED", "LLM_ROUTING_SIMPLE_MODEL", "LLM_ROUTING_COMPLEX_MODEL",
                  "LLM_ROUTING_FALLBACK_MODEL", "LLM_PREFER_LOCAL_MODELS")


class RoutingState(LiteLLMConfigState):
    """The routing fields (saved through the System Configuration store) and the dry run."""

    routing_options: list[str] = []
    routing_enabled: bool = True
    routing_simple: str = ""
    routing_complex: str = ""
    routing_fallback: str = ""
    routing_prefer_local: bool = False
    routing_errors: dict[str, str] = {}
    routing_unroutable: list[str] = []
    routing_dirty: bool = False
    routing_notice: str = ""
    routing_version: int = 0
    dry_question: str = ""
    dry_ran: bool = False
    dry_model: str = ""
    dry_reason: str = ""
    dry_classification: str = ""
    dry_why: str = ""
    dry_provider: str = ""
    dry_routable: bool = False
    dry_cost: str = ""
    dry_error: str = ""

    _routing_saved: dict[str, Any] = {}

    def _load_options(self) -> None:
        """The models the router can route to (the choices of the model fields)."""
        self.routing_options = [m["name"] for m in get_gateway().models()]
        self._routing_changed()

    def _load(self) -> None:
        self.routing_options = [m["name"] for m in get_gateway().models()]
        store = get_store()
        store.refresh()
        self._routing_saved = {name: store.get(name) for name in ROUTING_FIELDS}
        self.routing_version = store.version
        self.routing_enabled = bool(self._routing_saved["LLM_ROUTING_ENABLED"])
        self.routing_simple = str(self._routing_saved["LLM_ROUTING_SIMPLE_MODEL"])
        self.routing_complex = str(self._routing_saved["LLM_ROUTING_COMPLEX_MODEL"])
        self.routing_fallback = str(self._routing_saved["LLM_ROUTING_FALLBACK_MODEL"])
        self.routing_prefer_local = bool(self._routing_saved["LLM_PREFER_LOCAL_MODELS"])
        self.routing_errors = {}
        self._routing_changed()

    def _routing_values(self) -> dict[str, Any]:
        return {"LLM_ROUTING_ENABLED": self.routing_enabled, "LLM_ROUTING_SIMPLE_MODEL": self.routing_simple,
                "LLM_ROUTING_COMPLEX_MODEL": self.routing_complex, "LLM_ROUTING_FALLBACK_MODEL": self.routing_fallback,
                "LLM_PREFER_LOCAL_MODELS": self.routing_prefer_local}

    def _routing_changed(self) -> None:
        values = self._routing_values()
        self.routing_dirty = any(values[k] != self._routing_saved.get(k) for k in ROUTING_FIELDS)
        options = set(self.routing_options)
        self.routing_unroutable = [f"{k} = {values[k]}" for k in ROUTING_FIELDS[1:4] if values[k] not in options]

    @rx.event
    @admin_event
    def set_routing(self, field: str, value: str):
        if field == "LLM_ROUTING_SIMPLE_MODEL":
            self.routing_simple = str(value)
        elif field == "LLM_ROUTING_COMPLEX_MODEL":
            self.routing_complex = str(value)
        elif field == "LLM_ROUTING_FALLBACK_MODEL":
            self.routing_fallback = str(value)
        else:
            return
        self.routing_errors = {k: v for k, v in self.routing_errors.items() if k != field}
        self._routing_changed()

    @rx.event
    @admin_event
    def set_routing_flag(self, field: str, value: bool):
        if field == "LLM_ROUTING_ENABLED":
            self.routing_enabled = bool(value)
        elif field == "LLM_PREFER_LOCAL_MODELS":
            self.routing_prefer_local = bool(value)
        else:
            return
        self._routing_changed()

    @rx.event
    @admin_event
    def discard_routing(self):
        self._load()
        self.routing_notice = ""

    @rx.event
    @admin_event
    def save_routing(self):
        """Save the changed routing fields through the System Configuration store (validation, version, audit)."""
        values = self._routing_values()
        updates = {k: v for k, v in values.items() if v != self._routing_saved.get(k)}
        if not updates:
            return rx.toast.info("Nothing to save.")
        result = get_store().update(updates, acting_admin().username, base_version=self.routing_version,
                                    client=client_address(self))
        if not result.success:
            self.routing_errors = dict(result.errors)
            self.routing_notice = result.message
            return rx.toast.error(result.message)
        self._load()
        self.routing_notice = ""
        return rx.toast.success(result.message)

    @rx.event
    @admin_event
    def set_dry_question(self, value: str):
        self.dry_question = str(value)[:8000]

    @rx.event
    @admin_event
    def dry_run(self):
        """Which model would answer the question, why, and its estimated cost (no provider call)."""
        question = self.dry_question.strip()
        self.dry_ran = False
        if not question:
            self.dry_error = "Type a question first."
            return
        self.dry_error = ""
        result = get_gateway().dry_run(question)
        self.dry_ran = True
        self.dry_model = result["model"] or ""
        self.dry_reason = result["reason"] or ""
        self.dry_classification = result["classification"] or ""
        self.dry_why = result["why"] or ""
        self.dry_provider = PROVIDERS[result["provider"]].name if result.get("provider") in PROVIDERS else "—"
        self.dry_routable = bool(result["routable"])
        est = result.get("estimated_max_cost_usd")
        self.dry_cost = ("unpriced model" if not result.get("priced") else
                         f"at most {money(est)}" if est else "free")
