"""Toasts from server handlers without code: `return toast.success("Saved.")` instead of `rx.toast.success(…)`.

Reflex delivers the toast a handler returns (`rx.toast…`) as a string of JavaScript that its client `eval`s, which
the Content-Security-Policy forbids (`web/csp.py`: no `'unsafe-eval'`). Here a handler returns an event of
`ToastState` instead; Reflex runs it on the server right after the handler (a backend event is queued there, not
sent to the browser), and it only sets `ToastState.toast` — data: level and text. `components/toaster.py`, in
every page, watches that var and shows it with the page's own toaster (Sonner), as text.

A client may call `ToastState.show` itself: it can only show itself a toast, as text. The module has no
`from __future__ import annotations`: Reflex checks `backend_error`'s annotations as classes.
"""

import dataclasses
import logging

import reflex as rx
from reflex_base.event import EventSpec

logger = logging.getLogger("resync.toast")
LEVELS = ("success", "info", "warning", "error")
MAX_CHARS = 500
BACKEND_ERROR = "Something went wrong on the server. Try again; if it persists, ask an admin to look at the log."


@dataclasses.dataclass
class Toast:
    id: int = 0  # 0 = none yet; each toast of a tab has the next number
    level: str = "info"
    message: str = ""


class ToastState(rx.State):
    """The tab's latest toast (the page shows each new one once)."""

    toast: Toast = Toast()

    @rx.event
    def show(self, level: str, message: str):
        self.toast = Toast(self.toast.id + 1, level if level in LEVELS else "info", str(message)[:MAX_CHARS])


def success(message: str) -> EventSpec:
    return ToastState.show("success", message)


def info(message: str) -> EventSpec:
    return ToastState.show("info", message)


def warning(message: str) -> EventSpec:
    return ToastState.show("warning", message)


def error(message: str) -> EventSpec:
    return ToastState.show("error", message)


def backend_error(exception: Exception) -> EventSpec:
    """`rx.App(backend_exception_handler=…)`: an event handler raised. Logged with its traceback; the user sees a
    toast that names nothing of it (Reflex's default handler sends a toast as code)."""
    logger.error("event handler failed", exc_info=exception)
    return error(BACKEND_ERROR)
