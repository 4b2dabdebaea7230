"""Validation of a provider change (`PUT /providers/{id}` and the provider dialog share it)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field

from resync_app.llm.providers import parse_model_entry
from resync_app.secrets_box import hint

MAX_MODELS = 50


class ProviderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    api_key: str | None = Field(None, max_length=500)
    api_base: str | None = Field(None, max_length=2048)
    models: list[str] | None = Field(None, max_length=MAX_MODELS)


class ProviderUpdateError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def check_provider_update(provider_id: str, body: ProviderUpdate, current) -> dict[str, Any]:
    """The changes to apply, or ProviderUpdateError with one message per bad field. Write-only key: omitted,
    null or the shown hint keeps the stored key; an empty string removes the admin-set key. A key never follows
    a new base: changing the base of a provider that has a key needs the key (or an empty one) in the same
    update."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    texts = {"api_key": [body.api_key], "api_base": [body.api_base], "models": body.models or []}
    for name, values in texts.items():
        if any(v and "\x00" in v for v in values):
            errors[name] = "must not contain NUL characters"
    if errors:
        raise ProviderUpdateError(errors)
    if body.enabled is not None:
        changes["enabled"] = body.enabled
    if body.api_key is not None and body.api_key != hint(current.api_key):
        key = body.api_key.strip()
        if key and (len(key) < 8 or any(c.isspace() for c in key)):
            errors["api_key"] = "must be at least 8 characters without spaces (or empty to remove the admin-set key)"
        else:
            changes["api_key"] = key
    if body.api_base is not None:
        base = body.api_base.strip()
        parts = urlsplit(base)
        if base and (parts.scheme not in ("http", "https") or not parts.hostname):
            errors["api_base"] = "must be an http(s) URL with a host, e.g. https://api.openai.com/v1 (or empty for " \
                                 "the default)"
        else:
            changes["api_base"] = base.rstrip("/")
    if body.models is not None:
        entries = [m.strip() for m in body.models if m.strip()]
        if not entries:
            errors["models"] = "list at least one model"
        else:
            publics = []
            for entry in entries:
                try:
                    publics.append(parse_model_entry(provider_id, entry).public)
                except ValueError as exc:
                    errors["models"] = str(exc)
                    break
            if "models" not in errors and len(set(publics)) != len(publics):
                errors["models"] = "the same model is listed twice"
            changes["models"] = entries
    if "api_base" in changes and "api_key" not in changes and "api_key" not in errors and current.api_key:
        new_base = changes["api_base"] or getattr(current, "default_base", "")
        if not _same_base(new_base, current.api_base):
            errors["api_key"] = ("changing api_base sends this provider's calls to another address: send the key "
                                 "again in the same request (api_key), or an empty api_key to drop the stored "
                                 "key; a stored key never follows a new base")
    if errors:
        raise ProviderUpdateError(errors)
    return changes


def _same_base(a: str | None, b: str | None) -> bool:
    return (a or "").strip().rstrip("/").lower() == (b or "").strip().rstrip("/").lower()


def validate_provider_update(provider_id: str, body: ProviderUpdate, current) -> dict[str, Any]:
    """`check_provider_update` for the REST API: 422 with a readable detail."""
    try:
        return check_provider_update(provider_id, body, current)
    except ProviderUpdateError as exc:
        raise HTTPException(422, detail={"errors": exc.errors, "message": str(exc)}) from None
