"""Users page state (/admin/users): the accounts, add a user, disable / enable, change role, reset password.

Every rule is the service's (`auth/users.py`: validation, the last-admin and not-yourself guards, audit). Passwords
never travel through the websocket: the Add and Reset dialogs are submitted by the browser itself over HTTP with
the session cookie (`POST /api/v1/ui/users`, `POST /api/v1/ui/users/{name}/password`); `saved` receives only the
outcome.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from resync_app.auth import users
from resync_app.state.guard import acting_admin, admin_event
from resync_app.state.socket_client import client_address

ADD = "__add__"  # `dialog` value of the Add user dialog; otherwise the name whose password is being reset


@dataclasses.dataclass
class UserRow:
    username: str = ""
    role: str = ""
    disabled: bool = False
    created: str = ""
    last_sign_in: str = ""
    me: bool = False  # the signed-in admin's own row (cannot be disabled or demoted from here)


def _when(iso: str | None) -> str:
    return (iso[:16].replace("T", " ") + " UTC") if iso else "never"


class UsersState(rx.State):
    """The accounts (no hash, no password) and the open dialog."""

    rows: list[UserRow] = []
    dialog: str = ""
    form_message: str = ""

    def _actor(self) -> users.Actor:
        return users.Actor(acting_admin().username, client_address(self))

    def _load(self) -> None:
        me = acting_admin().username
        self.rows = [UserRow(username=u["username"], role=u["role"], disabled=u["disabled"],
                             created=_when(u["created_at"]), last_sign_in=_when(u["last_login_at"]),
                             me=u["username"] == me)
                     for u in users.list_users()]

    @rx.event
    @admin_event
    def load(self):
        self._load()

    @rx.event
    @admin_event
    def open_dialog(self, which: str, is_open: bool = True):
        """Open the Add dialog (`ADD`) or the Reset password dialog of a user; close with `is_open=False`."""
        known = which == ADD or any(r.username == which for r in self.rows)
        self.dialog = which if is_open and known else ""
        self.form_message = ""

    @rx.event
    @admin_event
    def saved(self, outcome: dict[str, Any]):
        """The outcome of a dialog's HTTP POST (the password never comes through here)."""
        if not isinstance(outcome, dict):
            return None
        if not outcome.get("ok"):
            self.form_message = str(outcome.get("message") or "Nothing was changed.")[:400]
            return None
        name = str(outcome.get("username", ""))[:150]
        was_add = self.dialog == ADD
        self.dialog, self.form_message = "", ""
        self._load()
        if was_add:
            return rx.toast.success(f"User {name} added.")
        return rx.toast.success(f"Password of {name} reset; their sessions were ended.")

    @rx.event
    @admin_event
    def set_disabled(self, username: str, disabled: bool):
        try:
            users.set_disabled(str(username), bool(disabled), self._actor())
        except users.UserError as exc:
            return rx.toast.error(str(exc))
        finally:
            self._load()
        return rx.toast.success(f"{username} {'disabled: their sessions were ended' if disabled else 'enabled'}.")

    @rx.event
    @admin_event
    def set_role(self, username: str, role: str):
        try:
            users.set_role(str(username), str(role), self._actor())
        except users.UserError as exc:
            return rx.toast.error(str(exc))
        finally:
            self._load()
        return rx.toast.success(f"{username} is now an {role}.")  # the service accepted it: admin or operator
