"""The provider cards of /admin/litellm: status, key hint, test, and the edit dialog (key posted over HTTP)."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, fact, section
from resync_app.state.litellm_providers import ProviderCard, ProvidersState
from resync_app.components.client_call import call_js

S = ProvidersState


def _provider_badge(card: ProviderCard) -> rx.Component:
    return rx.cond(
        card.active,
        rx.badge("Active", color_scheme="green", variant="soft"),
        rx.cond(
            card.enabled,
            rx.badge("Enabled · not configured", color_scheme="amber", variant="soft"),
            rx.cond(card.configured, rx.badge("Disabled", color_scheme="gray", variant="soft"),
                    rx.badge("Not configured", color_scheme="gray", variant="outline")),
        ),
    )


def _key_line(card: ProviderCard) -> rx.Component:
    return rx.cond(
        card.key_hint != "",
        rx.hstack(rx.icon("key-round", size=12), rx.code(card.key_hint, size="1", variant="ghost"),
                  rx.text(rx.cond(card.key_source == "admin", "set here", "from environment"), size="1",
                          color=MUTED),
                  spacing="1", align="center"),
        rx.cond(card.needs_key,
                rx.text("no key", size="1", color=rx.color("amber", 11)),
                rx.text("no key needed (local)", size="1", color=MUTED)),
    )


# The edit dialog's submit, run in the browser: the key (if typed) goes to the server over HTTP with the
# session cookie, together with the base it is for, and is cleared from the page; the other fields and the
# key's outcome (never the key) are handed to `save_provider`.
SUBMIT_PROVIDER_JS = """(async () => {
  const form = document.querySelector('[data-provider-form]');
  if (!form) { return {}; }
  const data = Object.fromEntries(new FormData(form).entries());
  const holder = form.querySelector('[data-provider-key-input]');
  const input = holder && (holder.matches('input') ? holder : holder.querySelector('input'));
  const key = input ? input.value.trim() : '';
  data.key_status = '';
  data.key_error = '';
  data.key_errors = '';
  if (key) {
    input.value = '';
    try {
      const answer = await fetch('/api/v1/ui/providers/' + encodeURIComponent(data.provider) + '/key', {
        method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({api_key: key, api_base: data.api_base || ''})});
      const body = await answer.json().catch(() => ({}));
      const detail = body.detail || {};
      data.key_status = answer.ok ? 'saved' : 'error';
      data.key_errors = answer.ok ? '' : JSON.stringify(detail.errors || {});
      data.key_error = answer.ok ? '' : String((detail.errors && detail.errors.api_key) || detail.message
                                                || (typeof detail === 'string' ? detail : 'HTTP ' + answer.status));
    } catch (error) {
      data.key_status = 'error';
      data.key_error = 'The key could not be sent: ' + error;
    }
  }
  return data;
})()"""


def _edit_dialog(card: ProviderCard) -> rx.Component:
    label = {"size": "2", "weight": "medium"}
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("pencil", size=14), "Edit", variant="soft", size="1",
                                    data_action="edit")),
        rx.dialog.content(
            rx.dialog.title("Edit ", card.name),
            rx.dialog.description("Changes are validated, audited and rebuild the router.", size="2",
                                  color=MUTED, margin_bottom="1em"),
            rx.form(
                rx.el.input(type="hidden", name="provider", value=card.id),
                rx.vstack(
                    rx.text(rx.hstack(rx.switch(name="enabled", default_checked=card.enabled | ~card.configured,
                                                data_field="enabled"),
                                      "Enabled: the router may send calls to this provider", spacing="2",
                                      align="center"), as_="label", size="2", margin_bottom="0.5em"),
                    rx.text("API key", **label),
                    # No `name`: the key is not part of the form data sent over the websocket. SUBMIT_PROVIDER_JS
                    # posts it over HTTP (session cookie) to /api/v1/ui/providers/{id}/key, then clears the field.
                    rx.input(type="password", auto_complete="new-password", spell_check=False,
                             custom_attrs={"data-provider-key-input": ""},
                             placeholder=rx.cond(card.key_hint != "",
                                                 "A key is stored (" + card.key_hint + "): type a new one to "
                                                 "replace it",
                                                 rx.cond(card.needs_key, "Paste the API key",
                                                         "Not needed for a local server")),
                             width="100%", data_field="api_key"),
                    rx.text("Write-only: the stored key is never shown. Leave empty to keep it. A new API base "
                            "needs the key again.", size="1", color=MUTED),
                    rx.cond(card.key_source == "admin",
                            rx.text(rx.hstack(rx.checkbox(name="clear_key", size="1"),
                                              "Remove the key set here (fall back to the environment)",
                                              spacing="2", align="center"), as_="label", size="1")),
                    rx.cond(card.err_key != "", rx.text(card.err_key, color_scheme="red", size="1",
                                                            data_error="api_key")),
                    rx.text("API base URL", **label, margin_top="0.5em"),
                    rx.input(name="api_base", default_value=card.api_base, width="100%", data_field="api_base",
                             placeholder="https://…"),
                    rx.text("Empty restores the provider's default.", size="1", color=MUTED),
                    rx.cond(card.err_api_base != "", rx.text(card.err_api_base, color_scheme="red", size="1",
                                                             data_error="api_base")),
                    rx.text("Models", **label, margin_top="0.5em"),
                    rx.text_area(name="models", default_value=card.model_entries, rows="6", width="100%",
                                 font_family="var(--code-font-family)", data_field="models"),
                    rx.text("One model per line: the provider's model id (", rx.code("gpt-4o"), "), or ",
                            rx.code("alias=model-id"), " to route under a short name (",
                            rx.code("llama-3-70b=meta-llama/Llama-3-70b-chat-hf"), ").", size="1", color=MUTED),
                    rx.cond(card.err_models != "", rx.text(card.err_models, color_scheme="red", size="1",
                                                           data_error="models")),
                    rx.cond(card.err_other != "", rx.text(card.err_other, color_scheme="red", size="1")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button(rx.icon("save", size=14), "Save", type="submit", data_action="save-provider"),
                        justify="end", spacing="3", width="100%", margin_top="1em",
                    ),
                    spacing="1", width="100%",
                ),
                on_submit=call_js(SUBMIT_PROVIDER_JS, callback=S.save_provider),
                custom_attrs={"data-provider-form": ""},
                width="100%",
            ),
            max_width="560px",
        ),
        open=S.editing == card.id,
        on_open_change=lambda is_open: S.open_editor(card.id, is_open),
    )


def _provider_test(card: ProviderCard) -> rx.Component:
    return rx.cond(
        card.testing,
        rx.hstack(rx.spinner(size="1"), rx.text("Testing ", rx.code(card.test_model), "…", size="1"),
                  align="center", data_test="running"),
        rx.cond(
            card.test_ran,
            rx.callout.root(
                rx.callout.icon(rx.cond(card.test_ok, rx.icon("circle-check", size=14), rx.icon("circle-x", size=14))),
                rx.callout.text(
                    rx.cond(card.test_ok,
                            rx.text(rx.code(card.test_model), " answered in ", card.test_latency, ": ",
                                    rx.text.em(card.test_answer), size="1"),
                            rx.text(card.test_error, size="1")),
                ),
                color_scheme=rx.cond(card.test_ok, "green", "red"), size="1", width="100%",
                data_test=rx.cond(card.test_ok, "ok", "error"),
            ),
        ),
    )


def _provider_card(card: ProviderCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.box(rx.cond(card.is_local, rx.icon("house", size=18), rx.icon("cloud", size=18)), color=rx.color("indigo", 11),
                       background=rx.color("indigo", 3), padding="0.45em", border_radius="8px", line_height="0"),
                rx.vstack(rx.heading(card.name, size="3"), _provider_badge(card), spacing="1"),
                rx.spacer(),
                rx.tooltip(rx.switch(checked=card.enabled, on_change=lambda on: S.set_enabled(card.id, on),
                                     data_action="enable"), content="Enabled"),
                width="100%", align="start",
            ),
            rx.vstack(
                fact("API base", rx.code(card.api_base, size="1", variant="ghost", word_break="break-all")),
                fact("Key", _key_line(card)),
                fact("Last success", rx.cond(card.last_success != "", card.last_success, "—")),
                fact("Last error", rx.cond(card.last_error != "",
                                           rx.text(card.last_error_at, " · ",
                                                   rx.text.span(card.last_error, color=rx.color("red", 11)),
                                                   size="1", max_height="3.6em", overflow="hidden"),
                                           "—")),
                fact("Avg latency", rx.cond(card.avg_latency != "", card.avg_latency, "—"), " (7 days)"),
                spacing="1", width="100%",
            ),
            rx.flex(rx.foreach(card.models, lambda m: rx.badge(m, variant="surface", color_scheme="gray",
                                                               size="1")),
                    wrap="wrap", spacing="1"),
            rx.cond(card.init_error != "", rx.text(card.init_error, size="1", color=rx.color("amber", 11))),
            _provider_test(card),
            rx.spacer(),
            rx.hstack(
                _edit_dialog(card),
                rx.button(rx.icon("play", size=14), "Test", size="1", variant="outline",
                          on_click=S.test_provider(card.id), loading=card.testing,
                          disabled=~card.active, data_action="test"),
                rx.spacer(),
                rx.text(card.models.length(), " model(s)", size="1", color=MUTED),
                width="100%", align="center",
            ),
            spacing="3", height="100%",
        ),
        size="2", data_provider=card.id, height="100%",
    )


def providers_section() -> rx.Component:
    return section(
        "Providers",
        "Enable a provider, give it a key and models. Keys are stored encrypted and never shown again.",
        rx.grid(rx.foreach(S.providers, _provider_card), columns=rx.breakpoints(initial="1", md="2", lg="3"),
                spacing="3", width="100%", id="provider-cards"),
        section_id="providers",
    )
