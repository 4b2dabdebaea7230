"""Admin pages whose features come with later issues: each says what will live there."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import admin_page, coming_soon


def teams() -> rx.Component:
    return admin_page("Teams Configuration", coming_soon(
        "Microsoft Teams alerts will be configured here:",
        ["incoming-webhook URL (write-only) and a test card", "which TWS instances and job states notify",
         "notification types, bot name and avatar"]))


def tws() -> rx.Component:
    return admin_page("TWS Configuration", coming_soon(
        "HCL Workload Automation instances will be configured here:",
        ["base URL, user and password (write-only) per instance", "primary instance, TLS verification, read-only",
         "a connection test against the HWA REST API v2"]))


def health() -> rx.Component:
    return admin_page("Health Monitoring", coming_soon(
        "Live health of every component will show here:",
        ["database, TWS, LLM gateway, Teams and Redis checks with latency", "process resources and uptime"]))


def proactive() -> rx.Component:
    return admin_page("Proactive Monitoring", coming_soon(
        "Proactive TWS monitoring will show here:",
        ["stuck and late jobs", "failure-rate anomalies and recurring failure patterns",
         "suggested fixes that worked before"]))
