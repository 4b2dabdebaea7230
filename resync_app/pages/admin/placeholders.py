"""Admin pages whose features come with later issues: each says what will live there."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page, coming_soon


def tws() -> rx.Component:
    return admin_page("TWS Configuration", coming_soon(
        "HCL Workload Automation instances will be configured here:",
        ["base URL, user and password (write-only) per instance", "primary instance, TLS verification, read-only",
         "a connection test against the HWA REST API v2"]))


def proactive() -> rx.Component:
    return admin_page("Proactive Monitoring", coming_soon(
        "Proactive TWS monitoring will show here:",
        ["stuck and late jobs", "failure-rate anomalies and recurring failure patterns",
         "suggested fixes that worked before"]))
