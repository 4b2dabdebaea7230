"""The Teams configuration: vocabularies, validation, the encrypted write-only webhook URL, audit.

Read from the database on every use (one small row), so a change made on any worker applies on every worker at
once; a change is also published on the feed topic `teams` for the pages.

Write-only webhook URL: a change that omits it, sends null, or sends back the masked value keeps the stored one;
an empty string removes it. It must be https; plain http is accepted only for loopback hosts (tests, an on-prem
relay on the same machine). It is never returned, logged or audited (the audit says "changed" / "removed").
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from resync_app.audit.service import record as audit
from resync_app.db import session_scope, utcnow
from resync_app.events import feed
from resync_app.logging_setup import register_secret
from resync_app.notify import TWS_EVENT_TYPES
from resync_app.secrets_box import decrypt, encrypt
from resync_app.teams.models import TeamsSettings
from resync_app.tws.incidents import DEFAULT_WINDOW_S, MAX_WINDOW_S
from resync_app.tws.statuses import CODES as STATUS_CODES

TOPIC = "teams"

# HWA job statuses (`tws/statuses.py`: the spec's JobInPlanStatus enum and the engine's other codes) plus CANCELLED,
# the spelling the operator API uses (CONTRACT §9).
JOB_STATUSES = (*STATUS_CODES, "CANCELLED")
LLM_BUDGET = "llm_budget"
NOTIFICATION_TYPES = (*TWS_EVENT_TYPES, LLM_BUDGET)
JOB_EVENT_TYPES = tuple(t for t in TWS_EVENT_TYPES if t.startswith("job_")) + ("deadline_at_risk",)

# What a fresh install notifies: problems and recoveries, not routine starts and completions.
DEFAULT_NOTIFICATION_TYPES = ("job_abended", "job_stuck", "job_late", "deadline_at_risk", "workstation_unlinked",
                              "workstation_offline", "instance_critical", "instance_unreachable", "instance_recovered",
                              "failure_rate_high", LLM_BUDGET)
DEFAULT_JOB_STATUS_FILTERS: tuple[str, ...] = ()  # empty = any status (the notification types choose the events)
DEFAULT_INCIDENT_WINDOW_S = DEFAULT_WINDOW_S  # events of one cause within it are one incident, one card
MAX_INCIDENT_WINDOW_S = MAX_WINDOW_S

MAX_URL = 2048
MAX_NAME = 100
MAX_LIST = 50
_INSTANCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TeamsConfigError(ValueError):
    """Invalid fields: `errors` maps each to a message (never echoing a submitted URL)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TeamsConfigUpdate(BaseModel):
    """A change: every field optional (omitted = unchanged). No length limits here: a rejected value must not be
    echoed back in a validation error (it may be the webhook URL); `check_update` gives the messages."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    webhook_url: str | None = None
    channel_name: str | None = None
    bot_name: str | None = None
    avatar_url: str | None = None
    enable_conversation_learning: bool | None = None
    enable_job_notifications: bool | None = None
    monitored_tws_instances: list[str] | None = None
    job_status_filters: list[str] | None = None
    notification_types: list[str] | None = None
    teams_incident_window_seconds: Any = None  # checked by `check_update` (a whole number of seconds)


@dataclass
class TeamsConfig:
    """The configuration as the services use it (the webhook URL stays encrypted until sent)."""

    enabled: bool = False
    webhook_url_encrypted: str | None = None
    channel_name: str = ""
    bot_name: str = "Resync"
    avatar_url: str = ""
    enable_conversation_learning: bool = False
    enable_job_notifications: bool = True
    monitored_tws_instances: list[str] = field(default_factory=list)
    job_status_filters: list[str] = field(default_factory=lambda: list(DEFAULT_JOB_STATUS_FILTERS))
    notification_types: list[str] = field(default_factory=lambda: list(DEFAULT_NOTIFICATION_TYPES))
    teams_incident_window_seconds: int = DEFAULT_INCIDENT_WINDOW_S
    updated_at: str | None = None
    updated_by: str = ""

    @property
    def has_webhook(self) -> bool:
        return bool(self.webhook_url_encrypted)

    def webhook_url(self) -> str | None:
        """The plain URL (registered for log redaction), or None if unset or unreadable (secret key changed)."""
        return decrypt(self.webhook_url_encrypted)


# ---- masking and URL rules ---------------------------------------------------------------------------


def mask(url: str | None) -> str:
    """What may be shown of a webhook URL: scheme, host (and port) and the last 4 characters,
    e.g. `https://contoso.webhook.office.com/…a1b2`; "" when unset."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…{url[-4:]}"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook URL (None if it can). Never quotes the URL."""
    if len(url) > MAX_URL:
        return f"must be at most {MAX_URL} characters"
    if any(c.isspace() for c in url) or _CONTROL.search(url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an https:// URL with a host (the incoming-webhook URL Teams shows)"
    if parts.scheme == "http" and not is_loopback(host):
        return "must use https:// (plain http:// is accepted only for loopback hosts such as 127.0.0.1)"
    return None


def _http_url_problem(url: str) -> str | None:
    if len(url) > MAX_URL:
        return f"must be at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        return "must be an http(s) URL with a host (or empty)"
    return None


# ---- reading -----------------------------------------------------------------------------------------


def _from_row(row: TeamsSettings | None) -> TeamsConfig:
    if row is None:
        return TeamsConfig()
    return TeamsConfig(
        enabled=bool(row.enabled), webhook_url_encrypted=row.webhook_url_encrypted, channel_name=row.channel_name,
        bot_name=row.bot_name, avatar_url=row.avatar_url,
        enable_conversation_learning=bool(row.enable_conversation_learning),
        enable_job_notifications=bool(row.enable_job_notifications),
        monitored_tws_instances=json.loads(row.monitored_tws_instances_json or "[]"),
        job_status_filters=json.loads(row.job_status_filters_json or "[]"),
        notification_types=json.loads(row.notification_types_json or "[]"),
        teams_incident_window_seconds=int(row.teams_incident_window_seconds),
        updated_at=row.updated_at.isoformat() if row.updated_at else None, updated_by=row.updated_by,
    )


def load(conn=None) -> TeamsConfig:
    """The saved configuration (defaults when never saved); read through `conn` when given (inside a poll's
    transaction)."""
    if conn is not None:
        with Session(bind=conn) as db:
            return _from_row(db.get(TeamsSettings, 1))
    with session_scope() as db:
        return _from_row(db.get(TeamsSettings, 1))


def view(config: TeamsConfig | None = None) -> dict[str, Any]:
    """The REST/page shape: the webhook URL masked, plus whether one is stored."""
    config = config or load()
    url = config.webhook_url() if config.has_webhook else None
    return {
        "enabled": config.enabled,
        "webhook_url": mask(url) if url else ("(unreadable: re-enter it)" if config.has_webhook else ""),
        "webhook_configured": bool(url),
        "channel_name": config.channel_name,
        "bot_name": config.bot_name,
        "avatar_url": config.avatar_url,
        "enable_conversation_learning": config.enable_conversation_learning,
        "enable_job_notifications": config.enable_job_notifications,
        "monitored_tws_instances": list(config.monitored_tws_instances),
        "job_status_filters": list(config.job_status_filters),
        "notification_types": list(config.notification_types),
        "teams_incident_window_seconds": config.teams_incident_window_seconds,
        "updated_at": config.updated_at,
        "updated_by": config.updated_by,
    }


# ---- validation and writing --------------------------------------------------------------------------


def _names(values: list[str], known: tuple[str, ...], what: str, upper: bool = False) -> tuple[list[str], str | None]:
    cleaned: list[str] = []
    unknown: list[str] = []
    for raw in values:
        value = str(raw).strip()
        value = value.upper() if upper else value
        if value in known:
            if value not in cleaned:
                cleaned.append(value)
        else:
            unknown.append(value[:40])
    if unknown:
        return cleaned, f"unknown {what}: {', '.join(repr(u) for u in unknown[:5])}; known: {', '.join(known)}"
    return cleaned, None


def check_update(body: TeamsConfigUpdate, current: TeamsConfig) -> dict[str, Any]:
    """The changes a valid update makes ({field: new value}; `webhook_url` as the plain URL or "" to remove),
    or TeamsConfigError with one message per bad field (nothing is applied then)."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in ("enabled", "enable_conversation_learning", "enable_job_notifications"):
        value = getattr(body, name)
        if value is not None and value != getattr(current, name):
            changes[name] = value
    if body.webhook_url is not None:
        url = body.webhook_url.strip()
        current_url = current.webhook_url() if current.has_webhook else None
        if current_url and url in (mask(current_url), current_url):
            pass  # the masked value sent back (or the same URL): keep it
        elif url == "":
            if current.has_webhook:
                changes["webhook_url"] = ""
        elif (problem := webhook_problem(url)) is not None:
            errors["webhook_url"] = problem
        else:
            changes["webhook_url"] = url
    for name in ("channel_name", "bot_name"):
        value = getattr(body, name)
        if value is None:
            continue
        value = value.strip()
        if len(value) > MAX_NAME or _CONTROL.search(value):
            errors[name] = f"must be at most {MAX_NAME} characters on one line"
        elif name == "bot_name" and not value:
            errors[name] = "must not be empty (it names the sender on each card)"
        elif value != getattr(current, name):
            changes[name] = value
    if body.avatar_url is not None:
        value = body.avatar_url.strip()
        if value and (problem := _http_url_problem(value)) is not None:
            errors["avatar_url"] = problem
        elif value != current.avatar_url:
            changes["avatar_url"] = value
    lists = (("job_status_filters", JOB_STATUSES, "job status(es)", True),
             ("notification_types", NOTIFICATION_TYPES, "notification type(s)", False))
    for name, known, what, upper in lists:
        values = getattr(body, name)
        if values is None:
            continue
        if len(values) > len(known):
            errors[name] = f"at most {len(known)} values"
            continue
        cleaned, problem = _names(values, known, what, upper)
        if problem:
            errors[name] = problem
        elif cleaned != getattr(current, name):
            changes[name] = cleaned
    if body.teams_incident_window_seconds is not None:
        value = body.teams_incident_window_seconds
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INCIDENT_WINDOW_S:
            errors["teams_incident_window_seconds"] = (f"must be a whole number of seconds from 0 (no incidents: one "
                                                       f"card per event) to {MAX_INCIDENT_WINDOW_S}")
        elif value != current.teams_incident_window_seconds:
            changes["teams_incident_window_seconds"] = value
    if body.monitored_tws_instances is not None:
        names: list[str] = []
        bad = [str(n)[:40] for n in body.monitored_tws_instances if not _INSTANCE_NAME.match(str(n).strip())]
        if bad:
            errors["monitored_tws_instances"] = (f"invalid instance name(s): {', '.join(repr(b) for b in bad[:5])} "
                                                 "(letters, digits, '_', '.', ':' or '-'; at most 64)")
        elif len(body.monitored_tws_instances) > MAX_LIST:
            errors["monitored_tws_instances"] = f"at most {MAX_LIST} instances"
        else:
            for raw in body.monitored_tws_instances:
                if raw.strip() not in names:
                    names.append(raw.strip())
            if names != current.monitored_tws_instances:
                changes["monitored_tws_instances"] = names
    if errors:
        raise TeamsConfigError(errors)
    return changes


