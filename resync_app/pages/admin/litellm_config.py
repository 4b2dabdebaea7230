"""/admin/litellm: gateway status, the six providers, the model browser, smart routing and the budgets."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page
from resync_app.state.litellm_config import (AlertRow, BudgetRow, LiteLLMConfigState, ModelRow,
                                             ProviderCard)

S = LiteLLMConfigState
MUTED = rx.color("gray", 11)


# ---- building blocks (the analytics page uses them too) -------------------------------------------------


def section(title: str, description: str, *children: rx.Component, actions: rx.Component | None = None,
            section_id: str = "") -> rx.Component:
    """A titled block of the page."""
    return rx.vstack(
        rx.hstack(
            rx.vstack(rx.heading(title, size="4"), rx.text(description, size="2", color=MUTED), spacing="1"),
            rx.spacer(),
            actions or rx.fragment(),
            width="100%", align="end",
        ),
        *children,
        width="100%", spacing="3", id=section_id or None,
    )


def stat_card(label: str, value, icon: str, *extra: rx.Component, value_id: str = "",
              color: str = "indigo") -> rx.Component:
    """One figure with its label (the status overview and the analytics totals)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.box(rx.icon(icon, size=13), color=rx.color(color, 11), background=rx.color(color, 3),
                       padding="0.3em", border_radius="6px", line_height="0"),
                rx.text(label, size="1", weight="medium", color=MUTED, white_space="nowrap", overflow="hidden",
                        text_overflow="ellipsis"),
                spacing="2", align="center", min_width="0", width="100%",
            ),
            rx.text(value, size="6", weight="bold", id=value_id or None, white_space="nowrap",
                    trim="both", margin_top="0.25em"),
            *extra,
            spacing="1", min_width="0", width="100%",
        ),
        size="2", width="100%", min_width="0",
    )


def fact(label: str, *value: rx.Component | str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color=MUTED, min_width="7.5em"),
        rx.text(*value, size="1", weight="medium", trim="both"),
        spacing="2", align="start", width="100%",
    )


