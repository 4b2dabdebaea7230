"""LiteLLM Configuration page state: gateway status, providers, models, smart routing and budgets.

Every rule lives in a service: provider changes are checked by `check_provider_update` and applied by the
gateway; routing settings are saved through the System Configuration store (validation, versions, audit);
tests, dry runs and prices are the gateway's; budgets and alerts are the budget guard's. This state only holds
what the page shows. Provider keys are write-only: the key typed in the edit dialog arrives once with the
form's submit event, is handed to the gateway and is kept in no state variable (only the gateway's key hint,
at most the last 4 characters, is ever sent to the browser).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import datetime, timezone
from typing import Any

import plotly.graph_objects as go
import reflex as rx
from pydantic import ValidationError

from resync_app.components import charts
from resync_app.config.store import get_store
from resync_app.events import feed
from resync_app.llm import analytics, budget
from resync_app.llm.gateway import ModelNotRoutable, get_gateway
from resync_app.llm.ledger import ledger
from resync_app.llm.provider_update import ProviderUpdate, ProviderUpdateError, check_provider_update
from resync_app.llm.providers import PROVIDERS
from resync_app.state.guard import acting_admin, admin_event, current_admin

ROUTE = "/admin/litellm"
TEST_PROMPT = "Reply with the single word: pong"
TEST_TIMEOUT_S = 30.0
WATCH_TIMEOUT_S = 15.0
MIN_REFRESH_S = 3.0
ROUTING_FIELDS = ("LLM_ROUTING_ENABLED", "LLM_ROUTING_SIMPLE_MODEL", "LLM_ROUTING_COMPLEX_MODEL",
                  "LLM_ROUTING_FALLBACK_MODEL", "LLM_PREFER_LOCAL_MODELS")
ALL = "all"


# ---- formatting (shared with the analytics page) ------------------------------------------------------


def money(value: float | None) -> str:
    """USD for people: cents from one cent up, enough digits below it that a small cost does not read as 0."""
    if value is None:
        return "—"
    value = float(value)
    if value == 0:
        return "$0.00"
    if abs(value) >= 0.01:
        return f"${value:,.2f}"
    if abs(value) < 0.000000005:
        return "< $0.00000001"
    digits = min(8, max(4, 1 - math.floor(math.log10(abs(value))) + 1))
    return f"${value:.{digits}f}".rstrip("0").rstrip(".")


def compact(value: int | float) -> str:
    """12,345 → '12.3k', 211,990,217 → '212.0M' (for figures that must fit a card)."""
    value = float(value)
    for threshold, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / unit:,.1f}{suffix}"
    return f"{value:,.0f}"


def percent(share: float | None, digits: int = 1) -> str:
    return "—" if share is None else f"{float(share) * 100:.{digits}f}%"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def when(iso: str | None) -> str:
    """An ISO timestamp as '2026-11-26 10:04 UTC (5 min ago)'."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    delta = (datetime.now(timezone.utc) - moment).total_seconds()
    if delta >= 0:
        ago = "just now" if delta < 60 else f"{duration(delta).split(' ')[0]} ago"
    else:
        ago = f"in {duration(-delta).split(' ')[0]}"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({ago})"


def per_1k(value: float | None) -> str:
    if value is None:
        return "unpriced"
    if value == 0:
        return "free"
    return f"${value:,.4f}".rstrip("0").rstrip(".") if value < 1 else f"${value:,.2f}"


def tokens(value: int | None) -> str:
    if not value:
        return "—"
    return f"{value // 1000:,}k" if value >= 1000 else str(value)


# ---- rows the page shows ----------------------------------------------------------------------------


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


@dataclasses.dataclass
class BudgetRow:
    kind: str = ""
    label: str = ""
    spent: str = ""
    limit: str = ""
    remaining: str = ""
    used: str = ""
    used_value: float = 0.0
    threshold: str = ""
    resets_at: str = ""
    burn_rate: str = ""
    exhaustion: str = ""
    exhausted: bool = False
    over_threshold: bool = False


@dataclasses.dataclass
class AlertRow:
    id: int = 0
    created_at: str = ""
    period: str = ""
    threshold: str = ""
    message: str = ""
    acknowledged: bool = False
    acknowledged_by: str = ""
    acknowledged_at: str = ""
    critical: bool = False


