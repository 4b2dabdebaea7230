"""LiteLLM Configuration page state: the gateway's status overview, and the page's cards as substates.

Every rule lives in a service: provider changes are checked by `check_provider_update` and applied by the
gateway; routing settings are saved through the System Configuration store (validation, versions, audit);
tests, dry runs and prices are the gateway's; budgets and alerts are the budget guard's. This state only holds
what the page shows. Each card of the page is a substate of `LiteLLMConfigState` in its own module
(`litellm_providers`, `litellm_models`, `litellm_routing`, `litellm_budgets`); this one loads them all, keeps
them fresh while the page is open and rebuilds the router. It finds the cards by their `card` name in Reflex's
state tree and never imports their modules (they import this one; the page imports them all). Provider keys
are write-only: the key typed in the edit dialog is posted over HTTP and kept in no state variable (only the
gateway's key hint, at most the last 4 characters, is ever sent to the browser).
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from pydantic import ValidationError

from resync_app.llm import analytics
from resync_app.llm.gateway import get_gateway
from resync_app.llm.gateway_types import ModelNotRoutable
from resync_app.llm.ledger import ledger
from resync_app.llm.providers import PROVIDERS
from resync_app.state import toast
from resync_app.state.formatting import compact, duration, money, percent  # noqa: F401  (re-exported)
from resync_app.state.guard import acting_admin, admin_event, admin_watch, follow
from resync_app.state.socket_client import client_address

ROUTE = "/admin/litellm"
TEST_PROMPT = "Reply with the single word: pong"
TEST_TIMEOUT_S = 30.0
WATCH_TIMEOUT_S = 15.0
MIN_REFRESH_S = 3.0
ALL = "all"
CARDS = ("providers", "models", "routing", "budgets")  # the `card` names of the page's card substates


def pydantic_errors(exc: ValidationError) -> dict[str, str]:
    """Field → message, without the offending input (it may be a key)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "form"
        errors.setdefault(name, error["msg"])
    return errors


async def run_test(gateway, model: str) -> dict[str, Any]:
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
    """The status overview of the LiteLLM Configuration page for one admin's tab (cards are substates)."""

    router_available: bool = False
    build_error: str = ""
    init_failures: list[str] = []
    uptime: str = ""
    router_uptime: str = ""
    active_models: int = 0
    active_providers: int = 0
    error_rate: str = "—"
    cache_hit_rate: str = "—"
    total_requests: str = "0"
    cost_tracking_note: str = ""
    ledger_note: str = ""  # rows the database refused (set aside) or dropped (buffer full), if any
    refreshed_at: str = ""

    _watch_id: int = 0

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
        self.active_models = len(gateway.models())
        self.error_rate = percent(usage["error_rate"], 2)
        self.cache_hit_rate = percent(usage.get("cache_hit_rate"), 1)
        self.total_requests = f"{usage['total_requests']:,}"
        self.cost_tracking_note = usage.get("note") or ""
        stats = status["ledger"]
        problems = [f"{stats['rejected']:,} row(s) refused by the database and set aside" if stats["rejected"] else "",
                    f"{stats['dropped']:,} row(s) dropped while the database was unreachable" if stats["dropped"]
                    else ""]
        self.ledger_note = ("Ledger: " + "; ".join(p for p in problems if p) + " (see the server log)."
                            if any(problems) else "")

    @staticmethod
    def card_class(name: str) -> type[rx.State]:
        """The substate of one card, found in Reflex's state tree by its `card` name: the card modules import
        this one, never the other way round (the page module imports them all)."""
        for sub in LiteLLMConfigState.get_substates():
            if getattr(sub, "card", None) == name:
                return sub
        raise LookupError(f"no LiteLLM card state named {name!r} (is its module imported?)")

    async def _card(self, name: str):
        return await self.get_state(self.card_class(name))

    async def _reload(self, *names: str) -> None:
        """Reload the status and the given cards (all of them without names)."""
        self._load_status()
        for name in names or CARDS:
            (await self._card(name))._load()

    @rx.event
    @admin_event
    async def load(self):
        """`on_load`: read everything the page shows and start the live refresh."""
        providers = await self._card("providers")
        providers.editing = ""
        providers._edit_errors = {}
        (await self._card("routing")).routing_notice = ""
        await self._reload()
        self._watch_id += 1
        return LiteLLMConfigState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch(self, watch_id: int):
        """Refresh the status, provider outcomes and budgets after LLM calls (or every 15 s) while the page is
        open; stops when the admin leaves the page, loses the session or the page loads again."""
        await follow(self, watch_id, ROUTE, "llm", lambda: self._reload("providers", "budgets"),
                     timeout_s=WATCH_TIMEOUT_S, min_interval_s=MIN_REFRESH_S)

    @rx.event
    @admin_event
    async def refresh(self):
        await self._reload()
        return toast.info("Refreshed.")

    @rx.event
    @admin_event
    async def reset_router(self):
        """Rebuild the router from the current configuration (`POST /reset`)."""
        result = get_gateway().reset(acting_admin().username, client_address(self))
        await self._reload()
        return toast.success(result["message"]) if result["success"] else toast.error(result["message"])
