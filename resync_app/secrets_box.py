"""Encryption of stored secrets (provider keys, webhook URLs) with a key derived from RESYNC_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from resync_app.logging_setup import register_secret
from resync_app.settings import get_settings


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"resync-secrets-v1:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    register_secret(plain)
    return _fernet(get_settings().secret_key).encrypt(plain.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """The plain secret, or None if absent or not readable with this secret key (it was changed)."""
    if not token:
        return None
    try:
        plain = _fernet(get_settings().secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None
    register_secret(plain)
    return plain


def hint(secret: str | None) -> str:
    """At most the last 4 characters, for display ("…abcd")."""
    if not secret:
        return ""
    return "…" + secret[-4:] if len(secret) >= 12 else "…"