def chart(figure, chart_id: str, height: str = "300px") -> rx.Component:
    """A Plotly figure from the state, responsive, without the mode bar's clutter."""
    return rx.plotly(data=figure, id=chart_id, width="100%", height=height,
                     config={"displaylogo": False, "responsive": True,
                             "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]})


# ---- status overview ------------------------------------------------------------------------------------


def _status() -> rx.Component:
    router_badge = rx.cond(
        S.router_available,
        rx.badge(rx.icon("circle-check", size=12), "Healthy", color_scheme="green", size="2"),
        rx.badge(rx.icon("circle-x", size=12), "Unavailable", color_scheme="red", size="2"),
    )
    return rx.vstack(
        rx.grid(
            stat_card("Router", rx.box(router_badge, id="router-health"), "router",
                      rx.text(rx.cond(S.router_available, rx.fragment("built ", S.router_uptime, " ago · "), ""),
                              "app up ", S.uptime, size="1", color=MUTED),
                      color="green"),
            stat_card("Active models", S.active_models, "boxes",
                      rx.text("from ", S.active_providers, " provider(s)", size="1", color=MUTED, white_space="nowrap"),
                      value_id="active-models"),
            stat_card("Spend today", S.spend_today, "calendar-clock", value_id="spend-today", color="teal"),
            stat_card("Spend this month", S.spend_month, "calendar-range", value_id="spend-month", color="teal"),
            stat_card("Error rate", S.error_rate, "triangle-alert",
                      rx.text("of ", S.total_requests, " calls", size="1", color=MUTED), color="red"),
            stat_card("Cache hit rate", S.cache_hit_rate, "database-zap",
                      rx.text("of all calls", size="1", color=MUTED), color="amber"),
            columns=rx.breakpoints(initial="2", sm="3", lg="6"), spacing="3", width="100%",
        ),
        rx.cond(S.build_error != "", rx.callout(
            rx.text(rx.text.strong("Router: "), S.build_error), icon="circle-alert", color_scheme="red",
            width="100%", size="1")),
        rx.foreach(S.init_failures, lambda f: rx.callout(f, icon="plug-zap", color_scheme="amber", size="1",
                                                         width="100%")),
        rx.cond(S.cost_tracking_note != "", rx.callout(S.cost_tracking_note, icon="info", size="1", width="100%")),
        width="100%", spacing="2",
    )


# ---- providers ------------------------------------------------------------------------------------------


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
# session cookie and is cleared from the page; the other fields and the key's outcome (never the key) are
# handed to `save_provider`.
SUBMIT_PROVIDER_JS = """(async () => {
  const form = document.querySelector('[data-provider-form]');
  if (!form) { return {}; }
  const data = Object.fromEntries(new FormData(form).entries());
  const holder = form.querySelector('[data-provider-key-input]');
  const input = holder && (holder.matches('input') ? holder : holder.querySelector('input'));
  const key = input ? input.value.trim() : '';
  data.key_status = '';
  data.key_error = '';
  if (key) {
    input.value = '';
    try {
      const answer = await fetch('/api/v1/ui/providers/' + encodeURIComponent(data.provider) + '/key', {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({api_key: key})});
      const body = await answer.json().catch(() => ({}));
      const detail = body.detail || {};
      data.key_status = answer.ok ? 'saved' : 'error';
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
                    rx.text("Write-only: the stored key is never shown. Leave empty to keep it.", size="1",
                            color=MUTED),
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
                on_submit=rx.call_script(SUBMIT_PROVIDER_JS, callback=S.save_provider),
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


def _providers() -> rx.Component:
    return section(
        "Providers",
        "Enable a provider, give it a key and models. Keys are stored encrypted and never shown again.",
        rx.grid(rx.foreach(S.providers, _provider_card), columns=rx.breakpoints(initial="1", md="2", lg="3"),
                spacing="3", width="100%", id="provider-cards"),
        section_id="providers",
    )


# ---- model browser --------------------------------------------------------------------------------------


def _price_cell(row: ModelRow, value) -> rx.Component:
    return rx.cond(row.unpriced, rx.badge("unpriced", color_scheme="amber", variant="soft"),
                   rx.text(value, size="2", white_space="nowrap"))


def _model_row(row: ModelRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.code(row.name, size="2", weight="bold"),
                                rx.cond(row.is_local, rx.badge("local", color_scheme="teal", size="1")),
                                rx.cond(row.function_calling, rx.badge("functions", size="1", color_scheme="iris")),
                                rx.cond(row.custom_price, rx.badge("custom price", size="1", color_scheme="gray")),
                                spacing="2", align="center", wrap="wrap")),
        rx.table.cell(rx.text(row.provider, size="2")),
        rx.table.cell(rx.text(row.model_type, size="2")),
        rx.table.cell(rx.text(row.context, size="2"), text_align="right"),
        rx.table.cell(_price_cell(row, row.price_in), text_align="right"),
        rx.table.cell(_price_cell(row, row.price_out), text_align="right"),
        rx.table.cell(rx.hstack(
            rx.button(rx.icon("play", size=12), "Test", size="1", variant="soft", on_click=S.test_model(row.name),
                      disabled=S.model_test_running, data_action="test-model"),
            rx.cond(row.unpriced,
                    rx.button(rx.icon("tag", size=12), "Set price", size="1", color_scheme="amber",
                              on_click=S.open_price(row.name), data_action="price"),
                    rx.button(rx.icon("tag", size=12), "Price", size="1", variant="soft", color_scheme="gray",
                              on_click=S.open_price(row.name), data_action="price")),
            spacing="2", justify="end")),
        data_model=row.name,
    )


def _model_test_panel() -> rx.Component:
    return rx.cond(
        S.model_test_running | S.model_test_ran,
        rx.card(
            rx.cond(
                S.model_test_running,
                rx.hstack(rx.spinner(size="2"), rx.text("Testing ", rx.code(S.model_test_model), "…", size="2"),
                          align="center"),
                rx.vstack(
                    rx.hstack(
                        rx.cond(S.model_test_ok, rx.icon("circle-check", size=16, color=rx.color("green", 11)),
                                rx.icon("circle-x", size=16, color=rx.color("red", 11))),
                        rx.text("Test of ", rx.code(S.model_test_model), weight="medium", size="2"),
                        rx.spacer(),
                        rx.badge("latency ", S.model_test_latency, variant="soft"),
                        rx.badge(S.model_test_usage, " tokens", variant="soft"),
                        rx.badge("cost ", S.model_test_cost, variant="soft", color_scheme="teal"),
                        width="100%", align="center", wrap="wrap",
                    ),
                    rx.cond(S.model_test_ok, rx.text(S.model_test_answer, size="2", id="model-test-answer"),
                            rx.text(S.model_test_error, size="2", color=rx.color("red", 11),
                                    id="model-test-error")),
                    width="100%", spacing="2",
                ),
            ),
            width="100%", id="model-test",
        ),
    )


def _price_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Price of ", rx.code(S.price_model)),
            rx.dialog.description("USD per 1,000 tokens. Calls made while the model was unpriced are recomputed.",
                                  size="2", color=MUTED, margin_bottom="1em"),
            rx.grid(
                rx.vstack(rx.text("Input / 1k", size="2", weight="medium"),
                          rx.input(value=S.price_in, on_change=S.set_price_in, type="number", min="0", step="any",
                                   id="price-in", width="100%")),
                rx.vstack(rx.text("Output / 1k", size="2", weight="medium"),
                          rx.input(value=S.price_out, on_change=S.set_price_out, type="number", min="0",
                                   step="any", id="price-out", width="100%")),
                columns="2", spacing="3", width="100%",
            ),
            rx.cond(S.price_error != "", rx.text(S.price_error, color_scheme="red", size="1", margin_top="0.5em")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Save price", on_click=S.save_price, id="save-price"),
                justify="end", spacing="3", margin_top="1em",
            ),
            max_width="420px",
        ),
        open=S.price_model != "",
        on_open_change=S.close_price,
    )


def _models() -> rx.Component:
    return section(
        "Model browser",
        "Every model the router can route to, with LiteLLM's model info and prices (custom prices win).",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.input(rx.input.slot(rx.icon("search", size=14)), placeholder="Search models",
                             value=S.model_search, on_change=S.set_model_search, width="18em", id="model-search"),
                    rx.select(S.provider_options, value=S.model_provider, on_change=S.set_model_provider,
                              id="model-provider"),
                    rx.text(rx.hstack(rx.switch(checked=S.model_local_only, on_change=S.set_model_local_only,
                                                size="1"), "Local only", spacing="2", align="center"),
                            as_="label", size="2"),
                    rx.text(rx.hstack(rx.switch(checked=S.model_function_calling,
                                                on_change=S.set_model_function_calling, size="1"),
                                      "Function calling", spacing="2", align="center"), as_="label", size="2"),
                    rx.spacer(),
                    rx.text(S.models.length(), " of ", S.model_count, " models", size="2", color=MUTED),
                    width="100%", align="center", wrap="wrap", spacing="4",
                ),
                _model_test_panel(),
                rx.cond(
                    S.model_count > 0,
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Model"), rx.table.column_header_cell("Provider"),
                                rx.table.column_header_cell("Type"),
                                rx.table.column_header_cell("Context", text_align="right"),
                                rx.table.column_header_cell("In / 1k", text_align="right"),
                                rx.table.column_header_cell("Out / 1k", text_align="right"),
                                rx.table.column_header_cell(""),
                            )),
                            rx.table.body(rx.foreach(S.models, _model_row)),
                            size="1", width="100%", id="model-table",
                        ),
                        width="100%", overflow_x="auto",
                    ),
                    rx.callout("No model is routable yet: enable a provider and give it a key above.",
                               icon="info", color_scheme="gray", width="100%"),
                ),
                width="100%", spacing="3",
            ),
            width="100%",
        ),
        _price_dialog(),
        section_id="models",
    )


# ---- smart routing --------------------------------------------------------------------------------------


def _model_select(field: str, label: str, value, help_text: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(label, size="2", weight="medium"), rx.code(field, size="1", color_scheme="gray"),
                  spacing="2", align="center", wrap="wrap"),
        rx.select(S.routing_options, value=value, on_change=lambda v: S.set_routing(field, v),
                  placeholder="pick a routable model", id="routing-" + field, width="100%"),
        rx.text(help_text, size="1", color=MUTED),
        rx.cond(S.routing_errors.contains(field),
                rx.text(S.routing_errors[field], color_scheme="red", size="1", data_error=field)),
        spacing="1", width="100%",
    )


def _flag(field: str, label: str, checked, help_text: str) -> rx.Component:
    return rx.hstack(
        rx.switch(checked=checked, on_change=lambda v: S.set_routing_flag(field, v), id="routing-" + field),
        rx.vstack(rx.hstack(rx.text(label, size="2", weight="medium"), rx.code(field, size="1", color_scheme="gray"),
                            spacing="2", align="center", wrap="wrap"),
                  rx.text(help_text, size="1", color=MUTED),
                  rx.cond(S.routing_errors.contains(field),
                          rx.text(S.routing_errors[field], color_scheme="red", size="1", data_error=field)),
                  spacing="1"),
        spacing="3", align="start", width="100%",
    )


def _routing_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("route", size=16), rx.heading("Routing rules", size="3"), rx.spacer(),
                      rx.cond(S.routing_dirty, rx.badge("unsaved changes", color_scheme="amber")),
                      width="100%", align="center"),
            _flag("LLM_ROUTING_ENABLED", "Smart routing", S.routing_enabled,
                  "Pick the model per request by complexity; off: every request uses agent_model_name."),
            _model_select("LLM_ROUTING_SIMPLE_MODEL", "Simple queries", S.routing_simple,
                          "Status checks and lookups."),
            _model_select("LLM_ROUTING_COMPLEX_MODEL", "Complex queries", S.routing_complex,
                          "Analysis and troubleshooting, long or multi-question requests, tool use."),
            _model_select("LLM_ROUTING_FALLBACK_MODEL", "Fallback", S.routing_fallback,
                          "Answers when the chosen model fails or cannot be routed."),
            _flag("LLM_PREFER_LOCAL_MODELS", "Prefer local models", S.routing_prefer_local,
                  "Use a local (Ollama) model whenever one is up and its context fits."),
            rx.cond(S.routing_options.length() == 0,
                    rx.callout("No routable model: enable and configure a provider to choose models.",
                               icon="info", color_scheme="gray", size="1", width="100%")),
            rx.foreach(S.routing_unroutable, lambda u: rx.callout(
                rx.text(rx.code(u), " is not routable now (its provider is disabled or unconfigured)."),
                icon="triangle-alert", color_scheme="amber", size="1", width="100%")),
            rx.cond(S.routing_notice != "", rx.callout(S.routing_notice, icon="circle-alert", color_scheme="red",
                                                       size="1", width="100%", id="routing-notice")),
            rx.hstack(
                rx.text("Saved through System Configuration (validated, versioned, audited) · based on version ",
                        rx.code(S.routing_version, id="routing-version"), size="1", color=MUTED),
                rx.spacer(),
                rx.button("Discard", variant="soft", color_scheme="gray", on_click=S.discard_routing,
                          disabled=~S.routing_dirty),
                rx.button(rx.icon("save", size=14), "Save routing", on_click=S.save_routing,
                          disabled=~S.routing_dirty, id="save-routing"),
                width="100%", align="center", wrap="wrap",
            ),
            spacing="4", width="100%",
        ),
        width="100%", id="routing-form",
    )


def _dry_run() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("flask-conical", size=16), rx.heading("Dry run", size="3"), align="center"),
            rx.text("Which model would answer, why, and what it may cost. No provider is called.", size="2",
                    color=MUTED),
            rx.text_area(value=S.dry_question, on_change=S.set_dry_question, rows="3", width="100%",
                         placeholder="e.g. Why did job PAYROLL_DAILY abend last night?", id="dry-question"),
            rx.hstack(rx.spacer(), rx.button(rx.icon("wand-sparkles", size=14), "Route it", on_click=S.dry_run,
                                             id="dry-run"), width="100%"),
            rx.cond(S.dry_error != "", rx.text(S.dry_error, color_scheme="red", size="1")),
            rx.cond(
                S.dry_ran,
                rx.vstack(
                    rx.hstack(rx.text("Model", size="2", color=MUTED, min_width="7em"),
                              rx.code(S.dry_model, size="2", weight="bold", id="dry-model"),
                              rx.cond(S.dry_routable, rx.badge("routable", color_scheme="green"),
                                      rx.badge("not routable", color_scheme="red")), align="center"),
                    rx.hstack(rx.text("Provider", size="2", color=MUTED, min_width="7em"),
                              rx.text(S.dry_provider, size="2")),
                    rx.hstack(rx.text("Reason", size="2", color=MUTED, min_width="7em"),
                              rx.badge(S.dry_reason, variant="soft"),
                              rx.badge(S.dry_classification, variant="outline", color_scheme="gray")),
                    rx.hstack(rx.text("Why", size="2", color=MUTED, min_width="7em"),
                              rx.text(S.dry_why, size="2", id="dry-why")),
                    rx.hstack(rx.text("Estimate", size="2", color=MUTED, min_width="7em"),
                              rx.text(S.dry_cost, size="2", weight="medium", id="dry-cost"),
                              rx.text("(prompt + 1,024 output tokens)", size="1", color=MUTED), align="center"),
                    width="100%", spacing="2", padding="0.75em", border_radius="8px",
                    background=rx.color("gray", 2), border=f"1px solid {rx.color('gray', 4)}",
                ),
            ),
            spacing="3", width="100%",
        ),
        width="100%", id="dry-run-box",
    )


def _routing() -> rx.Component:
    return section(
        "Smart routing",
        "Which model answers a request. Only models the router can route to are offered.",
        rx.grid(_routing_form(), _dry_run(), columns=rx.breakpoints(initial="1", lg="2"), spacing="3",
                width="100%", align="start"),
        section_id="routing",
    )


# ---- budgets --------------------------------------------------------------------------------------------


def _budget_card(row: BudgetRow, figure) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.label, size="3"),
                rx.spacer(),
                rx.cond(row.exhausted, rx.badge("exhausted · paid models paused", color_scheme="red"),
                        rx.cond(row.over_threshold, rx.badge("over alert threshold", color_scheme="orange"),
                                rx.badge("within budget", color_scheme="green"))),
                width="100%", align="center",
            ),
            rx.grid(
                chart(figure, "gauge-" + row.kind, height="170px"),
                rx.vstack(
                    rx.hstack(rx.text(row.spent, size="6", weight="bold", id="budget-spent-" + row.kind),
                              rx.text("of ", row.limit, size="2", color=MUTED), align="baseline", spacing="2"),
                    fact("Remaining", row.remaining),
                    fact("Alert at", row.threshold),
                    fact("Burn rate", row.burn_rate),
                    fact("Exhaustion", row.exhaustion),
                    fact("Resets", row.resets_at),
                    spacing="2", width="100%", justify="center",
                ),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%", align="center",
            ),
            spacing="2", width="100%",
        ),
        width="100%", data_budget=row.kind,
    )


def _alert_row(alert: AlertRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(alert.created_at, size="2", white_space="nowrap")),
        rx.table.cell(rx.text(alert.period, size="2", white_space="nowrap")),
        rx.table.cell(rx.badge(alert.threshold, color_scheme=rx.cond(alert.critical, "red", "orange"))),
        rx.table.cell(rx.text(alert.message, size="2")),
        rx.table.cell(rx.cond(
            alert.acknowledged,
            rx.text("✓ ", alert.acknowledged_by, size="1", color=MUTED, white_space="nowrap"),
            rx.button("Acknowledge", size="1", variant="soft", on_click=S.acknowledge(alert.id),
                      data_action="acknowledge"),
        ), text_align="right"),
    )


def _budgets() -> rx.Component:
    return section(
        "Budget monitor",
        "Daily and monthly limits (System Configuration → LLM Cost & Budget). At 100 % paid models pause; local "
        "models keep answering.",
        rx.grid(
            rx.cond(S.budgets.length() > 0, _budget_card(S.budgets[0], S.daily_gauge)),
            rx.cond(S.budgets.length() > 1, _budget_card(S.budgets[1], S.monthly_gauge)),
            columns=rx.breakpoints(initial="1", lg="2"), spacing="3", width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.hstack(rx.icon("bell-ring", size=16), rx.heading("Alert history", size="3"),
                          rx.cond(S.open_alerts > 0, rx.badge(S.open_alerts, " open", color_scheme="red")),
                          align="center"),
                rx.cond(
                    S.alerts.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("When", "Period", "Level", "Message", "")])),
                        rx.table.body(rx.foreach(S.alerts, _alert_row)),
                        size="1", width="100%", id="budget-alerts",
                    ),
                    rx.text("No budget alert yet. One is raised (and sent to Teams) when spend crosses the alert "
                            "threshold and at 100 %.", size="2", color=MUTED),
                ),
                width="100%", spacing="3",
            ),
            width="100%",
        ),
        section_id="budgets",
    )


def litellm_config() -> rx.Component:
    return admin_page(
        "LiteLLM Configuration",
        rx.hstack(
            rx.text("Updated ", S.refreshed_at, size="1", color=MUTED),
            rx.spacer(),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", size="2", on_click=S.refresh),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button(rx.icon("rotate-ccw", size=14), "Rebuild router", variant="soft",
                                                  color_scheme="gray", size="2")),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Rebuild the router?"),
                    rx.alert_dialog.description("The router is rebuilt from the current providers and settings. "
                                                "Calls in flight finish on the old one."),
                    rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                              rx.alert_dialog.action(rx.button("Rebuild", on_click=S.reset_router)),
                              justify="end", spacing="3", margin_top="1em"),
                ),
            ),
            width="100%", align="center", margin_top="-0.5em",
        ),
        _status(),
        _providers(),
        _models(),
        _routing(),
        _budgets(),
        subtitle="The LLM gateway: providers and keys, the models it routes to, smart routing and budgets.",
    )
