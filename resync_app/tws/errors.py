"""Typed errors of the HWA client.

Every failure talking to TWS becomes one of these. `kind` classifies it (health checks, events, the
Test-connection answer), `status_code` is the HTTP status when TWS answered, and the message is safe to show a
person: it says what went wrong and what to do, and never contains the password (the client builds messages from
its own words plus the server's reply, and strips the password from the latter just in case).
"""

from __future__ import annotations


class TWSError(Exception):
    """Base class: `kind`, `status_code` (or None) and a message a person can act on (`str(exc)`)."""

    kind: str = "error"
    default_status: int | None = None

    def __init__(self, message: str, *, status_code: int | None = None, instance: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code if status_code is not None else self.default_status
        self.instance = instance

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        """A JSON-safe description (what the Test-connection route and the poller's state show)."""
        return {"kind": self.kind, "status_code": self.status_code, "message": self.message}


class TWSUnreachable(TWSError):
    """No HTTP answer at all: connection refused, unknown host, TLS handshake or certificate failure."""

    kind = "unreachable"


class TWSUnauthorized(TWSError):
    """401: TWS did not accept the user name and password."""

    kind = "unauthorized"
    default_status = 401


class TWSForbidden(TWSError):
    """403: the user is known but lacks the TWS security rights for this request."""

    kind = "forbidden"
    default_status = 403


class TWSNotFound(TWSError):
    """404: no such job/run/workstation in the plan (or the base URL does not point at the TWS server root)."""

    kind = "not_found"
    default_status = 404


class TWSTimeout(TWSError):
    """TWS accepted the connection but did not answer within the configured timeout."""

    kind = "timeout"


class TWSBadAnswer(TWSError):
    """TWS answered, but not with what the REST API v2 promises: not JSON, wrong shape, a redirect, or a 5xx."""

    kind = "bad_answer"


class TWSRefused(TWSError):
    """TWS answered an action (rerun/hold/release/cancel) with a 4xx and its own reason."""

    kind = "refused"


class TWSReadOnly(TWSError):
    """The action was refused locally: the instance is configured read-only (nothing was sent to TWS)."""

    kind = "read_only"


ERROR_KINDS = ("unreachable", "unauthorized", "forbidden", "not_found", "timeout", "bad_answer", "refused",
               "read_only")

__all__ = ["ERROR_KINDS", "TWSBadAnswer", "TWSError", "TWSForbidden", "TWSNotFound", "TWSReadOnly", "TWSRefused",
           "TWSTimeout", "TWSUnauthorized", "TWSUnreachable"]
