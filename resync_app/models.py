"""Every table of the app, imported in one place for Alembic's autogenerate and the migration tests."""

from sqlmodel import SQLModel

from resync_app.assistant.learned_models import LearnedAnswer  # noqa: F401
from resync_app.assistant.models import ChatTurn  # noqa: F401
from resync_app.audit.models import AuditEntry  # noqa: F401
from resync_app.auth.models import AuthSession, LoginFailure, User  # noqa: F401
from resync_app.config.models import ConfigAudit, ConfigValue, ConfigVersion  # noqa: F401
from resync_app.health.models import HealthCheckResult  # noqa: F401
from resync_app.llm.budget_models import BudgetHold, BudgetLock  # noqa: F401
from resync_app.llm.models import (  # noqa: F401
    BudgetAlert, LatencyDaily, LedgerEntry, ModelPrice, ProviderSettings, UsageDaily,
)
from resync_app.teams.models import TeamsDelivery, TeamsSettings  # noqa: F401
from resync_app.tws.incident_models import TwsIncident  # noqa: F401
from resync_app.tws.models import (  # noqa: F401
    TwsEvent, TwsInstance, TwsJobRun, TwsPlanJob, TwsPollerControl, TwsPollLog, TwsSettings, TwsSummary, TwsWorkstation,
)

metadata = SQLModel.metadata
