"""The server-side checks of every guarded event handler and `on_load` (Reflex front door).

Any client can call any event handler, so each admin handler is wrapped by `admin_event` and each handler that
changes TWS by `operator_event`: the session cookie that came with the websocket handshake is resolved on the
server; without a live session of the right role the handler body does not run. An anonymous client is sent to
/login; an operator refused an admin handler is sent to the operator side (`/`). `operator_read_event` guards
operator reads, closed to anonymous clients only under RESYNC_OPERATOR_LOGIN=required; `live_viewers` is the same
rule for the live fan-out's rooms (one query per room). `guarded` is the wrapper they share (the rate limits of
`event_limits` use it too); which states they make admin or operator states: `roles`.
"""

from __future__ import annotations

import asyncio
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
from resync_app.state import roles
from resync_app.state.socket_client import client_address

logger = logging.getLogger("resync.guard")
_acting: contextvars.ContextVar[sessions.Principal | None] = contextvars.ContextVar("acting_user", default=None)


def acting_user() -> sessions.Principal:
    """The user an `operator_event` (or `admin_event`) handler runs for (set by the guard before the body)."""
    principal = _acting.get()
    if principal is None:
        raise RuntimeError("acting_user() called outside an operator_event or admin_event handler")
    return principal


def acting_admin() -> sessions.Principal:
    """The admin an `admin_event` handler runs for (set by the guard before the body runs)."""
    principal = _acting.get()
    if principal is None or not principal.is_admin:
        raise RuntimeError("acting_admin() called outside an admin_event handler")
    return principal


def session_token(cookie_header: str | None) -> str | None:
    """The session cookie's value in a Cookie header, parsed leniently as Starlette (and browsers) do: a
    malformed cookie set by anything else on the host must not hide ours (SimpleCookie drops the whole header)."""
    return cookie_parser(cookie_header or "").get(SESSION_COOKIE) or None


def session_cookie(state: rx.State) -> str | None:
    """The session cookie this client's websocket was opened with (None: anonymous)."""
    return session_token(state.router.headers.cookie)


def foreign_origin(state: rx.State) -> bool:
    """Whether this client's websocket was opened from a page of another origin. The socket server refuses
    those already (`cors_allowed_origins` in rxconfig.py); this second check keeps admin handlers shut even if
    that setting is overridden (REFLEX_CORS_ALLOWED_ORIGINS=*)."""
    origin = state.router.headers.origin
    return bool(origin) and origin_of(origin) not in get_settings().allowed_origins


def current_user(state: rx.State, touch: bool = True) -> sessions.Principal | None:
    """The signed-in user (admin or operator) behind this client's session cookie, checked against the database
    now (a disabled account or an ended session is None). `touch=False`: a check that does not count as
    activity (background refreshes)."""
    if foreign_origin(state):
        return None
    return sessions.resolve(session_cookie(state), "session", touch=touch)


def current_admin(state: rx.State, touch: bool = True) -> sessions.Principal | None:
    """The admin behind this client's session cookie (an operator's session is None), checked now."""
    principal = current_user(state, touch=touch)
    return principal if principal is not None and principal.is_admin else None


def operator_login_required() -> bool:
    return get_settings().operator_login_required


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
        reason = "the session ended"
        await roles.reset_states(state, roles.admin_states())  # what the tab shows goes too
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


async def follow(state: rx.State, watch_id: int, route: str, topic: str, refresh, *, timeout_s: float,
                 min_interval_s: float) -> None:
    """The body of a page's live-refresh loop (an `admin_watch` background handler its `load` starts): after each
    message on the feed `topic` (or every `timeout_s` without one) run `refresh()` (plain or async) under the
    state's lock while `still_watching`, then rest `min_interval_s` so a busy topic does not redraw constantly."""
    from resync_app.events import feed

    seen = feed.seq(topic)
    while True:
        seen = await feed.wait_for(topic, seen, timeout_s)
        async with state:
            if not await still_watching(state, watch_id, route):
                return
            done = refresh()
            if inspect.isawaitable(done):
                await done
        await asyncio.sleep(min_interval_s)


async def still_viewing(state: rx.State, watch_id: int, route: str) -> bool:
    """`still_watching` for an operator page: the tab's newest loop, still on `route`, client still connected,
    and — with RESYNC_OPERATOR_LOGIN=required — a user still signed in (checked without extending the session).
    Call it inside `async with state:`."""
    if not _newest_loop_on(state, watch_id, route):
        return False
    if operator_login_required() and current_user(state, touch=False) is None:
        await roles.reset_states(state, roles.operator_states())  # what the tab shows goes too
        return False
    return await client_connected(state)


