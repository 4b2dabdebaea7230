"""The provider cards of the LiteLLM Configuration page: enable, edit (key write-only), test."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx
from pydantic import ValidationError

from resync_app.llm.gateway import get_gateway
from resync_app.llm.provider_update import ProviderUpdate, ProviderUpdateError, check_provider_update
from resync_app.llm.providers import PROVIDERS
from resync_app.state.formatting import when
from resync_app.state.guard import acting_admin, admin_event
from resync_app.state.litellm_config import LiteLLMConfigState, pydantic_errors, run_test
from resync_app.state.socket_client import client_address


@dataclasses.dataclass
class ProviderCard:
    id: str = ""
    name: str = ""
    enabled: bool = False
    configured: bool = False
    active: bool = False
    needs_key: bool = True
    is_local: bool = False
    key_hint: str = ""
    key_source: str = ""
    api_base: str = ""
    models: list[str] = dataclasses.field(default_factory=list)
    model_entries: str = ""
    last_success: str = ""
    last_error: str = ""
    last_error_at: str = ""
    avg_latency: str = ""
    init_error: str = ""
    test_model: str = ""
    testing: bool = False
    test_ran: bool = False
    test_ok: bool = False
    test_answer: str = ""
    test_latency: str = ""
    test_error: str = ""
    err_key: str = ""
    err_api_base: str = ""
    err_models: str = ""
    err_other: str = ""


def _route_errors(raw: str) -> dict[str, str]:
    """The key route's field errors, as the dialog reported them (JSON; only known fields, short texts)."""
    try:
        errors = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(errors, dict):
        return {}
    return {k: str(v)[:300] for k, v in errors.items() if k in ("api_key", "api_base", "models", "enabled")}


