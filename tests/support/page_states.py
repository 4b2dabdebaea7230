"""Which states each page of the app uses, found by evaluating the pages as Reflex compiles them: every var a
page's components read (their var data names the state) and every state its `on_load` handlers belong to.

This is how the tests enumerate the admin states (every state a page under /admin uses) and the operator states
(every state an operator page uses) by ROUTE, independently of how the app marks them (`state/roles.py`): a new
admin state whose handlers are all unwrapped still shows up here.
"""

from __future__ import annotations

import functools

import reflex as rx

ROOT_STATE = rx.State.get_full_name()  # the router only: every page reads it


def _all_states() -> dict[str, type[rx.State]]:
    found: dict[str, type[rx.State]] = {}

    def walk(state: type[rx.State]) -> None:
        for sub in state.get_substates():
            found[sub.get_full_name()] = sub
            walk(sub)

    walk(rx.State)
    return found


def _component_states(component) -> set[str]:
    names: set[str] = set()
    stack = [component]
    while stack:
        node = stack.pop()
        for var in node._get_vars(include_children=False):
            data = var._get_all_var_data()
            if data is not None and data.state:
                names.add(data.state)
        stack.extend(getattr(node, "children", None) or [])
    return names


@functools.cache
def states_by_route() -> dict[str, frozenset[type[rx.State]]]:
    """Route ("/admin/audit", "/", …) -> the app's states that page uses (the root router state left out)."""
    import resync_app.resync_app as app_module
    from reflex.compiler import compiler

    app = app_module.app
    classes = _all_states()
    out: dict[str, frozenset[type[rx.State]]] = {}
    for route, page in sorted(app._unevaluated_pages.items()):
        component = compiler.compile_unevaluated_page(route, page, app.style, None)
        names = _component_states(component)
        on_load = page.on_load if isinstance(page.on_load, list | tuple) else [page.on_load]
        names |= {handler.state_full_name for handler in on_load or [] if getattr(handler, "state_full_name", None)}
        path = "/" + ("" if route == "index" else route.strip("/"))
        out[path] = frozenset(classes[name] for name in names if name != ROOT_STATE and name in classes)
    return out


def admin_routes() -> list[str]:
    return [route for route in states_by_route() if route == "/admin" or route.startswith("/admin/")]


def operator_routes() -> list[str]:
    return [route for route in states_by_route() if route not in admin_routes() and route != "/login"]


def states_of(routes: list[str]) -> set[type[rx.State]]:
    table = states_by_route()
    return {state for route in routes for state in table[route]}
