"""FastAPI dependencies: the admin guard used by every admin route, and the caller's address."""

from __future__ import annotations

import base64
import binascii

from fastapi import HTTPException, Request, status

from resync_app.auth import sessions
from resync_app.auth.service import check_credentials
from resync_app.settings import get_settings, origin_of

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="resync"'}


def client_address(request: Request) -> str:
    """The client's address (X-Forwarded-For only behind a proxy listed in RESYNC_TRUSTED_PROXIES)."""
    from resync_app.web.clientaddr import scope_client_ip

    return scope_client_ip(request.scope)


def from_this_site(request: Request, origin_required: bool = False) -> bool:
    """Whether the request's Origin is one of the app's own (CSRF check of browser POSTs): RESYNC_PUBLIC_URL,
    or the origins of RESYNC_HOST:RESYNC_PORT; never the Host header, which a rebound name controls. Without an
    Origin header it passes only when `origin_required` is false; a "null" origin never passes."""
    origin = request.headers.get("origin")
    if origin is None:
        return not origin_required
    return origin_allowed(origin)


def origin_allowed(origin: str) -> bool:
    return origin != "null" and origin_of(origin) in get_settings().allowed_origins


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=_CHALLENGE)


def locked(retry_after: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"Too many failed sign-ins for this username; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def _basic(credentials: str, request: Request) -> sessions.Principal:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
        username, sep, password = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized("Malformed Basic credentials.") from None
    if not sep or "\x00" in decoded:
        raise unauthorized("Malformed Basic credentials.")
    if (principal := _basic_from_cache(username, password)) is not None:
        return principal
    result = check_credentials(username, password, client_address(request), channel="basic")
    if result.locked:
        raise locked(result.retry_after)
    if result.principal is None:
        raise unauthorized("Invalid username or password.")
    _remember_basic(username, password, result.principal)
    return result.principal


def _basic_from_cache(username: str, password: str) -> sessions.Principal | None:
    """A recent successful verification of the same credentials, if the user's row still agrees (see
    `auth.basic_cache`); the lockout applies as for a full check."""
    from resync_app.auth.basic_cache import cache
    from resync_app.auth.lockout import get_lockout
    from resync_app.auth.service import find_user

    key = cache.key(username, password)
    entry = cache.get(key)
    if entry is None:
        return None
    if (wait := get_lockout().retry_after(entry.username)) > 0:
        cache.drop(key)
        raise locked(wait)
    user = find_user(entry.username)
    if (user is None or user.id != entry.user_id or not user.is_admin
            or user.password_changed_at != entry.password_changed_at):
        cache.drop(key)
        return None
    cache.hits += 1
    return sessions.Principal(user.id, user.username, user.is_admin)


def _remember_basic(username: str, password: str, principal: sessions.Principal) -> None:
    from resync_app.auth.basic_cache import cache
    from resync_app.auth.service import find_user

    user = find_user(principal.username)
    if user is not None and user.id == principal.user_id:
        cache.put(cache.key(username, password), user.id, user.username, user.is_admin, user.password_changed_at)


def require_admin(request: Request) -> sessions.Principal:
    """Accept `Authorization: Bearer <token>` or `Basic <user:password>` of an admin; else 401 (or 429)."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if not header:
        raise unauthorized("Not authenticated: send 'Authorization: Bearer <token>' or HTTP Basic credentials.")
    if scheme.lower() == "bearer":
        principal = sessions.resolve(credentials, "token")
        if principal is None or not principal.is_admin:
            raise unauthorized("Invalid or expired token.")
        request.state.principal = principal
        return principal
    if scheme.lower() == "basic":
        principal = _basic(credentials, request)
        request.state.principal = principal
        return principal
    raise unauthorized("Unsupported authorization scheme; use Bearer or Basic.")


def require_admin_session(request: Request) -> sessions.Principal:
    """Browser-only routes: the HttpOnly session cookie of a signed-in admin, sent from this site.

    Used where a secret typed in the admin UI must reach the server without travelling through the Reflex
    websocket (provider keys). SameSite=Strict on the cookie plus the Origin check stop cross-site requests.
    """
    principal = sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session")
    if principal is None or not principal.is_admin:
        raise unauthorized("Sign in as an admin first (no valid session).")
    if not from_this_site(request, origin_required=True):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="This route only accepts requests from this site.")
    request.state.principal = principal
    return principal
