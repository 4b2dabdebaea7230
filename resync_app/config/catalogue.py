"""The catalogue of the 61 system-configuration fields (11 categories).

This module is the single typed definition of every field: the API, the
System Configuration page, the validator and the docs all read it.  Names
are kept exactly as the design has them (mixed case included).  Ranges are
inclusive.  Coercion and cross-field rules live in ``validation``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

FieldType = Literal["int", "float", "bool", "string"]


@dataclass(frozen=True)
class CategorySpec:
    """One category (a tab/section of the System Configuration page)."""

    name: str
    display_name: str
    description: str


@dataclass(frozen=True)
class FieldSpec:
    """One configuration field.

    ``dynamic_options``: the options are a starting catalogue; the running app
    also accepts values its configured providers serve (see
    ``validation.coerce``'s ``extra`` argument).
    ``url``: the value must be an http(s) URL with a host.
    ``ignore_case``: options are matched case-insensitively and normalised
    to the option's spelling.
    """

    name: str
    category: str
    type: FieldType
    default: Any
    description: str
    min_value: int | float | None = None
    max_value: int | float | None = None
    options: tuple[str, ...] | None = None
    requires_restart: bool = False
    sensitive: bool = False
    dynamic_options: bool = False
    url: bool = False
    ignore_case: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (options as a list), as the API serves it."""
        data = asdict(self)
        data["options"] = list(self.options) if self.options is not None else None
        return data


# --- categories (spec order) -------------------------------------------------

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("performance", "Performance & Cache",
                 "Sizes of the in-process cache and of the database and Redis connection pools."),
    CategorySpec("tws_monitoring", "TWS Monitoring",
                 "How the TWS plan is polled and when jobs, anomalies and failure patterns are reported."),
    CategorySpec("data_retention", "Data Retention",
                 "How many days job records, summaries and detected patterns are kept."),
    CategorySpec("rate_limiting", "Rate Limiting",
                 "Per-client request limits on public, authenticated, critical and websocket endpoints."),
    CategorySpec("rag_service", "RAG Service",
                 "Where the retrieval (RAG) service lives and how its requests time out and retry."),
    CategorySpec("litellm", "LiteLLM & AI Models",
                 "The LLM endpoint, the default models and the LiteLLM router's timeouts and retries."),
    CategorySpec("llm_budget", "LLM Cost & Budget",
                 "Daily and monthly LLM spend limits, budget alerts, cost tracking and the response cache."),
    CategorySpec("model_routing", "Smart Model Routing",
                 "Which model answers simple, complex and fallback queries when routing by complexity."),
    CategorySpec("logging", "Logging",
                 "Log level, output format and redaction of sensitive data."),
    CategorySpec("notifications", "Notifications",
                 "Browser and Microsoft Teams notifications of TWS events and the live dashboards' refresh and theme."),
    CategorySpec("feature_flags", "Feature Flags",
                 "Switches for the migration to the new cache, TWS client and rate limiter."),
)

# --- option lists ------------------------------------------------------------

_MODELS = (
    "gpt-3.5-turbo", "gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-mini",
    "claude-3-haiku-20240307", "claude-3-sonnet-20240229", "claude-3-opus-20240229",
    "claude-3-5-sonnet-20240620", "ollama/llama3", "ollama/mistral", "ollama/codellama",
    "together_ai/llama-3-70b", "together_ai/mixtral-8x7b",
)
_SIMPLE_MODELS = ("gpt-3.5-turbo", "gpt-4o-mini", "claude-3-haiku-20240307",
                  "ollama/llama3", "ollama/mistral")
_COMPLEX_MODELS = ("gpt-4", "gpt-4-turbo", "gpt-4o", "claude-3-sonnet-20240229",
                   "claude-3-opus-20240229", "together_ai/llama-3-70b")

# --- compact constructors ----------------------------------------------------


def _int(name: str, cat: str, default: int, lo: int, hi: int, desc: str,
         restart: bool = False) -> FieldSpec:
    return FieldSpec(name, cat, "int", default, desc, lo, hi, requires_restart=restart)


def _float(name: str, cat: str, default: float, lo: float, hi: float, desc: str,
           restart: bool = False) -> FieldSpec:
    return FieldSpec(name, cat, "float", default, desc, lo, hi, requires_restart=restart)


def _bool(name: str, cat: str, default: bool, desc: str, restart: bool = False) -> FieldSpec:
    return FieldSpec(name, cat, "bool", default, desc, requires_restart=restart)


def _str(name: str, cat: str, default: str, desc: str, options: tuple[str, ...] | None = None,
         restart: bool = False, **flags: bool) -> FieldSpec:
    return FieldSpec(name, cat, "string", default, desc, options=options,
                     requires_restart=restart, **flags)


def _model(name: str, cat: str, default: str, desc: str, options: tuple[str, ...]) -> FieldSpec:
    return _str(name, cat, default, desc, options, dynamic_options=True)


