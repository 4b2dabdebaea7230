"""Who is signed in, for the admin shell (`SessionState`), and the /login page's own state (`LoginState`)."""

from __future__ import annotations

import re

import reflex as rx

from resync_app.api.auth import landing_page, safe_next
from resync_app.state.guard import acting_admin, admin_event, current_user

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
        """`on_load` of every admin page: no live session → /login, an operator's → / (and nothing is loaded)."""
        self.admin_name = acting_admin().username


class LoginState(rx.State):
    """The /login page: anyone may use it (no admin data here)."""

    @rx.event
    def check_login_page(self):
        """`on_load` of /login: a user who is already signed in goes straight on (an operator to the operator
        side)."""
        if (principal := current_user(self)) is not None:
            return rx.redirect(landing_page(principal, self.router.url.query_parameters.get("next")))
        return None

    @rx.var
    def login_next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next"))

    @rx.var
    def login_message(self) -> str:
        params = self.router.url.query_parameters
        return login_message(params.get("error", ""), params.get("retry", ""))

    @rx.var
    def signed_out(self) -> bool:
        return self.router.url.query_parameters.get("signed_out") == "1"


def login_message(error: str, retry: str) -> str:
    """The /login page's message for `?error=…&retry=…` (anything a visitor puts in the URL)."""
    if error == "locked":
        # only ASCII digits: str.isdigit() accepts "²", which int() refuses
        minutes = max(1, round(int(retry) / 60)) if re.fullmatch(r"[0-9]{1,7}", retry or "") else 15
        return f"Too many failed sign-ins for this username. Try again in about {minutes} minute(s)."
    return _LOGIN_ERRORS.get(error, "")
