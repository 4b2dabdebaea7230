"""Sign-in routes: API tokens (`/api/v1/auth/token`) and the browser session form behind `/login`."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from resync_app.api.deps import client_address, from_this_site, locked, require_operator, unauthorized
from resync_app.auth import sessions
from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.auth.service import check_credentials, sign_out, start_session

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenRequest(BaseModel):
    username: str = Field(max_length=150)
    password: str = Field(max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/token", response_model=TokenResponse)
def issue_token(body: TokenRequest, request: Request) -> TokenResponse:
    """Exchange a user's username and password for a bearer token (an operator's opens the operator routes
    only)."""
    result = check_credentials(body.username, body.password, client_address(request), channel="api")
    if result.locked:
        raise locked(result.retry_after)
    if result.principal is None:
        raise unauthorized("Invalid username or password.")
    raw, expires_in = start_session(result.principal, "token", client_address(request))
    return TokenResponse(access_token=raw, expires_in=expires_in)


@router.post("/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(request: Request, _: sessions.Principal = Depends(require_operator)) -> None:
    """End the bearer token this request carries."""
    scheme, _sep, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        sign_out(credentials.strip(), client_address(request))


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/admin"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/admin"


def landing_page(principal: sessions.Principal, target: str | None) -> str:
    """Where a user goes after signing in: `next` when their role may open it, else their home (an admin's
    /admin, an operator's /)."""
    target = safe_next(target)
    if urlsplit(target).path.rstrip("/") == "/login":
        target = "/admin"
    if principal.is_admin:
        return target
    return "/" if target.startswith("/admin") else target


def _to_login(error: str, target: str, extra: str = "") -> RedirectResponse:
    url = f"/login?error={error}&next={quote(target, safe='/')}{extra}"
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/session", include_in_schema=False)
def open_session(
    request: Request,
    username: str = Form("", max_length=150),
    password: str = Form("", max_length=1024),
    next: str = Form("/admin", max_length=2048),
) -> RedirectResponse:
    """The /login form posts here: on success an HttpOnly session cookie and a redirect to `next` (an operator
    asked for an admin page lands on `/`)."""
    target = safe_next(next)
    if not from_this_site(request):
        return _to_login("origin", target)
    result = check_credentials(username, password, client_address(request), channel="ui")
    if result.locked:
        return _to_login("locked", target, f"&retry={result.retry_after}")
    if result.principal is None:
        return _to_login("invalid", target)
    raw, max_age = start_session(result.principal, "session", client_address(request))
    response = RedirectResponse(landing_page(result.principal, target), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE, raw, max_age=max_age, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )
    return response


@router.post("/logout", include_in_schema=False)
def close_session(request: Request) -> RedirectResponse:
    """Sign out of the browser session (the admin shell's "Sign out" button posts here)."""
    sign_out(request.cookies.get(SESSION_COOKIE), client_address(request))
    response = RedirectResponse("/login?signed_out=1", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