# --- the 61 fields (spec order) ----------------------------------------------

_P, _T, _R, _L = "performance", "tws_monitoring", "data_retention", "rate_limiting"
_G, _M, _B, _X = "rag_service", "litellm", "llm_budget", "model_routing"
_O, _N, _F = "logging", "notifications", "feature_flags"

_ALL: tuple[FieldSpec, ...] = (
    # Performance & Cache
    _int("robust_cache_max_items", _P, 100000, 100, 1000000, "Upper bound on entries held by the in-process cache"),
    _int("robust_cache_max_memory_mb", _P, 100, 10, 4096, "Memory ceiling of the in-process cache, in MB"),
    _int("robust_cache_eviction_batch_size", _P, 100, 1, 1000, "How many entries one eviction pass removes when the cache is full"),
    _bool("robust_cache_enable_weak_refs", _P, True, "Hold large cached objects through weak references"),
    _int("db_pool_min_size", _P, 20, 1, 100, "Database connections kept open at minimum", restart=True),
    _int("db_pool_max_size", _P, 100, 1, 1000, "Database connections allowed at most", restart=True),
    _int("redis_pool_min_size", _P, 5, 1, 100, "Redis connections kept open at minimum", restart=True),
    _int("redis_pool_max_size", _P, 20, 1, 1000, "Redis connections allowed at most", restart=True),
    # TWS Monitoring
    _bool("tws_polling_enabled", _T, True, "Poll the TWS plan in the background"),
    _int("tws_polling_interval_seconds", _T, 30, 5, 300, "Seconds between two polls of the TWS plan"),
    _str("tws_polling_mode", _T, "fixed", "How the poll interval is chosen: fixed, adaptive (faster while jobs run or fail) or scheduled (business hours)", ("fixed", "adaptive", "scheduled")),
    _int("tws_job_stuck_threshold_minutes", _T, 60, 10, 1440, "A job executing longer than this is reported as stuck"),
    _int("tws_job_late_threshold_minutes", _T, 30, 5, 720, "A job not started this long after its scheduled time is reported as late"),
    _float("tws_anomaly_failure_rate_threshold", _T, 0.1, 0.01, 1.0, "Share of failed jobs (0-1) above which an anomaly alert is raised"),
    _bool("tws_pattern_detection_enabled", _T, True, "Look for recurring failure patterns in job history"),
    _int("tws_pattern_detection_interval_minutes", _T, 60, 15, 1440, "Minutes between two pattern-detection runs"),
    _float("tws_pattern_min_confidence", _T, 0.5, 0.1, 1.0, "Lowest confidence (0-1) at which a detected pattern is reported"),
    _bool("tws_solution_correlation_enabled", _T, True, "Suggest fixes that worked before for similar failures"),
    _float("tws_solution_min_success_rate", _T, 0.6, 0.0, 1.0, "Lowest past success rate (0-1) for a fix to be suggested"),
    # Data Retention
    _int("tws_retention_days_full", _R, 7, 1, 30, "Days that full job records are kept"),
    _int("tws_retention_days_summary", _R, 30, 7, 90, "Days that summaries and events are kept"),
    _int("tws_retention_days_patterns", _R, 90, 30, 365, "Days that detected patterns are kept"),
    # Rate Limiting
    _int("rate_limit_public_per_minute", _L, 100, 1, 10000, "Requests per minute per client on unauthenticated endpoints"),
    _int("rate_limit_authenticated_per_minute", _L, 1000, 1, 100000, "Requests per minute per client on authenticated endpoints"),
    _int("rate_limit_critical_per_minute", _L, 50, 1, 1000, "Requests per minute per client on admin and other critical endpoints"),
    _int("rate_limit_websocket_per_minute", _L, 30, 1, 1000, "New websocket connections per minute per client"),
    _bool("rate_limit_sliding_window", _L, True, "Count with a sliding window instead of fixed one-minute buckets"),
    # RAG Service
    _str("rag_service_url", _G, "http://localhost:8003", "Base URL of the retrieval (RAG) service", url=True),
    _int("rag_service_timeout", _G, 300, 10, 600, "Timeout of one RAG request, in seconds"),
    _int("rag_service_max_retries", _G, 3, 0, 10, "Retries of a failed RAG request"),
    _float("rag_service_retry_backoff", _G, 1.0, 0.1, 10.0, "Exponential backoff factor between RAG retries"),
    # LiteLLM & AI Models
    _str("llm_endpoint", _M, "https://integrate.api.nvidia.com/v1", "Base URL of the primary LLM API", url=True),
    _float("llm_timeout", _M, 60.0, 10.0, 300.0, "Timeout of one LLM request, in seconds"),
    _model("auditor_model_name", _M, "gpt-3.5-turbo", "Model used for cheap auditing / simple tasks", _MODELS),
    _model("agent_model_name", _M, "gpt-4o", "Model used for the agent / complex tasks", _MODELS),
    _bool("LITELLM_PRE_CALL_CHECKS", _M, True, "Let the LiteLLM router check context window and deployment health before each call", restart=True),
    _int("LITELLM_NUM_RETRIES", _M, 3, 0, 10, "Retries of a failed LLM call before falling back"),
    _int("LITELLM_TIMEOUT", _M, 120, 10, 600, "Router-level timeout of one LLM call, in seconds"),
    _bool("LITELLM_STRICT_INIT", _M, False, "Refuse to start when the LiteLLM router cannot be built", restart=True),
    # LLM Cost & Budget
    _float("LLM_BUDGET_DAILY_USD", _B, 500.0, 0.0, 10000.0, "Spend allowed per calendar day, in USD (0 = no cloud spend)"),
    _float("LLM_BUDGET_MONTHLY_USD", _B, 5000.0, 0.0, 100000.0, "Spend allowed per calendar month, in USD (0 = no cloud spend)"),
    _float("LLM_BUDGET_ALERT_THRESHOLD", _B, 0.8, 0.1, 1.0, "Share of a budget (0.1-1.0) at which an alert is raised"),
    _bool("LLM_COST_TRACKING_ENABLED", _B, True, "Record tokens and cost of every LLM call"),
    _bool("LLM_USE_CACHE", _B, True, "Answer repeated identical prompts from the response cache"),
    _int("LLM_CACHE_TTL_SECONDS", _B, 3600, 60, 86400, "How long a cached LLM response stays valid, in seconds"),
    # Smart Model Routing
    _bool("LLM_ROUTING_ENABLED", _X, True, "Pick the model per request by query complexity"),
    _model("LLM_ROUTING_SIMPLE_MODEL", _X, "gpt-3.5-turbo", "Model for simple queries (status checks, lookups)", _SIMPLE_MODELS),
    _model("LLM_ROUTING_COMPLEX_MODEL", _X, "gpt-4o", "Model for complex queries (analysis, troubleshooting)", _COMPLEX_MODELS),
    _model("LLM_ROUTING_FALLBACK_MODEL", _X, "gpt-3.5-turbo", "Model used when the chosen one fails or is unavailable", _SIMPLE_MODELS),
    _bool("LLM_PREFER_LOCAL_MODELS", _X, False, "Use local (Ollama) models whenever one is up and fits the request"),
    # Logging
    _str("log_level", _O, "INFO", "Minimum level of log records written", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), ignore_case=True),
    _str("log_format", _O, "json", "Log output format", ("text", "json"), restart=True),
    _bool("log_sensitive_data_redaction", _O, True, "Mask secrets and personal data in log records"),
    # Notifications
    _bool("tws_browser_notifications_enabled", _N, True, "Show browser notifications for TWS events on operator dashboards"),
    _bool("tws_teams_notifications_enabled", _N, False, "Send TWS events to Microsoft Teams"),
    _int("tws_dashboard_refresh_seconds", _N, 5, 1, 60, "Seconds between two refreshes of the live dashboards"),
    _str("tws_dashboard_theme", _N, "auto", "Colour theme of the dashboards", ("auto", "light", "dark")),
    # Feature Flags
    _bool("MIGRATION_USE_NEW_CACHE", _F, False, "Switch to the new asynchronous cache implementation", restart=True),
    _bool("MIGRATION_USE_NEW_TWS", _F, False, "Switch to the new TWS client", restart=True),
    _bool("MIGRATION_USE_NEW_RATE_LIMIT", _F, False, "Switch to the new rate limiter", restart=True),
    _bool("MIGRATION_ENABLE_METRICS", _F, True, "Record metrics about the migrations above"),
)

FIELDS: dict[str, FieldSpec] = {f.name: f for f in _ALL}

CROSS_FIELD_RULES: tuple[tuple[str, str], ...] = (
    ("db_pool_min_size", "db_pool_max_size"),
    ("redis_pool_min_size", "redis_pool_max_size"),
    ("tws_retention_days_full", "tws_retention_days_summary"),
    ("tws_retention_days_summary", "tws_retention_days_patterns"),
)
"""Pairs ``(left, right)`` meaning the value of ``left`` must be ≤ that of ``right``."""

_CATEGORY_BY_NAME = {c.name: c for c in CATEGORIES}


def category(name: str) -> CategorySpec:
    """The category called ``name``; ``KeyError`` if there is none."""
    return _CATEGORY_BY_NAME[name]


def fields_in(category_name: str) -> list[FieldSpec]:
    """The fields of one category, in spec order; ``KeyError`` for an unknown category."""
    category(category_name)
    return [f for f in FIELDS.values() if f.category == category_name]


def defaults() -> dict[str, Any]:
    """A fresh ``{field name: default}`` for all fields, in spec order."""
    return {f.name: f.default for f in FIELDS.values()}
