"""The server-side admin check used by every admin event handler and `on_load` (Reflex front door).

Any client can call any event handler, so each admin handler is wrapped by `admin_event`: the session
cookie that came with the websocket handshake is resolved on the server; without a live admin session the
handler body does not run and the client is sent to /login.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import sys
from urllib.parse import quote

import reflex as rx
from starlette.requests import cookie_parser

from resync_app.auth import sessions
from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.settings import get_settings, origin_of

logger = logging.getLogger("resync.guard")
_acting: contextvars.ContextVar[sessions.Principal | None] = contextvars.ContextVar("acting_admin", default=None)


def acting_admin() -> sessions.Principal:
    """The admin an `admin_event` handler runs for (set by the guard before the body runs)."""
    principal = _acting.get()
    if principal is None:
        raise RuntimeError("acting_admin() called outside an admin_event handler")
    return principal


def session_token(cookie_header: str | None) -> str | None:
    """The session cookie's value in a Cookie header, parsed leniently as Starlette (and browsers) do: a
    malformed cookie set by anything else on the host must not hide ours (SimpleCookie drops the whole header)."""
    return cookie_parser(cookie_header or "").get(SESSION_COOKIE) or None


def _cookie_token(state: rx.State) -> str | None:
    return session_token(state.router.headers.cookie)


def foreign_origin(state: rx.State) -> bool:
    """Whether this client's websocket was opened from a page of another origin. The socket server refuses
    those already (`cors_allowed_origins` in rxconfig.py); this second check keeps admin handlers shut even if
    that setting is overridden (REFLEX_CORS_ALLOWED_ORIGINS=*)."""
    origin = state.router.headers.origin
    return bool(origin) and origin_of(origin) not in get_settings().allowed_origins


def current_admin(state: rx.State, touch: bool = True) -> sessions.Principal | None:
    """The admin behind this client's session cookie, checked against the database now. `touch=False`: a
    check that does not count as activity (background refreshes)."""
    if foreign_origin(state):
        return None
    principal = sessions.resolve(_cookie_token(state), "session", touch=touch)
    return principal if principal is not None and principal.is_admin else None


def _event_namespace():
    """Reflex's event namespace of the running app (None outside the server, e.g. in unit tests)."""
    module = sys.modules.get("resync_app.resync_app")
    return getattr(getattr(module, "app", None), "event_namespace", None)


async def client_connected(state: rx.State) -> bool:
    """Whether this client's tab still has a websocket open (on any worker, through Reflex's token manager)."""
    namespace = _event_namespace()
    token = state.router.session.client_token
    if namespace is None or not token:
        return True
    return await namespace._token_manager.is_token_connected(token)


async def refresh_stops(state: rx.State, task: str) -> bool:
    """For a background refresh task, before each refresh: True (logged) when it must end because the session
    ended or the client is gone. The session is checked without extending it: only user actions keep a
    session alive, and Reflex does not stop a background task when its tab closes."""
    if current_admin(state, touch=False) is None:
        from resync_app.state.admin_data import clear_admin_data

        reason = "the session ended"
        await clear_admin_data(state)  # what the tab shows goes too
    elif not await client_connected(state):
        reason = "the client is gone"
    else:
        return False
    logger.info("background refresh %s stopped: %s", task, reason)
    return True



def _newest_loop_on(state: rx.State, watch_id: int, route: str) -> bool:
    return getattr(state, "_watch_id", None) == watch_id and state.router.url.path.rstrip("/") == route


async def still_watching(state: rx.State, watch_id: int, route: str) -> bool:
    """A page's live-refresh loop goes on only while it is the tab's newest loop, the tab is still on `route` and
    `refresh_stops` lets it (session alive — checked without extending it — and the client connected). Call it
    inside `async with state:`."""
    if not _newest_loop_on(state, watch_id, route):
        return False
    return not await refresh_stops(state, route)


async def still_viewing(state: rx.State, watch_id: int, route: str) -> bool:
    """`still_watching` for an operator page, which needs no session: the tab's newest loop, still on `route`,
    client still connected. Call it inside `async with state:`."""
    return _newest_loop_on(state, watch_id, route) and await client_connected(state)

def login_redirect(state: rx.State):
    """Send the client to /login, coming back to the page it was on."""
    path = state.router.url.path or "/admin"
    if not path.startswith("/admin"):
        path = "/admin"
    return rx.redirect(f"/login?next={quote(path, safe='/')}")


def _refuse(state: rx.State, handler: str):
    logger.warning("refused admin event %s from %s: no admin session", handler, state.router.session.client_ip)
    return login_redirect(state)


def admin_event(fn):
    """Run `fn` only for a client with a live admin session; inside, `acting_admin()` names the admin. The
    wrapped handler is marked, so that its state counts as an admin state (`admin_states`)."""
    name = fn.__qualname__

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            if (principal := current_admin(self)) is None:
                yield _refuse(self, name)
                return
            _acting.set(principal)
            async for item in fn(self, *args, **kwargs):
                yield item

    elif inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            if (principal := current_admin(self)) is None:
                return _refuse(self, name)
            _acting.set(principal)
            return await fn(self, *args, **kwargs)

    elif inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if (principal := current_admin(self)) is None:
                yield _refuse(self, name)
                return
            _acting.set(principal)
            yield from fn(self, *args, **kwargs)

    else:

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if (principal := current_admin(self)) is None:
                return _refuse(self, name)
            _acting.set(principal)
            return fn(self, *args, **kwargs)

    wrapper._resync_admin_event = True
    return wrapper


def public_event(fn):
    """Mark a handler of an admin state that anyone may call on purpose (e.g. the /login page's `on_load`)."""
    fn._resync_public_event = True
    return fn


def is_admin_handler(handler) -> bool:
    return bool(getattr(handler.fn, "_resync_admin_event", False))


def is_public_handler(handler) -> bool:
    return bool(getattr(handler.fn, "_resync_public_event", False))


def admin_states() -> list[type[rx.State]]:
    """Every state of the app with a handler wrapped by `admin_event`, found in the state tree itself (so a
    new admin state needs no list to be edited): the states whose data is an admin's."""
    found = []

    def walk(state: type[rx.State]) -> None:
        for sub in sorted(state.get_substates(), key=lambda s: s.get_full_name()):
            if any(is_admin_handler(h) for h in sub.event_handlers.values()):
                found.append(sub)
            walk(sub)

    walk(rx.State)
    return found
