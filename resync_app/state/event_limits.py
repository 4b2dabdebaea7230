"""Rate limits of the Reflex event handlers: the limits of the REST routes they mirror, in the same counters.

Any client can call any handler over the websocket, as often as it likes. A handler that does what a REST route
does (a page of jobs, a job's detail and log from TWS, the metrics summary, a chat question) counts against the
per-client limit of that route — its *twin* — in the same counters: `limited(twin)` classifies the twin's path
with `web.routes.limit_classes` (the one table of route classes) and asks `web.ratelimit.get_limiter()` (the
limiter of the REST edge) for the client's address taken from the websocket handshake
(`socket_client.client_address`, RESYNC_TRUSTED_PROXIES honoured). So 100 job logs a minute is 100 whether they
are asked over REST, over the socket, or both. A refused call does nothing and says so in the page: a toast,
and the state's `notice` var when one is named.

Handlers that only change what the tab shows (typing in a search box, closing a drawer) are not counted.
"""

from __future__ import annotations

import contextvars

import reflex as rx

from resync_app import metrics
from resync_app.config.store import setting
from resync_app.state import toast
from resync_app.state.guard import guarded
from resync_app.state.socket_client import client_address
from resync_app.web.ratelimit import Decision, get_limiter
from resync_app.web.routes import limit_classes

LIMITED_MARK = "_resync_rate_limited"
_refusal: contextvars.ContextVar[str | None] = contextvars.ContextVar("rate_limit_refusal", default=None)


def check(state: rx.State, twin: str) -> Decision:
    """Count one call of this client against the limits of the REST route `twin` (a path); a refusal is
    counted in the metrics like a refused request."""
    decision = get_limiter().check(client_address(state), limit_classes(twin, None), setting)
    if not decision.allowed:
        metrics.count_rate_limited(decision.route_class)
    return decision


def limited(twin: str, *, notice: str | None = None):
    """Decorator (inside the guard): run the handler only while this client is within the limits of the REST
    route `twin`; otherwise answer with the refusal: a toast, and the var `notice` set to it (name one only on a
    foreground handler: a background one may not change its state outside `async with self`)."""

    def wrap(fn):
        def allowed(state: rx.State):
            decision = check(state, twin)
            _refusal.set(None if decision.allowed else decision.detail())
            return True if decision.allowed else None

        def refuse(state: rx.State, _handler: str):
            detail = _refusal.get() or "Too many requests: try again in a minute."
            if notice:
                setattr(state, notice, detail)
            return toast.error(detail)

        return guarded(fn, allowed, refuse, LIMITED_MARK, acting=False)

    return wrap
