"""The Reflex app: pages, the REST API mounted in, and the service layer started in the lifespan."""

from __future__ import annotations

import contextlib

import reflex as rx

from resync_app import runtime
from resync_app.api.app import create_api
from resync_app.components import brand
from resync_app.pages.admin import audit as audit_page
from resync_app.pages.admin import health as health_page
from resync_app.pages.admin import home as home_page
from resync_app.pages.admin import learning as learning_page
from resync_app.pages.admin import litellm_analytics as litellm_analytics_page
from resync_app.pages.admin import litellm_config as litellm_config_page
from resync_app.pages.admin import proactive as proactive_page
from resync_app.pages.admin import system_config as system_config_page
from resync_app.pages.admin import teams_config as teams_config_page
from resync_app.pages.admin import tws_config as tws_config_page
from resync_app.pages.admin import users as users_page
from resync_app.pages.login import login
from resync_app.pages.operator import chat as chat_page
from resync_app.pages.operator import metrics as metrics_page
from resync_app.pages.operator import monitoring as monitoring_page
from resync_app.pages.operator import realtime as realtime_page
from resync_app.pages.operator import shift_report as shift_report_page
from resync_app.state.admin_data import AdminDataMiddleware
from resync_app.state.audit import AuditState
from resync_app.state.chat import ChatState
from resync_app.state.health import HealthState
from resync_app.state.input_filter import StripNulMiddleware
from resync_app.state.learning import LearningState
from resync_app.state.litellm_analytics import LiteLLMAnalyticsState
from resync_app.state.litellm_config import LiteLLMConfigState
from resync_app.state.metrics_dashboard import MetricsDashboardState
from resync_app.state.monitoring import MonitoringState
from resync_app.state.operator_frame import OperatorFrameState
from resync_app.state.proactive import ProactiveState
from resync_app.state.session import LoginState, SessionState
from resync_app.state.shift_report import ShiftReportState
from resync_app.state.system_config import SystemConfigState
from resync_app.state.teams_config import TeamsConfigState
from resync_app.state.tws_config import TwsConfigState
from resync_app.state.users import UsersState


@contextlib.asynccontextmanager
async def _services():
    runtime.startup()
    try:
        yield
    finally:
        runtime.shutdown()


# head_components: the tab icon (SVG, ICO fallback) and the home-screen icon on every page (assets/).
app = rx.App(api_transformer=create_api(), theme=None, head_components=brand.head_components())
app.register_lifespan_task(_services)
app.add_middleware(StripNulMiddleware())  # no NUL character reaches a handler (PostgreSQL refuses them)
app.add_middleware(AdminDataMiddleware())  # no admin data for a client without a live admin session

# Operator pages: no sign-in, unless RESYNC_OPERATOR_LOGIN=required (the gate is every page's first on_load).
_OPERATOR_GATE = OperatorFrameState.require_sign_in
app.add_page(chat_page.chat, route="/", title="Resync | Assistant", on_load=[_OPERATOR_GATE, ChatState.load])
app.add_page(monitoring_page.monitoring, route="/monitoring", title="Resync | Job monitoring",
             on_load=[_OPERATOR_GATE, MonitoringState.load])
app.add_page(realtime_page.realtime, route="/realtime-dashboard", title="Resync | Real-time",
             on_load=[_OPERATOR_GATE])
app.add_page(metrics_page.metrics_dashboard, route="/metrics/dashboard", title="Resync | Metrics",
             on_load=[_OPERATOR_GATE, MetricsDashboardState.load])
app.add_page(shift_report_page.shift_report, route="/shift-report", title="Resync | Shift report",
             on_load=[_OPERATOR_GATE, ShiftReportState.load])

# Sign-in.
app.add_page(login, route="/login", title="Resync | Sign in", on_load=LoginState.check_login_page)

# Admin pages: every on_load starts with the server-side session check.
_GUARD = SessionState.check_admin
app.add_page(home_page.home, route="/admin", title="Resync | Admin", on_load=[_GUARD, AuditState.load])
app.add_page(audit_page.audit, route="/admin/audit", title="Resync | Audit log", on_load=[_GUARD, AuditState.load])
app.add_page(users_page.users, route="/admin/users", title="Resync | Users", on_load=[_GUARD, UsersState.load])
app.add_page(system_config_page.system_config, route="/admin/system", title="Resync | System Configuration",
             on_load=[_GUARD, SystemConfigState.load])
app.add_page(teams_config_page.teams_config, route="/admin/teams", title="Resync | Teams Configuration",
             on_load=[_GUARD, TeamsConfigState.load])
app.add_page(tws_config_page.tws_config, route="/admin/tws", title="Resync | TWS Configuration",
             on_load=[_GUARD, TwsConfigState.load])
app.add_page(health_page.health, route="/admin/health", title="Resync | Health Monitoring",
             on_load=[_GUARD, HealthState.load])
app.add_page(proactive_page.proactive, route="/admin/proactive", title="Resync | Proactive Monitoring",
             on_load=[_GUARD, ProactiveState.load])
app.add_page(litellm_config_page.litellm_config, route="/admin/litellm", title="Resync | LiteLLM Configuration",
             on_load=[_GUARD, LiteLLMConfigState.load])
app.add_page(litellm_analytics_page.litellm_analytics, route="/admin/litellm-analytics",
             title="Resync | LiteLLM Analytics", on_load=[_GUARD, LiteLLMAnalyticsState.load])
app.add_page(learning_page.learning, route="/admin/learning", title="Resync | Learning from operators",
             on_load=[_GUARD, LearningState.load])