class ProvidersState(LiteLLMConfigState):
    """The six provider cards and the edit dialog."""

    providers: list[ProviderCard] = []
    editing: str = ""

    _views: list[dict[str, Any]] = []
    _tests: dict[str, dict[str, Any]] = {}
    _edit_errors: dict[str, dict[str, str]] = {}

    def _load(self) -> None:
        self._views = get_gateway().provider_views()
        self._rebuild_cards()

    def _rebuild_cards(self) -> None:
        cards = []
        for view in self._views:
            test = self._tests.get(view["id"], {})
            errors = self._edit_errors.get(view["id"], {})
            latency = view.get("avg_latency_ms")
            cards.append(ProviderCard(
                id=view["id"], name=view["name"], enabled=view["enabled"], configured=view["configured"],
                active=view["enabled"] and view["configured"], needs_key=view["needs_key"],
                is_local=view["is_local"], key_hint=view["key_hint"] or "", key_source=view["key_source"],
                api_base=view["api_base"] or "", models=list(view["models_available"]),
                model_entries="\n".join(view.get("model_entries") or []),
                last_success=when(view["last_success"]), last_error=view["last_error"] or "",
                last_error_at=when(view.get("last_error_at")),
                avg_latency=f"{latency:,.0f} ms" if latency is not None else "",
                init_error=view.get("init_error") or "",
                test_model=(view["models_available"] or [""])[0], testing=bool(test.get("running")),
                test_ran="success" in test, test_ok=bool(test.get("success")),
                test_answer=str(test.get("response") or "")[:400],
                test_latency=f"{test['latency_ms']:,.0f} ms" if test.get("latency_ms") is not None else "",
                test_error=str(test.get("error") or "")[:400],
                err_key=errors.get("api_key", ""), err_api_base=errors.get("api_base", ""),
                err_models=errors.get("models", ""),
                err_other="; ".join(v for k, v in errors.items() if k not in ("api_key", "api_base", "models")),
            ))
        self.providers = cards

    async def _apply_provider(self, pid: str, body: dict[str, Any]) -> bool:
        """Check a provider change with the API's rules and apply it; errors go to the provider's dialog."""
        gateway = get_gateway()
        try:
            update = ProviderUpdate(**body)
            changes = check_provider_update(pid, update, gateway.providers[pid])
        except ValidationError as exc:
            self._edit_errors[pid] = pydantic_errors(exc)
        except ProviderUpdateError as exc:
            self._edit_errors[pid] = dict(exc.errors)
        else:
            self._edit_errors.pop(pid, None)
            if changes:
                gateway.update_provider(pid, changes, acting_admin().username, client_address(self))
            self._load()
            (await self._card("models"))._load()
            self._load_status()
            (await self._card("routing"))._load_options()
            return True
        self._rebuild_cards()
        return False

    @rx.event
    @admin_event
    async def set_enabled(self, pid: str, enabled: bool):
        if pid not in PROVIDERS:
            return None
        if await self._apply_provider(pid, {"enabled": bool(enabled)}):
            name = PROVIDERS[pid].name
            return rx.toast.success(f"{name} {'enabled' if enabled else 'disabled'}; router rebuilt.")
        return rx.toast.error("; ".join(self._edit_errors.get(pid, {}).values()))

    @rx.event
    @admin_event
    def open_editor(self, pid: str, is_open: bool = True):
        if pid in PROVIDERS and is_open:
            self.editing = pid
        else:
            self.editing = ""
            self._edit_errors.pop(pid, None)
            self._rebuild_cards()

    @rx.event
    @admin_event
    async def save_provider(self, form: dict[str, Any]):
        """The edit dialog's submit: enabled, key (write-only; empty keeps it), base URL and model entries."""
        pid = str(form.get("provider") or "")
        if pid not in PROVIDERS:
            return rx.toast.error("Unknown provider.")
        view = get_gateway().provider_view(pid)  # now: a key saved with a new base has moved it already
        body: dict[str, Any] = {}
        enabled = str(form.get("enabled") or "").lower() in ("on", "true", "1")
        if enabled != bool(view["enabled"]):
            body["enabled"] = enabled
        # The key itself never comes here: the dialog posted it over HTTP and reports only the outcome.
        key_status, key_error = str(form.get("key_status") or ""), str(form.get("key_error") or "")[:300]
        if key_status != "saved" and str(form.get("clear_key") or "").lower() in ("on", "true", "1"):
            body["api_key"] = ""
        base = str(form.get("api_base") or "").strip()
        if base.rstrip("/") != (view["api_base"] or "").rstrip("/"):
            body["api_base"] = base
        entries = [line.strip() for line in str(form.get("models") or "").splitlines() if line.strip()]
        if entries != list(view.get("model_entries") or []):
            body["models"] = entries
        if key_status == "error":
            self._edit_errors[pid] = _route_errors(str(form.get("key_errors") or "")) or {
                "api_key": key_error or "The key was refused."}
            self._rebuild_cards()
            return rx.toast.error(f"{PROVIDERS[pid].name}: the key was not saved.")
        if not body:
            self.editing = ""
            self._load()
            if key_status == "saved":
                return rx.toast.success(f"{PROVIDERS[pid].name}: key saved; router rebuilt.")
            return rx.toast.info("Nothing changed.")
        if await self._apply_provider(pid, body):
            self.editing = ""
            return rx.toast.success(f"{PROVIDERS[pid].name} saved; router rebuilt.")
        return None

    @rx.event(background=True)
    @admin_event
    async def test_provider(self, pid: str):
        """Test a provider's first model with one real call (no cache, no fallback)."""
        gateway = get_gateway()
        async with self:
            view = next((v for v in self._views if v["id"] == pid), None)
            if view is None or not view["models_available"]:
                self._tests[pid] = {"success": False, "error": "This provider lists no model to test."}
                self._rebuild_cards()
                return
            model = view["models_available"][0]
            self._tests[pid] = {"running": True}
            self._rebuild_cards()
        result = await run_test(gateway, model)
        async with self:
            self._tests[pid] = result
            self._load()
            self._load_status()