def update(body: TeamsConfigUpdate | dict[str, Any], actor: str, client: str = "") -> dict[str, Any]:
    """Validate and store a change (all or nothing), audit it and tell every worker; returns the new view.
    Raises TeamsConfigError (nothing changed) or pydantic's ValidationError for a malformed dict."""
    if isinstance(body, dict):
        body = TeamsConfigUpdate(**body)
    try:
        return _update_once(body, actor, client)
    except IntegrityError:  # another worker created the settings row at the same moment: redo on its data
        return _update_once(body, actor, client)


def _update_once(body: TeamsConfigUpdate, actor: str, client: str) -> dict[str, Any]:
    current = load()
    changes = check_update(body, current)
    if not changes:
        return view(current)
    detail: dict[str, Any] = {}
    with session_scope() as db:
        row = db.get(TeamsSettings, 1)
        if row is None:
            row = TeamsSettings(id=1, job_status_filters_json=json.dumps(list(DEFAULT_JOB_STATUS_FILTERS)),
                                notification_types_json=json.dumps(list(DEFAULT_NOTIFICATION_TYPES)))
        for name, value in changes.items():
            if name == "webhook_url":
                if value:
                    register_secret(value)
                    row.webhook_url_encrypted = encrypt(value)
                    detail["webhook_url"] = "changed"
                else:
                    row.webhook_url_encrypted = None
                    detail["webhook"] = "removed"
            elif name in ("monitored_tws_instances", "job_status_filters", "notification_types"):
                setattr(row, f"{name}_json", json.dumps(value))
                detail[name] = [getattr(current, name), value]
            else:
                setattr(row, name, value)
                detail[name] = [getattr(current, name), value]
        row.updated_at, row.updated_by = utcnow(), actor
        db.add(row)
        audit(actor, "teams.config.update", target="teams", detail=detail, client=client, session=db)
    feed.publish(TOPIC, {"what": "config"})
    return view()
