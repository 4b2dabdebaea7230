"""What the LLM gateway hands around: its errors, a provider as it runs, a routed call and its result, and
the URL checks every provider base goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from resync_app.llm.providers import ModelRef

# Change-feed topics: every worker reloads from the database when another one changed these.
TOPIC_PROVIDERS, TOPIC_PRICES, TOPIC_ROUTER = "llm.providers", "llm.prices", "llm.router"


class GatewayError(Exception):
    """A call that failed; `message` is the provider's (or our) explanation, safe to show."""

    def __init__(self, message: str, error_class: str = "", model: str = "") -> None:
        super().__init__(message)
        self.error_class, self.model = error_class, model


class ModelNotRoutable(GatewayError):
    """The model is unknown or its provider is disabled/unconfigured."""


@dataclass
class ProviderState:
    """A provider as the gateway runs it (the key stays here, on the server)."""

    spec: Any
    enabled: bool
    api_key: str | None
    key_source: str  # admin | env | none
    api_base: str
    models: list[ModelRef]
    default_base: str = ""  # the base an empty `api_base` means
    key_withheld: str = ""  # why a stored key is not used (it belongs to another base)
    entries: list[str] = field(default_factory=list)  # as stored: "model-id" or "alias=model-id"
    updated_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None

    @property
    def configured(self) -> bool:
        return (is_http_url(self.api_base) and bool(self.models)
                and (bool(self.api_key) or not self.spec.needs_key))

    @property
    def active(self) -> bool:
        return self.enabled and self.configured


@dataclass
class CallResult:
    text: str
    model: str
    provider: str
    route_reason: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    latency_ms: float
    cache_hit: bool
    request_id: str
    explanation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{id, name, arguments (JSON text)}]


@dataclass
class PreparedCall:
    """A routed and admitted call, ready to send (`LLMGateway.prepare`)."""

    target: str
    ref: ModelRef
    reason: str
    request_id: str
    purpose: str
    explanation: str
    kwargs: dict[str, Any]
    overall: float
    started: float


def tool_calls_of(message: Any) -> list[dict[str, Any]]:
    """The tool calls of a LiteLLM message as plain dicts."""
    out = []
    for call in getattr(message, "tool_calls", None) or []:
        function = getattr(call, "function", None)
        out.append({"id": getattr(call, "id", None) or f"call_{len(out)}",
                    "name": getattr(function, "name", "") or "",
                    "arguments": getattr(function, "arguments", "") or "{}"})
    return out



def is_http_url(value: str | None) -> bool:
    """An http(s) URL with a host: the only kind of base the gateway ever sends a request to."""
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def same_base(a: str | None, b: str | None) -> bool:
    return (a or "").strip().rstrip("/").lower() == (b or "").strip().rstrip("/").lower()
