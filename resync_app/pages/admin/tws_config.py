"""/admin/tws: the HCL Workload Automation instances — add, edit, test, primary, enable, remove."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, http_form
from resync_app.components.layout import admin_page
from resync_app.state.tws_config import NEW, InstanceCard, TwsConfigState as S

HEALTH_COLORS = {"healthy": "green", "degraded": "amber", "critical": "red"}

# The edit form's submit, run in the browser: the whole instance (with the password, if one was typed) goes to the
# server over HTTP with the session cookie; only the outcome — field errors, never the password — is handed to
# `saved` through the websocket. The password field has no `name` and is cleared once the server took it.
SUBMIT_INSTANCE_JS = """(async () => {
  const form = document.querySelector('[data-tws-form]');
  if (!form) { return {ok: false, message: 'The form is gone: reload the page.'}; }
  const data = Object.fromEntries(new FormData(form).entries());
  const holder = form.querySelector('[data-tws-password]');
  const input = holder && (holder.matches('input') ? holder : holder.querySelector('input'));
  const body = {name: (data.name || '').trim(), display_name: data.display_name || '', base_url: data.base_url || '',
                username: data.username || '', verify_tls: data.verify_tls === 'on', enabled: data.enabled === 'on',
                read_only: data.read_only === 'on'};
  if (input && input.value) { body.password = input.value; }
  try {
    const answer = await fetch('/api/v1/ui/tws/instances', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const reply = await answer.json().catch(() => ({}));
    if (answer.ok) { if (input) { input.value = ''; } return {ok: true, name: body.name}; }
    const detail = reply.detail || {};
    return {ok: false, errors: detail.errors || {},
            message: detail.message || (typeof detail === 'string' ? detail : 'HTTP ' + answer.status)};
  } catch (error) {
    return {ok: false, message: 'The instance could not be sent: ' + error};
  }
})()"""


def _field_error(name: str) -> rx.Component:
    return rx.cond(S.form_errors.contains(name),
                   rx.text(S.form_errors[name], color_scheme="red", size="1", data_error=name))


def _label(text: str) -> rx.Component:
    return rx.text(text, size="2", weight="medium", margin_top="0.5em")


def _switch(name: str, checked, text: str) -> rx.Component:
    return rx.text(rx.hstack(rx.switch(name=name, default_checked=checked, data_field=name), text, spacing="2",
                             align="center"), as_="label", size="2")


def edit_dialog() -> rx.Component:
    card = S.edited
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_new, "Add a TWS instance", "Edit " + card.display_name)),
            rx.dialog.description("Checked, audited and picked up by the poller at once. The password is stored "
                                  "encrypted and never shown again.", size="2", color=MUTED, margin_bottom="1em"),
            http_form(
                rx.cond(
                    S.editing_new,
                    rx.fragment(_label("Name (letters, digits, . _ -; cannot change later)"),
                                rx.input(name="name", placeholder="prod", width="100%", data_field="name")),
                    rx.el.input(type="hidden", name="name", value=card.name),
                ),
                _field_error("name"),
                _label("Display name"),
                rx.input(name="display_name", default_value=card.display_name, width="100%",
                         placeholder="Production (EU)", data_field="display_name"),
                _field_error("display_name"),
                _label("Base URL (the TWS server root)"),
                rx.input(name="base_url", default_value=card.base_url, width="100%",
                         placeholder="https://hwa.example.com:31116", data_field="base_url"),
                _field_error("base_url"),
                _label("User"),
                rx.input(name="username", default_value=card.username, width="100%", data_field="username",
                         auto_complete="off"),
                _field_error("username"),
                _label("Password"),
                # No `name`: SUBMIT_INSTANCE_JS posts it over HTTP with the session cookie, then clears it.
                rx.input(type="password", auto_complete="new-password", width="100%",
                         custom_attrs={"data-tws-password": ""}, data_field="password",
                         placeholder=rx.cond(card.login_saved, "Stored (encrypted): type a new one to replace it",
                                             "Required")),
                rx.text("Write-only: leave empty to keep the stored password. Type it again when you change the "
                        "base URL or the user: a stored password never follows a new address.", size="1", color=MUTED),
                _field_error("password"),
                rx.vstack(
                    _switch("verify_tls", card.verify_tls | S.editing_new, "Verify the TLS certificate"),
                    _switch("enabled", card.enabled | S.editing_new, "Enabled: poll this instance"),
                    _switch("read_only", card.read_only, "Read-only: refuse rerun, hold, release and cancel"),
                    spacing="2", margin_top="0.75em",
                ),
                _field_error("verify_tls"), _field_error("enabled"), _field_error("read_only"),
                script=SUBMIT_INSTANCE_JS, callback=S.saved, marker="data-tws-form", key=S.editing,
                message=S.form_message, message_id="tws-form-message",
                submit=rx.button(rx.icon("save", size=14), "Save", type="submit", data_action="save-instance"),
            ),
            max_width="560px",
        ),
        open=S.editing != "",
        on_open_change=lambda is_open: S.open_editor(S.editing, is_open),
    )


def _badges(card: InstanceCard) -> rx.Component:
    return rx.hstack(
        rx.cond(card.primary, rx.badge("Primary", color_scheme="indigo")),
        rx.cond(card.enabled, rx.badge("Enabled", color_scheme="green", variant="soft"),
                rx.badge("Disabled", color_scheme="gray", variant="soft")),
        rx.cond(card.read_only, rx.badge("Read-only", color_scheme="amber", variant="soft")),
        rx.cond(~card.verify_tls, rx.badge("TLS not verified", color_scheme="red", variant="outline")),
        spacing="2", wrap="wrap",
    )


def _poll_line(card: InstanceCard) -> rx.Component:
    return rx.cond(
        card.stale_since != "",
        rx.text(rx.icon("cloud-off", size=12), " Stale since ", card.stale_since, size="1",
                color=rx.color("red", 11), data_poll="stale"),
        rx.cond(card.as_of != "",
                rx.hstack(rx.badge(card.health, color_scheme=rx.match(card.health, ("healthy", "green"),
                                                                      ("degraded", "amber"), ("critical", "red"),
                                                                      "gray"), size="1"),
                          rx.text("last poll ", card.as_of, size="1", color=MUTED), spacing="2", align="center",
                          data_poll="ok"),
                rx.text(card.health, size="1", color=MUTED, data_poll="none")),
    )


def _test_result(card: InstanceCard) -> rx.Component:
    return rx.cond(
        card.testing,
        rx.hstack(rx.spinner(size="1"), rx.text("Testing the connection…", size="1"), data_test="running"),
        rx.cond(card.test_ran,
                rx.callout(card.test_text, icon=rx.cond(card.test_ok, "circle-check", "circle-x"),
                           color_scheme=rx.cond(card.test_ok, "green", "red"), size="1", width="100%",
                           data_test=rx.cond(card.test_ok, "ok", "error"))),
    )


def _delete_button(card: InstanceCard) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), "Remove", size="1", variant="soft",
                                          color_scheme="red", data_action="delete")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", card.display_name, "?"),
            rx.alert_dialog.description("Resync stops polling it; its events and history stay until retention "
                                        "removes them.", size="2"),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Remove", color_scheme="red", on_click=S.delete(card.name),
                                                       data_action="confirm-delete")),
                      spacing="3", justify="end", margin_top="1em"),
        ),
    )


def _instance_card(card: InstanceCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("server", size=18, color=rx.color("indigo", 11)),
                rx.heading(card.display_name, size="4"),
                rx.code(card.name, size="1", variant="ghost"),
                rx.spacer(),
                _badges(card),
                width="100%", align="center", wrap="wrap",
            ),
            rx.text(rx.code(card.base_url, size="1"), " as ", rx.text.strong(card.username), size="2"),
            rx.text(rx.cond(card.login_saved, "Password stored (encrypted)", "No password stored"), size="1",
                    color=MUTED),
            _poll_line(card),
            rx.hstack(
                rx.button(rx.icon("plug-zap", size=14), "Test connection", size="1", on_click=S.test(card.name),
                          loading=card.testing, data_action="test"),
                rx.button(rx.icon("pencil", size=14), "Edit", size="1", variant="soft",
                          on_click=S.open_editor(card.name, True), data_action="edit"),
                rx.cond(~card.primary, rx.button(rx.icon("star", size=14), "Make primary", size="1", variant="soft",
                                                 on_click=S.set_primary(card.name), data_action="primary")),
                rx.text(rx.hstack(rx.switch(checked=card.enabled, size="1",
                                            on_change=lambda v: S.set_enabled(card.name, v)),
                                  "Polled", spacing="1", align="center"), as_="label", size="1"),
                rx.spacer(),
                _delete_button(card),
                width="100%", align="center", wrap="wrap", spacing="2",
            ),
            _test_result(card),
            spacing="2", width="100%",
        ),
        width="100%",
        custom_attrs={"data-instance": card.name},
    )


def tws_config() -> rx.Component:
    return admin_page(
        "TWS Configuration",
        rx.hstack(
            rx.text("HCL Workload Automation servers Resync reads the plan from (REST API v2, HTTP Basic). The primary "
                    "instance is the one operator pages show first.", size="2", color=MUTED),
            rx.spacer(),
            rx.button(rx.icon("plus", size=14), "Add instance", on_click=S.open_editor(NEW, True),
                      data_action="add-instance"),
            width="100%", align="center",
        ),
        rx.cond(S.instances.length() == 0,
                rx.callout("No TWS instance yet: add one to start polling its plan.", icon="info", width="100%",
                           id="tws-empty")),
        rx.vstack(rx.foreach(S.instances, _instance_card), width="100%", spacing="3", id="tws-instances"),
        edit_dialog(),
        subtitle="Instances, primary instance, connection test. Passwords are write-only.",
    )
