"""Operator pages whose features come with later issues: each says what will live there."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import coming_soon, operator_page


def monitoring() -> rx.Component:
    return operator_page("Job monitoring", coming_soon(
        "The job monitoring dashboard will live here:",
        ["jobs by state (running, abended, late, stuck)", "filters by workstation and job stream"]))


def realtime() -> rx.Component:
    return operator_page("Real-time TWS dashboard", coming_soon(
        "The live TWS dashboard will live here:",
        ["refreshes every tws_dashboard_refresh_seconds without a reload", "engine status and plan progress"]))

