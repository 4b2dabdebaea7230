"""Health Monitoring page state: a card and a 24 h chart per component, "Check now", the billed deep check, and a
live refresh after every stored run (any worker's: the `health` feed topic is relayed through Redis).

The checks and their history are `resync_app.health.service`'s; this state only formats them.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from resync_app.components import charts
from resync_app.components.figure import Fig
from resync_app.db import utcnow
from resync_app.events import feed
from resync_app.health import service as health
from resync_app.state.guard import admin_event, still_watching
from resync_app.state.formatting import money, when

ROUTE = "/admin/health"
COMPONENTS = ("database", "tws", "llm", "teams", "redis", "rag")
LABELS = {"database": "Database", "tws": "TWS", "llm": "LLM providers", "teams": "Microsoft Teams",
          "redis": "Redis", "rag": "RAG service"}
WATCH_TIMEOUT_S = 60.0
MIN_REFRESH_S = 1.0
OK_COLOR, FAIL_COLOR = "#30a46c", "#e54666"


def history_figure(points: list[dict[str, Any]], now=None) -> go.Figure:
    """Average check latency per 10-minute bucket over the last 24 h; red markers where a check failed."""
    if not points:
        return charts.empty_figure("No checks in the last 24 hours", height=170)
    now = now or utcnow()
    fig = Fig(go.Scatter(
        x=[p["at"] for p in points], y=[p["avg_latency_ms"] or 0 for p in points], mode="lines+markers",
        line={"color": charts.PALETTE[0], "width": 1.5},
        marker={"color": [FAIL_COLOR if p["failures"] else OK_COLOR for p in points],
                "size": [9 if p["failures"] else 5 for p in points]},
        customdata=[[p["checks"], p["failures"], (p["last_detail"] or "")[:120]] for p in points],
        hovertemplate="%{y:,.0f} ms · %{customdata[0]} check(s), %{customdata[1]} failed<br>%{customdata[2]}"
                      "<extra></extra>",
    ))
    charts._layout(fig, height=170, legend=False, y_title="ms")
    fig.update_layout(margin={"l": 48, "r": 12, "t": 8, "b": 28}, hovermode="closest")
    fig.update_xaxes(range=[(now - timedelta(hours=24)).isoformat(), now.isoformat()], tickformat="%H:%M")
    return fig.figure()


class HealthState(rx.State):
    """What the Health Monitoring page shows for one admin's tab."""

    shown: list[str] = []
    ok: dict[str, bool] = {}
    latency: dict[str, str] = {}
    detail: dict[str, str] = {}
    checked: dict[str, str] = {}
    last_failure: dict[str, str] = {}
    availability: dict[str, str] = {}
    overall_ok: bool = False
    checked_at: str = ""
    running: bool = False

    fig_database: go.Figure = charts.blank()
    fig_tws: go.Figure = charts.blank()
    fig_llm: go.Figure = charts.blank()
    fig_teams: go.Figure = charts.blank()
    fig_redis: go.Figure = charts.blank()
    fig_rag: go.Figure = charts.blank()

    deep_model: str = ""
    deep_running: bool = False
    deep_ran: bool = False
    deep_ok: bool = False
    deep_summary: str = ""
    deep_error: str = ""
    last_deep: str = ""

    _watch_id: int = 0

    def _apply(self, report: dict[str, Any]) -> None:
        now = utcnow()
        names = [n for n in COMPONENTS if n in report] + [n for n in report
                                                          if n not in COMPONENTS and isinstance(report[n], dict)]
        self.shown = names
        self.ok = {n: bool(report[n]["ok"]) for n in names}
        self.latency = {n: "—" if report[n]["latency_ms"] is None else f"{report[n]['latency_ms']:,.0f} ms"
                        for n in names}
        self.detail = {n: str(report[n]["detail"])[:600] for n in names}
        self.checked = {n: when(report[n]["checked_at"]) if report[n]["checked_at"] else "never" for n in names}
        self.last_failure = {n: (f"{when(f['at'])}: {f['detail']}"[:400] if (f := report[n]["last_failure"])
                                 else "none in 24 h") for n in names}
        self.availability = {n: ("—" if (h := report[n]["history_24h"])["availability"] is None else
                                 f"{h['availability'] * 100:.1f}% of {h['checks']} check(s)") for n in names}
        self.overall_ok = report.get("status") == "ok"
        self.checked_at = when(report.get("checked_at")) if report.get("checked_at") else "never"
        for name in COMPONENTS:
            figure = history_figure(health.history(name, now=now), now) if name in names else charts.blank()
            setattr(self, f"fig_{name}", figure)
        deep = (report.get("llm") or {}).get("deep_check")
        self.last_deep = (f"{'OK' if deep['ok'] else 'failed'} {when(deep['checked_at'])}: {deep['detail']}"
                          f"{' · ' + money(deep['cost_usd']) if deep.get('cost_usd') is not None else ''}"
                          if deep else "never run")

    @rx.event(background=True)
    @admin_event
    async def load(self):
        """`on_load`: the newest stored results (a first run if there is none yet), then the live refresh."""
        async with self:
            self._watch_id += 1
            watch_id = self._watch_id
            self.deep_ran = False
        results = None if await asyncio.to_thread(health.last_run_at) else await health.run_checks("manual")
        report = await asyncio.to_thread(health.report, results)
        async with self:
            self._apply(report)
        await self._watch(watch_id)

    async def _watch(self, watch_id: int) -> None:
        """Refresh after every stored run (or each minute) while this tab shows the page; stops when it leaves,
        disconnects or its session ends, and never extends the session."""
        seen = feed.seq(health.TOPIC)
        while True:
            seen = await feed.wait_for(health.TOPIC, seen, WATCH_TIMEOUT_S)
            async with self:
                if not await still_watching(self, watch_id, ROUTE):
                    return
            report = await asyncio.to_thread(health.report)
            async with self:
                if not await still_watching(self, watch_id, ROUTE):
                    return
                self._apply(report)
            await asyncio.sleep(MIN_REFRESH_S)

    @rx.event(background=True)
    @admin_event
    async def check_now(self):
        """Run every check now; the page updates when the run is stored (through the feed, like other runs)."""
        async with self:
            if self.running:
                return
            self.running = True
        try:
            results = await health.run_checks("manual")
            report = await asyncio.to_thread(health.report, results)
        finally:
            async with self:
                self.running = False
        async with self:
            self._apply(report)

    @rx.event
    @admin_event
    def set_deep_model(self, value: str):
        self.deep_model = str(value).strip()[:200]

    @rx.event(background=True)
    @admin_event
    async def deep_check(self):
        """One billed completion through the gateway (ledger purpose `health`)."""
        async with self:
            if self.deep_running:
                return
            self.deep_running, self.deep_ran = True, False
            model = self.deep_model or None
        try:
            result = await health.deep_check(model)
        finally:
            async with self:
                self.deep_running = False
        async with self:
            self.deep_ran, self.deep_ok = True, bool(result["success"])
            cost = "unpriced" if result["success"] and result["cost_usd"] is None else money(result["cost_usd"])
            self.deep_summary = (f"{result['model']} answered in {result['latency_ms']:,.0f} ms · {result['tokens']} "
                                 f"tokens · {cost}" if result["success"] else "")
            self.deep_error = str(result["error"] or "")[:400]
