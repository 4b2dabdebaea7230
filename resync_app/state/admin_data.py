"""No admin data in the stored state of a client without a live admin session (Reflex front door).

Reflex keeps every tab's state on the server and sends it whole when the tab (re)connects (hydrate), before
any `on_load` runs. After a sign-out, an expiry or a password reset, the last audit rows, providers or
settings a tab showed would be sent again to whoever reloads it. `AdminDataMiddleware` runs before every
event: a hydrate, or an event for an admin state, from a client without a live admin session first resets
every admin state of that client to its defaults (so the hydrate carries none of it and the refused handler
leaves nothing behind); `setvar` on an admin state is refused outright (the admin pages use explicit setters).
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.event import Event

from resync_app.state.guard import admin_refusal, admin_states, current_admin, is_public_handler

logger = logging.getLogger("resync.guard")
_ROUTER_FIELDS = {"router_data", "rx_router_session", "rx_router_headers", "rx_router_page", "rx_router_url",
                  "rx_router_route_id", "is_hydrated"}


def _hydrate_names() -> set[str]:
    return {f"{rx.State.get_full_name()}.{name}" for name in ("hydrate", "hydrate_and_load")}


def _differs(value: Any, default: Any) -> bool:
    try:
        return bool(value != default)
    except Exception:  # e.g. objects without a usable equality: reset them anyway
        return True


async def clear_admin_data(state: rx.State) -> int:
    """Reset every admin state of this client (any state of its tree) to its defaults, backend vars included;
    only vars that differ are touched, so a client that holds nothing gets no delta. Returns how many vars."""
    cleared = 0
    for cls in admin_states():
        sub = await state.get_state(cls)
        for name, field in cls.__fields__.items():
            if field._owner is not cls or name in _ROUTER_FIELDS:
                continue
            default = field.default_value()
            if _differs(getattr(sub, name), default):
                setattr(sub, name, default)
                cleared += 1
    return cleared


def _admin_handler(event_name: str):
    """The (state class, handler) an event targets when it is an admin state's, else None."""
    state_name, _, handler_name = event_name.rpartition(".")
    for cls in admin_states():
        if cls.get_full_name() == state_name:
            return cls, handler_name, cls.event_handlers.get(handler_name)
    return None


class AdminDataMiddleware(Middleware):
    """Clears admin states for clients without a live admin session; refuses `setvar` on admin states."""

    async def preprocess(self, app, state, event: Event) -> StateUpdate | None:
        target = None
        if event.name not in _hydrate_names():
            target = _admin_handler(event.name)
            if target is None or (target[2] is not None and is_public_handler(target[2])):
                return None
        signed_in = current_admin(state, touch=False) is not None  # the handler's own guard decides on activity
        if not signed_in and (cleared := await clear_admin_data(state)):
            logger.info("cleared %d admin var(s) of a client without an admin session (%s)", cleared,
                        event.name.rpartition(".")[2])
        if target is not None and target[1] == "setvar":
            logger.warning("refused setvar on admin state %s", target[0].__name__)
            events = [] if signed_in else Event.from_event_type(admin_refusal(state))
            return StateUpdate(delta=await state._get_resolved_delta(), events=events)
        return None
