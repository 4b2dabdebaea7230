"""The operator frame's "signed in as … / Sign in" corner: who is looking, and nothing else.

Fired once when an operator page mounts (not an `on_load`, so pages keep their own). It only reads the session
behind the websocket's cookie; it never redirects and never loads admin data. Roles plug in at `viewer()` and
`corner_label()`: today only an admin session counts as signed in; the operator role comes with the operator
users (issue 11).
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from resync_app.auth.sessions import Principal
from resync_app.state.guard import current_admin


def viewer(state: rx.State) -> Principal | None:
    """Who is signed in on this client (None = anonymous)."""
    return current_admin(state)


def corner_label(principal: Principal | None) -> str:
    """The corner's text for this viewer; "" shows the Sign in link instead."""
    if principal is None:
        return ""
    return f"Signed in as {principal.username}"


class OperatorFrameState(rx.State):
    """Display only: the corner's label (the session itself never leaves the server)."""

    viewer_label: str = ""
    viewer_checked: bool = False  # the corner stays empty until the server has answered (no "Sign in" flash)

    @rx.event
    def identify(self):
        """`on_mount` of the operator frame."""
        self.viewer_label = corner_label(viewer(self))
        self.viewer_checked = True

    @rx.var
    def sign_in_href(self) -> str:
        """/login, coming back to this page after signing in."""
        path = self.router.url.path.rstrip("/") or "/"  # the production build serves /monitoring/
        return f"/login?next={quote(path, safe='/')}"
