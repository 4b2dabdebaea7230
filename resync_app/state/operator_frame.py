"""The operator frame's "signed in as … / Sign in" corner, and the operator pages' sign-in gate.

`identify` fires once when an operator page mounts (not an `on_load`, so pages keep their own). It only reads the
session behind the websocket's cookie; it never redirects and never loads admin data. `require_sign_in` is the
first `on_load` of every operator page: it lets anyone in, unless RESYNC_OPERATOR_LOGIN=required and the client is
anonymous (then → /login, coming back after signing in).
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from resync_app.auth.sessions import Principal
from resync_app.state.guard import current_user, login_redirect, operator_login_required
from resync_app.state.roles import holds_operator_data


def viewer(state: rx.State) -> Principal | None:
    """Who is signed in on this client (None = anonymous): an operator or an admin."""
    return current_user(state)


def corner_label(principal: Principal | None) -> str:
    """The corner's text for this viewer; "" shows the Sign in link instead."""
    if principal is None:
        return ""
    return f"Signed in as {principal.username} ({principal.role})"


@holds_operator_data  # who is signed in: gone with the session when operators must sign in
class OperatorFrameState(rx.State):
    """Display only: the corner's label (the session itself never leaves the server)."""

    viewer_label: str = ""
    viewer_checked: bool = False  # the corner stays empty until the server has answered (no "Sign in" flash)

    @rx.event
    def identify(self):
        """`on_mount` of the operator frame."""
        self.viewer_label = corner_label(viewer(self))
        self.viewer_checked = True

    @rx.event
    def require_sign_in(self):
        """First `on_load` of every operator page: under RESYNC_OPERATOR_LOGIN=required an anonymous client goes
        to /login (and the page's other `on_load` handlers should be `guard.operator_read_event`s)."""
        if operator_login_required() and current_user(self) is None:
            return login_redirect(self, default="/")
        return None

    @rx.var
    def sign_in_href(self) -> str:
        """/login, coming back to this page after signing in."""
        path = self.router.url.path.rstrip("/") or "/"  # the production build serves /monitoring/
        return f"/login?next={quote(path, safe='/')}"
