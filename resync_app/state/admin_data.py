"""No admin data in the stored state of a client without a live admin session, and no operator data in that of a
client without a live session when RESYNC_OPERATOR_LOGIN=required (Reflex front door).

Reflex keeps every tab's state on the server and sends it whole when the tab (re)connects (hydrate), before
any `on_load` runs. After a sign-out, an expiry, a disabled account or a password reset, the last audit rows,
providers or settings a tab showed — or, when operators must sign in, the monitoring chips and the chat
transcript — would be sent again to whoever reloads it. `AdminDataMiddleware` runs before every event: a
hydrate, or an event for a protected state, from a client without the session it needs first resets the
protected states of that client to their defaults (so the hydrate carries none of it and the refused handler
leaves nothing behind); `setvar` on an admin state is refused outright (the admin pages use explicit setters).
Which states are admin or operator states: `state/roles.py`.
"""

from __future__ import annotations

import logging

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import StateUpdate
from reflex_base.event import Event

from resync_app.state import roles
from resync_app.state.guard import admin_refusal, current_user, operator_login_required

logger = logging.getLogger("resync.guard")


def _hydrate_names() -> set[str]:
    return {f"{rx.State.get_full_name()}.{name}" for name in ("hydrate", "hydrate_and_load")}


def protected_states(signed_in: bool, is_admin: bool) -> list[type[rx.State]]:
    """The states a client may not keep: admin states without an admin session; operator states too when
    sign-in is required and the client has no session at all."""
    out = [] if is_admin else roles.admin_states()
    if not signed_in and operator_login_required():
        out += roles.operator_states()
    return out


def _target(event_name: str):
    """`(state class, handler name, is admin state)` for an event on a protected state's non-public handler
    (operator states count only when sign-in is required), else None."""
    admin = roles.state_of_event(event_name, roles.admin_states())
    found = admin or (roles.state_of_event(event_name, roles.operator_states()) if operator_login_required()
                      else None)
    if found is None or (found[2] is not None and roles.is_public_handler(found[2])):
        return None
    return found[0], found[1], admin is not None


class AdminDataMiddleware(Middleware):
    """Clears the states a client may not keep (see the module docstring); refuses `setvar` on admin states."""

    async def preprocess(self, app, state, event: Event) -> StateUpdate | None:
        target = None
        if event.name not in _hydrate_names() and (target := _target(event.name)) is None:
            return None
        principal = current_user(state, touch=False)  # the handler's own guard decides on activity
        signed_in, is_admin = principal is not None, principal is not None and principal.is_admin
        classes = protected_states(signed_in, is_admin)
        if target is not None and not target[2] and signed_in:
            classes = []  # a signed-in user's event on an operator page: nothing to clear
        if classes and (cleared := await roles.reset_states(state, classes)):
            logger.info("cleared %d var(s) of a client without the session they need (%s)", cleared,
                        event.name.rpartition(".")[2])
        if target is not None and target[2] and target[1] == "setvar":
            logger.warning("refused setvar on admin state %s", target[0].__name__)
            events = [] if is_admin else Event.from_event_type(admin_refusal(state))
            return StateUpdate(delta=await state._get_resolved_delta(), events=events)
        return None
