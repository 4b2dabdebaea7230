"""A TWS instance as the services use it (`InstanceConfig`, the password kept encrypted) and the errors of the
instance configuration (422, 404, 409)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resync_app import secrets_box
from resync_app.tws.connection import Connection
from resync_app.tws.models import TwsInstance

MASK = "********"


class TwsConfigInvalid(ValueError):
    """A configuration change with bad fields (HTTP 422); `errors` maps a field path to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class UnknownInstance(LookupError):
    """No instance has this name (HTTP 404)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No TWS instance is named {name!r}.")
        self.name = name


class InstanceExists(ValueError):
    """Creating an instance whose name is taken (HTTP 409)."""


@dataclass(frozen=True)
class InstanceConfig:
    """One instance as the services use it (the password stays encrypted; see `password()`)."""

    name: str
    display_name: str
    base_url: str
    username: str
    verify_tls: bool
    enabled: bool
    read_only: bool
    password_encrypted: str | None
    incarnation: str = ""  # changes when the instance is re-created or pointed at another TWS (`incarnation.py`)

    @property
    def password_set(self) -> bool:
        return bool(self.password_encrypted)

    def password(self) -> str | None:
        """The plain password (None if none is stored or the secret key changed since)."""
        return secrets_box.decrypt(self.password_encrypted)

    def connection(self, *, timeout_s: float = 10.0, retries: int = 2) -> Connection:
        """How the HWA client reaches this instance (with the decrypted password)."""
        return Connection(base_url=self.base_url, username=self.username, password=self.password() or "",
                          verify_tls=self.verify_tls, read_only=self.read_only, timeout_s=timeout_s,
                          retries=retries, name=self.name)

    def public(self) -> dict[str, Any]:
        """The JSON shape of the API and the page: the password as a mask, never its value."""
        return {
            "name": self.name, "display_name": self.display_name, "base_url": self.base_url,
            "username": self.username, "password": MASK if self.password_set else None,
            "password_set": self.password_set, "verify_tls": self.verify_tls, "enabled": self.enabled,
            "read_only": self.read_only,
        }




def config_of(row: TwsInstance) -> InstanceConfig:
    return InstanceConfig(name=row.name, display_name=row.display_name or row.name, base_url=row.base_url,
                          username=row.username, verify_tls=row.verify_tls, enabled=row.enabled,
                          read_only=row.read_only, password_encrypted=row.password_encrypted,
                          incarnation=row.incarnation)
