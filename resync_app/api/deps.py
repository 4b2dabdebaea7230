"""FastAPI dependencies: who is calling (`require_admin` for admin routes, `require_operator` for TWS actions,
`operator_read` for the operator reads of CONTRACT §9), and the caller's address."""

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
    if (user is None or user.id != entry.user_id or user.disabled or user.role != entry.role
            or user.password_changed_at != entry.password_changed_at):
        cache.drop(key)
        return None
    cache.hits += 1
    return sessions.Principal.of(user)


def _remember_basic(username: str, password: str, principal: sessions.Principal) -> None:
    from resync_app.auth.basic_cache import cache
    from resync_app.auth.service import find_user

    user = find_user(principal.username)
    if user is not None and user.id == principal.user_id:
        cache.put(cache.key(username, password), user.id, user.username, user.role, user.password_changed_at)


def forbidden_for_operators() -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail="This route is for admins; your account is an operator.")


def _from_header(request: Request) -> sessions.Principal:
    """The signed-in user (any role) behind `Authorization: Bearer …` or `Basic …`; else 401 (or 429)."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if not header:
        raise unauthorized("Not authenticated: send 'Authorization: Bearer <token>' or HTTP Basic credentials.")
    if scheme.lower() == "bearer":
        principal = sessions.resolve(credentials, "token")
        if principal is None:
            raise unauthorized("Invalid or expired token.")
        return principal
    if scheme.lower() == "basic":
        return _basic(credentials, request)
    raise unauthorized("Unsupported authorization scheme; use Bearer or Basic.")


def require_admin(request: Request) -> sessions.Principal:
    """Accept `Authorization: Bearer <token>` or `Basic <user:password>` of an admin; else 401 (or 429); an
    operator's credentials get 403."""
    principal = _from_header(request)
    if not principal.is_admin:
        raise forbidden_for_operators()
    request.state.principal = principal
    return principal


def require_operator(request: Request) -> sessions.Principal:
    """A signed-in operator or admin: Bearer, Basic, or the browser session cookie (sent from this site);
    else 401 (or 429)."""
    if not request.headers.get("authorization"):
        principal = sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session")
        if principal is None:
            raise unauthorized("Sign in as an operator or admin first: send 'Authorization: Bearer <token>', "
                               "HTTP Basic credentials, or use a signed-in browser session.")
        if request.method not in ("GET", "HEAD") and not from_this_site(request, origin_required=True):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="This route only accepts requests from this site.")
    else:
        principal = _from_header(request)
    request.state.principal = principal
    return principal


def operator_read(request: Request) -> sessions.Principal | None:
    """The operator reads of CONTRACT §9: open to anyone, unless RESYNC_OPERATOR_LOGIN=required (then as
    `require_operator`). Returns the signed-in user when sign-in is required, else None."""
    if get_settings().operator_login_required:
        return require_operator(request)
    return None


def require_admin_session(request: Request) -> sessions.Principal:
    """Browser-only routes: the HttpOnly session cookie of a signed-in admin, sent from this site.

    Used where a secret typed in the admin UI must reach the server without travelling through the Reflex
    websocket (provider keys). SameSite=Strict on the cookie plus the Origin check stop cross-site requests.
    """
    principal = sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session")
    if principal is None:
        raise unauthorized("Sign in as an admin first (no valid session).")
    if not principal.is_admin:
        raise forbidden_for_operators()
    if not from_this_site(request, origin_required=True):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="This route only accepts requests from this site.")
    request.state.principal = principal
    return principal


def signed_in_user(request: Request) -> sessions.Principal | None:
    """Who is signed in on an operator read, if anyone: the user `operator_read` already checked, else a bearer
    token, HTTP Basic credentials (wrong ones count as failed sign-ins, as everywhere) or the session cookie."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return principal
    if request.headers.get("authorization"):
        try:
            return _from_header(request)
        except HTTPException:
            return None
    return sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session")
