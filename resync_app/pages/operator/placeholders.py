"""Operator pages whose features come with later issues: each says what will live there."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import coming_soon, operator_page


def chat() -> rx.Component:
    return operator_page("TWS assistant", coming_soon(
        "Chat with the TWS assistant will live here:",
        ["ask about jobs, job streams and workstations in plain language",
         "answers from the LLM gateway, grounded in the live TWS plan"]))


def metrics() -> rx.Component:
    return operator_page("Metrics", coming_soon(
        "Read-only metrics with Plotly charts will live here:",
        ["job throughput and failure rate over time", "assistant usage (no costs or keys)"]))
