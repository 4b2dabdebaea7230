"""Browser-side code without `eval`: `call_js(expression_js, callback)`, the drop-in for `rx.call_script`.

`rx.call_script("…")` ships its code as a string that Reflex's client `eval`s, which the Content-Security-Policy
forbids (`web/csp.py`: no `'unsafe-eval'`). `call_js` compiles the code AND the callback into the page bundle
instead: `expression_js` is a JavaScript expression written by us (e.g. an async arrow function called at once;
never text from a user or a state var), evaluated when the event runs; its (awaited) value goes to `callback`, an
event handler, as `rx.call_script` would pass it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec
from reflex_base.utils import format
from reflex_base.vars.base import Var


def call_js(expression_js: str, callback: Any = None) -> EventSpec:
    """An event that evaluates `expression_js` in the browser and hands its value to `callback`."""
    spec = rx.call_function(Var(_js_expr=f"(() => ({expression_js}))"))
    if callback is None:
        return spec
    handler = format.format_queue_events(callback, args_spec=lambda result: [result])
    return dataclasses.replace(spec, args=tuple((name, handler if str(name) == "callback" else value)
                                                for name, value in spec.args))