def _pydantic_errors(exc: ValidationError) -> dict[str, str]:
    """Field → message, without the offending input (it may be a key)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "form"
        errors.setdefault(name, error["msg"])
    return errors


async def _run_test(gateway, model: str) -> dict[str, Any]:
    """`gateway.test` as the page shows it: a refused or broken provider becomes an error, never an exception."""
    try:
        result = await gateway.test(model, TEST_PROMPT, TEST_TIMEOUT_S)
    except ModelNotRoutable as exc:
        result = {"success": False, "model": model, "response": None, "latency_ms": None, "error": str(exc),
                  "tokens_used": 0, "cost_usd": None}
    except Exception as exc:  # a broken provider must not break the page
        result = {"success": False, "model": model, "response": None, "latency_ms": None,
                  "error": f"{type(exc).__name__}: {exc}"[:400], "tokens_used": 0, "cost_usd": None}
    await asyncio.to_thread(ledger.flush)  # the provider's last success/error and latency show at once
    return result


class LiteLLMConfigState(rx.State):
    """What the LiteLLM Configuration page shows for one admin's tab."""

    # status overview
    router_available: bool = False
    build_error: str = ""
    init_failures: list[str] = []
    uptime: str = ""
    router_uptime: str = ""
    active_models: int = 0
    active_providers: int = 0
    spend_today: str = "$0.00"
    spend_month: str = "$0.00"
    error_rate: str = "—"
    cache_hit_rate: str = "—"
    total_requests: str = "0"
    cost_tracking_note: str = ""

    # providers
    providers: list[ProviderCard] = []
    editing: str = ""

    # model browser
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

    # smart routing
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

    # budgets
    budgets: list[BudgetRow] = []
    daily_gauge: go.Figure = charts.blank()
    monthly_gauge: go.Figure = charts.blank()
    alerts: list[AlertRow] = []
    open_alerts: int = 0
    refreshed_at: str = ""

    # backend only
    _views: list[dict[str, Any]] = []
    _model_views: list[dict[str, Any]] = []
    _tests: dict[str, dict[str, Any]] = {}
    _edit_errors: dict[str, dict[str, str]] = {}
    _routing_saved: dict[str, Any] = {}
    _watch_id: int = 0

    # ---- loading ---------------------------------------------------------------------------------

    def _load_status(self) -> None:
        gateway = get_gateway()
        status = gateway.status()
        usage = analytics.usage()
        self.router_available = bool(status["router_available"])
        self.build_error = status.get("build_error") or ""
        self.init_failures = [f"{PROVIDERS[p].name if p in PROVIDERS else p}: {msg}"
                              for p, msg in sorted(status["init_failures"].items())]
        self.uptime = duration(status["uptime_seconds"])
        self.router_uptime = duration(status.get("router_uptime_seconds"))
        self.active_providers = int(status["init_success_count"])
        self.error_rate = percent(usage["error_rate"], 2)
        self.cache_hit_rate = percent(usage.get("cache_hit_rate"), 1)
        self.total_requests = f"{usage['total_requests']:,}"
        self.cost_tracking_note = usage.get("note") or ""

    def _load_budget(self) -> None:
        budget.guard.refresh()  # the rollups may hold calls other processes (or seed-demo) wrote
        periods = budget.guard.status()
        rows = []
        for kind, label in (("daily", "Today"), ("monthly", "This month")):
            p = periods[kind]
            used = float(p["used_percent"])
            threshold = float(p["alert_threshold"]) * 100
            rows.append(BudgetRow(
                kind=kind, label=label, spent=money(p["spent_usd"]), limit=money(p["limit_usd"]),
                remaining=money(p["remaining_usd"]), used=f"{used:.1f}%", used_value=min(used, 100.0),
                threshold=f"{threshold:.0f}%", resets_at=when(p["resets_at"]),
                burn_rate=money(p["burn_rate_usd_per_day"]) + " / day",
                exhaustion=when(p["projected_exhaustion"]) if p["projected_exhaustion"] else "not before the reset",
                exhausted=bool(p["exhausted"]), over_threshold=used >= threshold,
            ))
        self.budgets = rows
        self.spend_today = money(periods["daily"]["spent_usd"])
        self.spend_month = money(periods["monthly"]["spent_usd"])
        self.daily_gauge = charts.budget_gauge(periods["daily"])
        self.monthly_gauge = charts.budget_gauge(periods["monthly"])
        self.alerts = [
            AlertRow(id=a["id"], created_at=when(a["created_at"]), period=f"{a['period']} {a['period_key']}",
                     threshold=f"{float(a['threshold']) * 100:.0f}%", message=a["message"],
                     acknowledged=a["acknowledged_at"] is not None, acknowledged_by=a["acknowledged_by"] or "",
                     acknowledged_at=when(a["acknowledged_at"]), critical=float(a["threshold"]) >= 1.0)
            for a in budget.alerts(25)
        ]
        self.open_alerts = sum(1 for a in self.alerts if not a.acknowledged)
        self.refreshed_at = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")

    def _load_providers(self) -> None:
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

    def _load_models(self) -> None:
        from resync_app.llm.pricing import custom_prices

        gateway = get_gateway()
        self._model_views = gateway.models()
        custom = set(custom_prices())
        for view in self._model_views:
            view["_custom"] = view["name"] in custom
        self.model_count = len(self._model_views)
        self.active_models = self.model_count
        self.provider_options = [ALL] + sorted({m["provider"] for m in self._model_views})
        if self.model_provider not in self.provider_options:
            self.model_provider = ALL
        self._rebuild_models()
        self.routing_options = [m["name"] for m in self._model_views]

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

    def _load_routing(self) -> None:
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

    def _load_all(self) -> None:
        self._load_status()
        self._load_providers()
        self._load_models()
        self._load_routing()
        self._load_budget()

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: read everything the page shows and start the live refresh."""
        self.editing = ""
        self._edit_errors = {}
        self.routing_notice = ""
        self._load_all()
        self._watch_id += 1
        return LiteLLMConfigState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_event
    async def watch(self, watch_id: int):
        """Refresh the status, provider outcomes and budgets after LLM calls (or every 15 s) while the page is
        open; stops when the admin leaves the page, loses the session or the page loads again."""
        seen = feed.seq("llm")
        while True:
            seen = await feed.wait_for("llm", seen, WATCH_TIMEOUT_S)
            async with self:
                if self._watch_id != watch_id or current_admin(self) is None:
                    return
                if self.router.url.path.rstrip("/") != ROUTE:
                    return
                self._load_status()
                self._load_providers()
                self._load_budget()
            await asyncio.sleep(MIN_REFRESH_S)

    @rx.event
    @admin_event
    def refresh(self):
        self._load_all()
        return rx.toast.info("Refreshed.")

    @rx.event
    @admin_event
    def reset_router(self):
        """Rebuild the router from the current configuration (`POST /reset`)."""
        result = get_gateway().reset(acting_admin().username, self.router.session.client_ip)
        self._load_all()
        return rx.toast.success(result["message"]) if result["success"] else rx.toast.error(result["message"])

    # ---- providers -------------------------------------------------------------------------------

    def _apply_provider(self, pid: str, body: dict[str, Any]):
        """Check a provider change with the API's rules and apply it; errors go to the provider's dialog."""
        gateway = get_gateway()
        try:
            update = ProviderUpdate(**body)
            changes = check_provider_update(pid, update, gateway.providers[pid])
        except ValidationError as exc:
            self._edit_errors[pid] = _pydantic_errors(exc)
        except ProviderUpdateError as exc:
            self._edit_errors[pid] = dict(exc.errors)
        else:
            self._edit_errors.pop(pid, None)
            if changes:
                gateway.update_provider(pid, changes, acting_admin().username, self.router.session.client_ip)
            self._load_providers()
            self._load_models()
            self._load_status()
            self._routing_changed()
            return True
        self._rebuild_cards()
        return False

    @rx.event
    @admin_event
    def set_enabled(self, pid: str, enabled: bool):
        if pid not in PROVIDERS:
            return None
        if self._apply_provider(pid, {"enabled": bool(enabled)}):
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
    def save_provider(self, form: dict[str, Any]):
        """The edit dialog's submit: enabled, key (write-only; empty keeps it), base URL and model entries."""
        pid = str(form.get("provider") or "")
        if pid not in PROVIDERS:
            return rx.toast.error("Unknown provider.")
        view = next((v for v in self._views if v["id"] == pid), None) or get_gateway().provider_view(pid)
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
            self._edit_errors[pid] = {"api_key": key_error or "The key was refused."}
            self._rebuild_cards()
            return rx.toast.error(f"{PROVIDERS[pid].name}: the key was not saved.")
        if not body:
            self.editing = ""
            self._load_providers()
            if key_status == "saved":
                return rx.toast.success(f"{PROVIDERS[pid].name}: key saved; router rebuilt.")
            return rx.toast.info("Nothing changed.")
        if self._apply_provider(pid, body):
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
        result = await _run_test(gateway, model)
        async with self:
            self._tests[pid] = result
            self._load_providers()
            self._load_status()

    # ---- model browser ---------------------------------------------------------------------------

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
        result = await _run_test(gateway, str(model)[:200])
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
            self._load_providers()
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
    def save_price(self):
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
            errors = _pydantic_errors(exc)
            self.price_error = "; ".join(f"{'input' if k.startswith('input') else 'output'} price: {v}"
                                         for k, v in errors.items())
            return None
        result = gateway.set_price(self.price_model, price.input_cost_per_1k, price.output_cost_per_1k,
                                   acting_admin().username, self.router.session.client_ip)
        model = self.price_model
        self.price_model = ""
        self._load_models()
        self._load_budget()
        return rx.toast.success(f"Price of {model} saved; {result['recomputed_calls']} earlier call(s) recomputed.")

    # ---- smart routing ---------------------------------------------------------------------------

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
        self._load_routing()
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
                                    client=self.router.session.client_ip)
        if not result.success:
            self.routing_errors = dict(result.errors)
            self.routing_notice = result.message
            return rx.toast.error(result.message)
        self._load_routing()
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

    # ---- budget alerts ---------------------------------------------------------------------------

    @rx.event
    @admin_event
    def acknowledge(self, alert_id: int):
        if not budget.acknowledge(int(alert_id), acting_admin().username):
            return rx.toast.error(f"No budget alert {alert_id}.")
        self._load_budget()
        return rx.toast.success("Alert acknowledged.")
