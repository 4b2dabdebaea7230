"""The smart-routing card of /admin/litellm: routing form and dry run."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, section
from resync_app.state.litellm_routing import RoutingState

S = RoutingState


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


def routing_section() -> rx.Component:
    return section(
        "Smart routing",
        "Which model answers a request. Only models the router can route to are offered.",
        rx.grid(_routing_form(), _dry_run(), columns=rx.breakpoints(initial="1", lg="2"), spacing="3",
                width="100%", align="start"),
        section_id="routing",
    )
