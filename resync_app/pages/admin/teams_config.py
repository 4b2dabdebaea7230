"""/admin/teams: the Teams settings, a test card and the recent deliveries."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page
from resync_app.components.blocks import MUTED, section
from resync_app.state.teams_config import DeliveryRow, TeamsConfigState
from resync_app.teams.cards import EVENT_TITLES
from resync_app.teams.config import JOB_STATUSES, LLM_BUDGET, NOTIFICATION_TYPES
from resync_app.components.client_call import call_js

S = TeamsConfigState
COMMON_STATUSES = ("ABEND", "FAIL", "ERROR", "CANCELLED", "CANCL", "STUCK", "EXEC", "SUCC", "HOLD", "WAIT", "READY")
TYPE_LABELS = {**EVENT_TITLES, LLM_BUDGET: "LLM budget alert"}
STATUS_COLOR = {"sent": "green", "failed": "red", "pending": "amber", "sending": "blue", "posting": "blue",
                "skipped": "gray", "expired": "orange", "unconfirmed": "gray"}

# The form's submit, run in the browser: every field (with the webhook URL, if one was typed) goes to the server
# over HTTP with the session cookie; the URL field is cleared on success. Only the outcome (field errors, never
# the URL) is handed to `after_save` over the websocket.
SAVE_TEAMS_JS = """(async () => {
  const form = document.querySelector('[data-teams-form]');
  if (!form) { return {status: 'error', errors: {}, message: 'The form is not on the page.'}; }
  const fd = new FormData(form);
  const holder = form.querySelector('[data-teams-destination-input]');
  const input = holder && (holder.matches('input') ? holder : holder.querySelector('input'));
  const url = input ? input.value.trim() : '';
  const body = {
    enabled: fd.get('enabled') === 'on',
    channel_name: String(fd.get('channel_name') || ''),
    bot_name: String(fd.get('bot_name') || ''),
    avatar_url: String(fd.get('avatar_url') || ''),
    enable_conversation_learning: fd.get('enable_conversation_learning') === 'on',
    enable_job_notifications: fd.get('enable_job_notifications') === 'on',
    monitored_tws_instances: String(fd.get('monitored_tws_instances') || '').split(/[\\s,]+/).filter(Boolean),
    job_status_filters: fd.getAll('job_status_filters').map(String),
    notification_types: fd.getAll('notification_types').map(String),
  };
  const windowText = String(fd.get('teams_incident_window_seconds') || '').trim();
  if (windowText !== '') {
    body.teams_incident_window_seconds = /^[0-9]+$/.test(windowText) ? Number(windowText) : windowText;
  }
  if (url) { body.webhook_url = url; } else if (fd.get('remove_destination') === 'on') { body.webhook_url = ''; }
  try {
    const answer = await fetch('/api/v1/ui/teams-config', {method: 'PUT', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const data = await answer.json().catch(() => ({}));
    if (answer.ok) { if (input) { input.value = ''; } return {status: 'saved', errors: {}, message: ''}; }
    const detail = data.detail || {};
    return {status: 'error', errors: detail.errors || {},
            message: detail.message || (typeof detail === 'string' ? detail : 'HTTP ' + answer.status)};
  } catch (error) {
    return {status: 'error', errors: {}, message: 'The settings could not be sent: ' + error};
  }
})()"""


def _error(name: str) -> rx.Component:
    return rx.cond(S.errors.contains(name),
                   rx.text(S.errors[name], color_scheme="red", size="1", data_error=name))


def _label(text: str, hint: str = "") -> rx.Component:
    return rx.vstack(rx.text(text, size="2", weight="medium"),
                     rx.cond(hint != "", rx.text(hint, size="1", color=MUTED)), spacing="0")


def _switch(name: str, checked, text: str) -> rx.Component:
    return rx.text(rx.hstack(rx.switch(name=name, default_checked=checked, data_field=name), text, spacing="2",
                             align="center"), as_="label", size="2")


def _connection() -> rx.Component:
    return rx.card(rx.vstack(
        _switch("enabled", S.enabled, "Send notifications to Microsoft Teams"),
        _label("Incoming-webhook URL", "Write-only: stored encrypted, never shown again. https:// only (http:// for "
                                       "a loopback relay). Leave empty to keep the stored one."),
        # No `name`: the URL is not part of any websocket message. SAVE_TEAMS_JS reads it and posts it over HTTP.
        rx.input(type="password", auto_complete="off", spell_check=False, width="100%", data_field="webhook_url",
                 custom_attrs={"data-teams-destination-input": ""},
                 placeholder=rx.cond(S.destination_set, "Stored: " + S.destination_hint + " (type a new one to "
                                                        "replace it)", "https://<tenant>.webhook.office.com/…")),
        rx.cond(S.destination_set,
                rx.hstack(rx.badge(rx.icon("lock", size=12), S.destination_hint, color_scheme="green",
                                   id="teams-destination"),
                          rx.text(rx.hstack(rx.checkbox(name="remove_destination", size="1"), "Remove it",
                                            spacing="2", align="center"), as_="label", size="1"),
                          spacing="3", align="center"),
                rx.badge("No webhook URL stored", color_scheme="gray", id="teams-destination")),
        _error("webhook_url"),
        rx.grid(
            rx.vstack(_label("Channel name", "For your reference (which channel the webhook posts to)."),
                      rx.input(name="channel_name", default_value=S.channel_name, width="100%",
                               placeholder="#ops-alerts"), _error("channel_name"), width="100%"),
            rx.vstack(_label("Bot name", "Shown at the top of each card."),
                      rx.input(name="bot_name", default_value=S.bot_name, width="100%"), _error("bot_name"),
                      width="100%"),
            rx.vstack(_label("Avatar URL", "An image shown next to the bot name (optional)."),
                      rx.input(name="avatar_url", default_value=S.avatar_url, width="100%",
                               placeholder="https://…/bot.png"), _error("avatar_url"), width="100%"),
            columns="3", spacing="4", width="100%",
        ),
        spacing="3", width="100%",
    ), width="100%")


def _choices(name: str, values, labels: dict[str, str] | None = None, columns: str = "4") -> rx.Component:
    selected = S.status_filters if name == "job_status_filters" else S.notification_types
    return rx.grid(
        *[rx.checkbox(labels.get(v, v) if labels else v, name=name, value=v, default_checked=selected.contains(v),
                      size="2", data_choice=v) for v in values],
        columns=columns, spacing="2", width="100%", data_group=name,
    )


def _selection() -> rx.Component:
    others = [s for s in JOB_STATUSES if s not in COMMON_STATUSES]
    return rx.card(rx.vstack(
        _label("Notification types", "Which events become cards."),
        _choices("notification_types", NOTIFICATION_TYPES, TYPE_LABELS, columns="3"),
        _error("notification_types"),
        rx.divider(),
        _switch("enable_job_notifications", S.enable_job_notifications,
                "Job notifications (job started / completed / abended / stuck / late, deadline at risk)"),
        _label("Job status filters", "A job event is sent only if the job's HWA status is ticked. None ticked = "
                                     "any status."),
        _choices("job_status_filters", COMMON_STATUSES, columns="6"),
        rx.el.details(rx.el.summary(rx.text("More HWA statuses", size="1", color=MUTED, as_="span")),
                      _choices("job_status_filters", others, columns="6")),
        _error("job_status_filters"),
        rx.divider(),
        _label("Incident window (seconds)",
               "Events of one instance that share a cause (a workstation, a job stream, or the instance itself) "
               "within this many seconds are one incident and one card listing them; events after the card give "
               "at most one follow-up card per window. 0 = one card per event."),
        rx.input(name="teams_incident_window_seconds", default_value=S.incident_window, type="number",
                 width="10em", data_field="teams_incident_window_seconds"),
        _error("teams_incident_window_seconds"),
        rx.divider(),
        _label("Monitored TWS instances", "Instance names separated by commas. Empty = every instance."),
        rx.input(name="monitored_tws_instances", default_value=S.instances_text, width="100%",
                 placeholder="prod, dr", data_field="monitored_tws_instances"),
        _error("monitored_tws_instances"),
        rx.divider(),
        _switch("enable_conversation_learning", S.enable_conversation_learning,
                "Conversation learning (keep operators' corrections of chat answers for review on Learning)"),
        spacing="3", width="100%",
    ), width="100%")


def _settings_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _connection(),
            _selection(),
            rx.hstack(
                rx.button(rx.icon("save", size=14), "Save", type="submit", data_action="save-teams"),
                rx.text(S.updated, size="1", color=MUTED),
                rx.spacer(),
                rx.cond(S.save_error != "", rx.text(S.save_error, color_scheme="red", size="2", id="save-error")),
                width="100%", align="center",
            ),
            spacing="4", width="100%",
        ),
        on_submit=call_js(SAVE_TEAMS_JS, callback=S.after_save),
        custom_attrs={"data-teams-form": ""},
        key=S.form_key,
        width="100%",
    )


def _test_card() -> rx.Component:
    result = rx.cond(
        S.test_running, rx.hstack(rx.spinner(size="1"), rx.text("Sending…", size="2")),
        rx.cond(S.test_ran, rx.cond(
            S.test_ok,
            rx.callout(rx.text("Delivered (", S.test_status, "): check the channel."), icon="circle-check",
                       color_scheme="green", size="1", id="test-result", data_result="ok"),
            rx.callout(rx.text("Not delivered", rx.cond(S.test_status != "", " (" + S.test_status + ")", ""), ": ",
                               S.test_error), icon="circle-x", color_scheme="red", size="1", id="test-result",
                       data_result="failed"))))
    return rx.card(rx.hstack(
        rx.vstack(rx.text("Test notification", size="3", weight="bold"),
                  rx.text("Posts one card to the saved webhook now (save your changes first).", size="1",
                          color=MUTED), spacing="1"),
        rx.spacer(), result,
        rx.button(rx.icon("send", size=14), "Send test card", on_click=S.send_test, disabled=S.test_running,
                  variant="soft", data_action="test-teams"),
        align="center", spacing="4", width="100%"), width="100%")


def _row(row: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.time, size="1", white_space="nowrap")),
        rx.table.cell(rx.vstack(rx.text(row.title, size="2"), rx.text(row.event_type, size="1", color=MUTED),
                                spacing="0")),
        rx.table.cell(rx.badge(row.status, color_scheme=rx.match(row.status, *STATUS_COLOR.items(), "gray"))),
        rx.table.cell(row.attempts),
        rx.table.cell(row.code),
        rx.table.cell(rx.text(row.error, rx.cond(row.retry_at != "", rx.text(" · retry ", row.retry_at, as_="span"), ""),
                              size="1", color=MUTED)),
        data_delivery=row.id, data_status=row.status,
    )


def _deliveries() -> rx.Component:
    figures = rx.hstack(
        rx.badge("sent 24 h: ", S.sent_24h, color_scheme="green"),
        rx.badge("failed 24 h: ", S.failed_24h, color_scheme="red"),
        rx.badge("waiting: ", S.waiting, color_scheme="amber"),
        rx.badge("not sent: ", S.not_sent, color_scheme="orange", id="not-sent-count"),
        rx.text("last: ", S.last_delivery, size="1", color=MUTED),
        spacing="2", align="center", wrap="wrap", id="delivery-stats",
    )
    unsent = rx.vstack(
        rx.cond(S.held > 0, rx.callout(
            rx.text(S.held, " card(s) wait for Teams to be switched on: each is sent if Teams is on again within ",
                    S.hold_minutes, " minutes of its queueing, else reported here as not sent."),
            icon="pause", color_scheme="amber", size="1", width="100%", id="held-cards")),
        rx.cond(S.not_sent > 0, rx.callout(
            rx.text(S.not_sent, " card(s) were not sent: Teams was off for more than ", S.hold_minutes,
                    " minutes after they were queued (status ", rx.code("expired"), " below). The events are in "
                    "the event stream of Proactive Monitoring."),
            icon="bell-off", color_scheme="orange", size="1", width="100%", id="not-sent-cards")),
        rx.cond(S.unconfirmed > 0, rx.callout(
            rx.text(S.unconfirmed, " card(s) in the last 24 h are unconfirmed: the worker posting them stopped before "
                    "Teams answered. Teams has almost always shown them already; they are not posted again, so "
                    "that none is shown twice."),
            icon="circle-help", color_scheme="gray", size="1", width="100%", id="unconfirmed-cards")),
        width="100%", spacing="2",
    )
    return section(
        "Recent deliveries", "Every card queued, with its outcome. Refreshes by itself.",
        figures,
        unsent,
        rx.cond(S.delivery_count > 0,
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Time", "Event", "Status", "Attempts", "HTTP", "Error")])),
                    rx.table.body(rx.foreach(S.deliveries, _row)),
                    width="100%", size="1", id="deliveries"),
                rx.text("No card sent yet.", size="2", color=MUTED, id="deliveries")),
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=14), on_click=S.previous_page, disabled=S.delivery_page == 0,
                      size="1", variant="soft", data_action="previous-page"),
            rx.text("page ", S.delivery_page + 1, " of ", S.delivery_pages, " · ", S.delivery_count, " card(s)",
                    size="1", color=MUTED),
            rx.button(rx.icon("chevron-right", size=14), on_click=S.next_page,
                      disabled=S.delivery_page + 1 >= S.delivery_pages, size="1", variant="soft",
                      data_action="next-page"),
            align="center", spacing="2"),
        actions=rx.button(rx.icon("refresh-cw", size=14), "Refresh", on_click=S.refresh, variant="soft", size="1"),
        section_id="recent-deliveries",
    )


def teams_config() -> rx.Component:
    return admin_page(
        "Teams Configuration",
        rx.cond(~S.tws_switch_on, rx.callout(
            rx.text("TWS events reach Teams only when ", rx.code("tws_teams_notifications_enabled"),
                    " is on in ", rx.link("System Configuration › Notifications", href="/admin/system"),
                    ". LLM budget alerts do not need it."), icon="info", color_scheme="amber", width="100%",
            id="tws-switch-off")),
        _settings_form(),
        _test_card(),
        _deliveries(),
        subtitle="Adaptive Cards in a Teams channel for TWS events and LLM budget alerts.",
    )
