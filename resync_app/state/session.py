"""Who is signed in, for the admin shell and the /login page."""

from __future__ import annotations

import reflex as rx

from resync_app.api.auth import safe_next
from resync_app.state.guard import admin_event, acting_admin, current_admin

_LOGIN_ERRORS = {
    "invalid": "Invalid username or password.",
    "origin": "The sign-in form must be sent from this site. Reload the page and try again.",
}


class SessionState(rx.State):
    """The signed-in admin's name (display only; the session itself never leaves the server)."""

    admin_name: str = ""

    @rx.event
    @admin_event
    def check_admin(self):
        """`on_load` of every admin page: no live session → /login (and nothing is loaded)."""
        self.admin_name = acting_admin().username

    @rx.event
    def check_login_page(self):
        """`on_load` of /login: an admin who is already signed in goes straight on."""
        if current_admin(self) is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))
        self.admin_name = ""

    @rx.var
    def login_next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next"))

    @rx.var
    def login_message(self) -> str:
        params = self.router.url.query_parameters
        error = params.get("error", "")
        if error == "locked":
            seconds = params.get("retry", "")
            minutes = max(1, round(int(seconds) / 60)) if seconds.isdigit() else 15
            return f"Too many failed sign-ins for this username. Try again in about {minutes} minute(s)."
        return _LOGIN_ERRORS.get(error, "")

    @rx.var
    def signed_out(self) -> bool:
        return self.router.url.query_parameters.get("signed_out") == "1"
