"""Whose data each state of the app holds, and resetting a tab's states to their defaults (Reflex front door).

A state holds **admin data** when one of its handlers is wrapped by `guard.admin_event`/`admin_watch`, or when it
is declared with `@holds_admin_data`; it holds **operator data** when (not being an admin state) a handler is an
`operator_event`/`operator_read_event`, or it is declared with `@holds_operator_data` (a state whose handlers are
public on purpose, e.g. the operator frame's corner). Found in the state tree itself, so a new state needs no
list to be edited; `tests/unit/test_tab_data.py` checks, page by page, that every state an /admin page uses is an
admin state and every state an operator page uses an operator state.

This module imports no other state module: `guard` (the checks) and `admin_data` (the middleware) both use it,
so neither imports the other's importer.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

# the marks `guard` puts on the handlers it wraps
ADMIN_MARK = "_resync_admin_event"
OPERATOR_MARK = "_resync_operator_event"
OPERATOR_READ_MARK = "_resync_operator_read_event"
PUBLIC_MARK = "_resync_public_event"
_ROUTER_FIELDS = {"router_data", "rx_router_session", "rx_router_headers", "rx_router_page", "rx_router_url",
                  "rx_router_route_id", "is_hydrated"}
_declared: dict[str, str] = {}  # state full name -> "admin" | "operator"


def holds_admin_data(cls: type[rx.State]) -> type[rx.State]:
    """Class decorator: this state holds an admin's data even if none of its handlers is an `admin_event`."""
    _declared[cls.get_full_name()] = "admin"
    return cls


def holds_operator_data(cls: type[rx.State]) -> type[rx.State]:
    """Class decorator: this state holds what an operator page shows (closed to anonymous clients under
    RESYNC_OPERATOR_LOGIN=required) even if its handlers are not operator events."""
    _declared[cls.get_full_name()] = "operator"
    return cls


def _marked(handler, *marks: str) -> bool:
    return any(getattr(handler.fn, mark, False) for mark in marks)


def is_admin_handler(handler) -> bool:
    return _marked(handler, ADMIN_MARK)


def is_operator_handler(handler) -> bool:
    return _marked(handler, OPERATOR_MARK, OPERATOR_READ_MARK)


def is_public_handler(handler) -> bool:
    return _marked(handler, PUBLIC_MARK)


def _walk() -> list[type[rx.State]]:
    found: list[type[rx.State]] = []

    def walk(state: type[rx.State]) -> None:
        for sub in sorted(state.get_substates(), key=lambda s: s.get_full_name()):
            found.append(sub)
            walk(sub)

    walk(rx.State)
    return found


def _is_admin(cls: type[rx.State]) -> bool:
    return (_declared.get(cls.get_full_name()) == "admin"
            or any(is_admin_handler(h) for h in cls.event_handlers.values()))


def admin_states() -> list[type[rx.State]]:
    """Every state of the app that holds an admin's data (see the module docstring)."""
    return [cls for cls in _walk() if _is_admin(cls)]


def operator_states() -> list[type[rx.State]]:
    """Every state of the app that holds what an operator page shows (see the module docstring)."""
    return [cls for cls in _walk() if not _is_admin(cls) and (
        _declared.get(cls.get_full_name()) == "operator"
        or any(is_operator_handler(h) for h in cls.event_handlers.values()))]


def state_of_event(event_name: str, classes: list[type[rx.State]]):
    """`(state class, handler name, handler or None)` when the event targets one of `classes`, else None."""
    state_name, _, handler_name = event_name.rpartition(".")
    for cls in classes:
        if cls.get_full_name() == state_name:
            return cls, handler_name, cls.event_handlers.get(handler_name)
    return None


def _differs(value: Any, default: Any) -> bool:
    try:
        return bool(value != default)
    except Exception:  # e.g. objects without a usable equality: reset them anyway
        return True


async def reset_states(state: rx.State, classes: list[type[rx.State]]) -> int:
    """Reset these states of this client (any state of its tree) to their defaults, backend vars included;
    only vars that differ are touched, so a client that holds nothing gets no delta. Returns how many vars."""
    cleared = 0
    for cls in classes:
        sub = await state.get_state(cls)
        for name, field in cls.__fields__.items():
            if field._owner is not cls or name in _ROUTER_FIELDS:
                continue
            default = field.default_value()
            if _differs(getattr(sub, name), default):
                setattr(sub, name, default)
                cleared += 1
    return cleared
