"""/admin/users: the accounts — add operators and admins, disable / enable, change role, reset a password."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, section
from resync_app.components.layout import admin_page
from resync_app.state.users import ADD, UserRow, UsersState as S

# A dialog's submit, run in the browser: the password goes to the server over HTTP with the session cookie; only
# the outcome — never the password — is handed to `saved` through the websocket. The password field has no `name`
# and is cleared once the server took it.
SUBMIT_USER_JS = """(async () => {
  const form = document.querySelector('[data-users-form]');
  if (!form) { return {ok: false, message: 'The form is gone: reload the page.'}; }
  const data = Object.fromEntries(new FormData(form).entries());
  const holder = form.querySelector('[data-users-password]');
  const input = holder && (holder.matches('input') ? holder : holder.querySelector('input'));
  const body = {password: input ? input.value : ''};
  let url = '/api/v1/ui/users';
  if (data.mode === 'reset') {
    url += '/' + encodeURIComponent(data.username || '') + '/password';
  } else {
    body.username = (data.username || '').trim();
    body.role = data.role || 'operator';
  }
  try {
    const answer = await fetch(url, {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const reply = await answer.json().catch(() => ({}));
    if (answer.ok) { if (input) { input.value = ''; } return {ok: true, username: reply.username || ''}; }
    const detail = reply.detail;
    const message = typeof detail === 'string' ? detail
      : (Array.isArray(detail) ? detail.map(d => (d.loc || []).slice(-1)[0] + ': ' + d.msg).join('; ')
                               : 'HTTP ' + answer.status);
    return {ok: false, message: message};
  } catch (error) {
    return {ok: false, message: 'The form could not be sent: ' + error};
  }
})()"""


def _label(text: str) -> rx.Component:
    return rx.text(text, size="2", weight="medium", margin_top="0.5em")


def _password_input() -> rx.Component:
    # No `name`: SUBMIT_USER_JS posts it over HTTP with the session cookie, then clears it.
    return rx.input(type="password", auto_complete="new-password", width="100%", placeholder="At least 10 characters",
                    custom_attrs={"data-users-password": ""}, id="user-password")


def user_dialog() -> rx.Component:
    adding = S.dialog == ADD
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(adding, "Add a user", "Reset the password of " + S.dialog)),
            rx.dialog.description(
                rx.cond(adding, "Operators sign in on /login and may rerun, hold, release and cancel jobs; admins "
                                "also open /admin.",
                        "Every session and API token of this user ends; tell them the new password."),
                size="2", color=MUTED, margin_bottom="1em"),
            rx.form(
                rx.vstack(
                    rx.cond(
                        adding,
                        rx.fragment(
                            rx.el.input(type="hidden", name="mode", value="add"),
                            _label("Username (letters, digits, . _ -)"),
                            rx.input(name="username", width="100%", auto_complete="off", id="user-name"),
                            _label("Role"),
                            rx.radio_group(["operator", "admin"], name="role", default_value="operator",
                                           direction="row", spacing="4", id="user-role"),
                        ),
                        rx.fragment(rx.el.input(type="hidden", name="mode", value="reset"),
                                    rx.el.input(type="hidden", name="username", value=S.dialog)),
                    ),
                    _label("Password"),
                    _password_input(),
                    rx.cond(S.form_message != "", rx.callout(S.form_message, icon="triangle-alert", color_scheme="red",
                                                             size="1", width="100%", id="user-form-message")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button(rx.cond(adding, "Add user", "Set password"), type="submit", id="user-submit"),
                        justify="end", spacing="3", width="100%", margin_top="1em",
                    ),
                    spacing="1", width="100%",
                ),
                on_submit=rx.call_script(SUBMIT_USER_JS, callback=S.saved),
                custom_attrs={"data-users-form": ""},
                key=S.dialog,
                width="100%",
            ),
            max_width="480px",
        ),
        open=S.dialog != "",
        on_open_change=lambda is_open: S.open_dialog(S.dialog, is_open),
    )


def _status(row: UserRow) -> rx.Component:
    return rx.cond(row.disabled, rx.badge("Disabled", color_scheme="gray", variant="soft"),
                   rx.badge("Enabled", color_scheme="green", variant="soft"))


def _role_select(row: UserRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(custom_attrs={"data-role-of": row.username}),
        rx.select.content(rx.select.item("operator", value="operator"), rx.select.item("admin", value="admin")),
        value=row.role, size="1", disabled=row.me, on_change=lambda role: S.set_role(row.username, role))


def _actions(row: UserRow) -> rx.Component:
    return rx.hstack(
        rx.cond(row.disabled,
                rx.button("Enable", size="1", variant="soft", color_scheme="green",
                          on_click=S.set_disabled(row.username, False), data_action="enable"),
                rx.button("Disable", size="1", variant="soft", color_scheme="red", disabled=row.me,
                          on_click=S.set_disabled(row.username, True), data_action="disable")),
        rx.button("Reset password", size="1", variant="soft", on_click=S.open_dialog(row.username, True),
                  data_action="reset-password"),
        spacing="2", wrap="nowrap",
    )


def _row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.text(row.username, weight="medium"),
                                rx.cond(row.me, rx.badge("you", variant="outline", size="1")),
                                spacing="2", align="center")),
        rx.table.cell(_role_select(row)),
        rx.table.cell(_status(row)),
        rx.table.cell(row.created, white_space="nowrap"),
        rx.table.cell(row.last_sign_in, white_space="nowrap"),
        rx.table.cell(_actions(row)),
        data_user=row.username,
    )


def users() -> rx.Component:
    table = rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("User", "Role", "Status", "Created", "Last sign-in", "")])),
        rx.table.body(rx.foreach(S.rows, _row)),
        width="100%", size="1", id="users-table",
    )
    return admin_page(
        "Users",
        section("Accounts", "Operators use the operator pages and may act on jobs; admins also configure the "
                "console. Disabling a user or resetting their password ends their sessions at once. The last "
                "enabled admin cannot be disabled or demoted, nor can you disable or demote yourself.",
                rx.box(table, width="100%", overflow_x="auto"),
                actions=rx.button(rx.icon("user-plus", size=14), "Add user", on_click=S.open_dialog(ADD, True),
                                  id="add-user")),
        user_dialog(),
        subtitle="Every change is in the audit log (never a password).",
    )
