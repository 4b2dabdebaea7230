"""The budget monitor of the LiteLLM Configuration page: spend against the limits, gauges, alert history."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import plotly.graph_objects as go
import reflex as rx

from resync_app.components import charts
from resync_app.llm import budget
from resync_app.state.formatting import money, when
from resync_app.state.guard import acting_admin, admin_event
from resync_app.state.litellm_config import LiteLLMConfigState
from resync_app.state.socket_client import client_address


@dataclasses.dataclass
class BudgetRow:
    kind: str = ""
    label: str = ""
    spent: str = ""
    limit: str = ""
    remaining: str = ""
    used: str = ""
    used_value: float = 0.0
    threshold: str = ""
    resets_at: str = ""
    burn_rate: str = ""
    exhaustion: str = ""
    exhausted: bool = False
    over_threshold: bool = False
    enforced: bool = True


@dataclasses.dataclass
class AlertRow:
    id: int = 0
    created_at: str = ""
    period: str = ""
    threshold: str = ""
    message: str = ""
    acknowledged: bool = False
    acknowledged_by: str = ""
    acknowledged_at: str = ""
    critical: bool = False


class BudgetsState(LiteLLMConfigState):
    """Today's and this month's budget, and the alerts raised."""

    spend_today: str = "$0.00"
    spend_month: str = "$0.00"
    budgets: list[BudgetRow] = []
    daily_gauge: go.Figure = charts.blank()
    monthly_gauge: go.Figure = charts.blank()
    alerts: list[AlertRow] = []
    open_alerts: int = 0
    budgets_note: str = ""  # said plainly when the budgets do not limit new calls (cost tracking off)

    def _load(self) -> None:
        budget.guard.refresh()  # the rollups may hold calls other processes (or seed-demo) wrote
        periods = budget.guard.status()
        rows = []
        for kind, label in (("daily", "Today"), ("monthly", "This month")):
            p = periods[kind]
            used = float(p["used_percent"])
            threshold = float(p["alert_threshold"]) * 100
            rows.append(BudgetRow(
                kind=kind, label=label, spent=money(p["spent_usd"]), limit=money(p["limit_usd"]),
                remaining=money(p["remaining_usd"]), used=f"{used:.1f}%", used_value=min(used, 100.0),
                threshold=f"{threshold:.0f}%", resets_at=when(p["resets_at"]),
                burn_rate=money(p["burn_rate_usd_per_day"]) + " / day",
                exhaustion=when(p["projected_exhaustion"]) if p["projected_exhaustion"] else "not before the reset",
                exhausted=bool(p["exhausted"]), over_threshold=used >= threshold, enforced=bool(p["enforced"]),
            ))
        self.budgets = rows
        self.budgets_note = budget.enforcement_note() or ""
        self.spend_today = money(periods["daily"]["spent_usd"])
        self.spend_month = money(periods["monthly"]["spent_usd"])
        self.daily_gauge = charts.budget_gauge(periods["daily"])
        self.monthly_gauge = charts.budget_gauge(periods["monthly"])
        self.alerts = [
            AlertRow(id=a["id"], created_at=when(a["created_at"]), period=f"{a['period']} {a['period_key']}",
                     threshold=f"{float(a['threshold']) * 100:.0f}%", message=a["message"],
                     acknowledged=a["acknowledged_at"] is not None, acknowledged_by=a["acknowledged_by"] or "",
                     acknowledged_at=when(a["acknowledged_at"]), critical=float(a["threshold"]) >= 1.0)
            for a in budget.alerts(25)
        ]
        self.open_alerts = sum(1 for a in self.alerts if not a.acknowledged)
        self.refreshed_at = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")

    @rx.event
    @admin_event
    def acknowledge(self, alert_id: int):
        if not budget.acknowledge(int(alert_id), acting_admin().username, client_address(self)):
            return rx.toast.error(f"No budget alert {alert_id}.")
        self._load()
        return rx.toast.success("Alert acknowledged.")