def live_viewers(cookies: dict[str, str | None]) -> set[str]:
    """Which of these clients (id -> the session cookie of its websocket handshake) may still see operator data:
    all of them, unless RESYNC_OPERATOR_LOGIN=required; then those whose session is still live (ONE query for
    all of them, without extending any session). The live fan-out asks this before every push."""
    if not operator_login_required():
        return set(cookies)
    live = sessions.live_sessions([raw for raw in cookies.values() if raw])
    return {client for client, raw in cookies.items() if raw and raw in live}


def login_redirect(state: rx.State, default: str = "/admin"):
    """Send the client to /login, coming back to the page it was on (an /admin page for the admin guard, an
    operator page for the operator guards)."""
    path = state.router.url.path.rstrip("/") or "/"
    if path.startswith("/admin") != default.startswith("/admin") or path == "/login":
        path = default
    return rx.redirect(f"/login?next={quote(path, safe='/')}")


def admin_refusal(state: rx.State):
    """Where a client refused an admin handler goes: anonymous → /login; a signed-in operator → the operator
    side."""
    return rx.redirect("/") if current_user(state, touch=False) is not None else login_redirect(state)


def _refuse_admin(state: rx.State, handler: str):
    logger.warning("refused admin event %s from %s: no admin session", handler, client_address(state))
    return admin_refusal(state)


def _refuse_operator(state: rx.State, handler: str):
    logger.warning("refused operator event %s from %s: not signed in", handler, client_address(state))
    return login_redirect(state, default="/")


def _for_admin(state: rx.State) -> sessions.Principal | None:
    return current_admin(state)


def _for_reader(state: rx.State) -> sessions.Principal | bool | None:
    """Who may read the operator side: anyone (True), unless sign-in is required."""
    return current_user(state) if operator_login_required() else True


def guarded(fn, allowed, refuse, mark: str, *, acting: bool = True):
    """Wrap a handler of any kind (plain, coroutine, generator, async generator) so that its body runs only when
    `allowed(state)` is not None; otherwise what `refuse(state, handler name)` returns is the handler's answer.
    With `acting`, the principal found is what `acting_user()` answers inside. The wrapper carries `mark`."""
    name = fn.__qualname__

    def admit(self):
        principal = allowed(self)
        if principal is None:
            return False
        if acting:
            _acting.set(principal if isinstance(principal, sessions.Principal) else None)
        return True

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            if not admit(self):
                yield refuse(self, name)
                return
            async for item in fn(self, *args, **kwargs):
                yield item

    elif inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def wrapper(self, *args, **kwargs):
            if not admit(self):
                return refuse(self, name)
            return await fn(self, *args, **kwargs)

    elif inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if not admit(self):
                yield refuse(self, name)
                return
            yield from fn(self, *args, **kwargs)

    else:

        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            if not admit(self):
                return refuse(self, name)
            return fn(self, *args, **kwargs)

    setattr(wrapper, mark, True)
    return wrapper


def admin_event(fn):
    """Run `fn` only for a client with a live admin session; inside, `acting_admin()` names the admin. The
    wrapped handler is marked, so that its state counts as an admin state (`admin_states`)."""
    return guarded(fn, _for_admin, _refuse_admin, roles.ADMIN_MARK)


def admin_watch(fn):
    """`admin_event` for a page's live-refresh loop (a background handler its `load` starts): the session is
    checked without extending it, since a refresh loop is not a user action (the `load` that started it was)."""
    return guarded(fn, lambda state: current_admin(state, touch=False), _refuse_admin, roles.ADMIN_MARK)


def operator_event(fn):
    """Run `fn` (something that changes TWS) only for a signed-in operator or admin; inside, `acting_user()`
    names them. Otherwise nothing runs and the client is sent to /login."""
    return guarded(fn, current_user, _refuse_operator, roles.OPERATOR_MARK)


def operator_read_event(fn):
    """Run `fn` (an operator read: loading a page's data) for anyone, unless RESYNC_OPERATOR_LOGIN=required and
    the client is anonymous (then nothing runs and it is sent to /login). `acting_user()` is not set here."""
    return guarded(fn, _for_reader, _refuse_operator, roles.OPERATOR_READ_MARK)


def public_event(fn):
    """Mark a handler of an admin state that anyone may call on purpose (e.g. the /login page's `on_load`)."""
    setattr(fn, roles.PUBLIC_MARK, True)
    return fn
