"""NUL characters never reach a handler from the websocket (the Reflex side of the REST API's input_guard):
they are stripped from every event's payload before it is handled. PostgreSQL cannot store them, and no field
typed in a page has a use for them."""

from __future__ import annotations

from typing import Any

from reflex.middleware.middleware import Middleware


def strip_nul(value: Any) -> Any:
    """The value with NUL removed from every string in it (dicts and lists rebuilt, other values as they are)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(strip_nul(v) for v in value)
    return value


class StripNulMiddleware(Middleware):
    async def preprocess(self, app, state, event):
        payload = event.payload
        if isinstance(payload, dict):
            clean = strip_nul(payload)
            if clean != payload:
                payload.clear()
                payload.update(clean)
        return None
