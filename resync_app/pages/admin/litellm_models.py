"""The model browser of /admin/litellm: filters, the test panel and the price dialog."""

from __future__ import annotations

import reflex as rx

from resync_app.components.blocks import MUTED, section
from resync_app.state.litellm_models import ModelRow, ModelsState

S = ModelsState


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


def models_section() -> rx.Component:
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
