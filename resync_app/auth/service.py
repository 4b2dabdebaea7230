"""Sign-in and sign-out: the one place these rules live (REST, UI and CLI call it). Accounts themselves are
managed in `auth/users.py`."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from sqlmodel import select

from resync_app.audit.service import record as audit
from resync_app.audit.service import record_repeated as audit_repeated
from resync_app.auth import sessions
from resync_app.auth.lockout import LOCK_DURATION, get_lockout, username_key
from resync_app.auth.models import ROLE_ADMIN, User
from resync_app.auth.passwords import verify_password
from resync_app.auth.users import Actor, create_user, list_users, record_sign_in
from resync_app.auth.users import reset_password as users_reset_password
from resync_app.db import session_scope, utcnow


@dataclass(frozen=True)
class SignInResult:
    """Outcome of a credential check: a principal, or why not."""

    principal: sessions.Principal | None = None
    retry_after: int = 0  # > 0: the username is locked for this many seconds

    @property
    def locked(self) -> bool:
        return self.retry_after > 0


_BASIC_AUDIT_EVERY = 900.0
_basic_seen: dict[tuple[str, str], float] = {}


def _worth_auditing(channel: str, username: str, client: str) -> bool:
    """HTTP Basic signs in on every request: audit its success once per user and client per 15 minutes."""
    if channel != "basic":
        return True
    now = time.monotonic()
    key = (username, client)
    if now - _basic_seen.get(key, -_BASIC_AUDIT_EVERY) < _BASIC_AUDIT_EVERY:
        return False
    _basic_seen[key] = now
    return True


def find_user(username: str) -> User | None:
    with session_scope() as db:
        return db.exec(select(User).where(User.username == username_key(username))).first()


def shown_name(name: str, known: bool) -> str:
    """How a username appears in sign-in audit rows: in full when it is an account's, else masked (its first
    two characters and its length), so that a password typed into the username box is not shown to every
    admin."""
    if not name:
        return "-"
    return name if known else f"{name[:2]}… ({len(name)} characters)"


def check_credentials(username: str, password: str, client: str = "", channel: str = "api") -> SignInResult:
    """Verify a username/password pair, applying and updating the shared lockout, and audit the outcome.

    The attempt is counted before the password is checked (atomically with the lock check), so concurrent
    guesses cannot pass the lock; a right password then clears the count. Unknown and known usernames take
    the same path (one account lookup, one bcrypt check, same lockout); in the audit log unknown ones are
    masked, and the attempts on a locked username are counted in one row per lock window.
    """
    lockout = get_lockout()
    name = username_key(username)
    attempt = lockout.begin_attempt(name, client)
    user = find_user(name) if name else None
    shown = shown_name(name, user is not None)
    if attempt.retry_after > 0:
        until = attempt.locked_until.isoformat(timespec="seconds") if attempt.locked_until else "?"
        audit_repeated(shown, "login.refused_locked", target=shown, window=until,
                       detail={"channel": channel, "lock_until": until}, client=client)
        return SignInResult(retry_after=attempt.retry_after)
    ok = verify_password(password or "", user.password_hash if user else None)
    if ok and user is not None and not user.disabled:
        lockout.reset(name)
        if _worth_auditing(channel, user.username, client):
            audit(user.username, "login.success", target=user.username, detail={"channel": channel}, client=client)
            record_sign_in(user.id)
        return SignInResult(principal=sessions.Principal.of(user))
    # a disabled account gets the answer of a wrong password (and counts towards the lockout like one)
    failure = {"channel": channel, **({"reason": "disabled"} if ok and user is not None else {})}
    audit(shown, "login.failure", target=shown, detail=failure, client=client)
    if attempt.locks_if_wrong:
        seconds = int(LOCK_DURATION.total_seconds())
        audit(shown, "login.lockout", target=shown, detail={"channel": channel, "seconds": seconds}, client=client)
    return SignInResult()


def start_session(principal: sessions.Principal, kind: str, client: str = "") -> tuple[str, int]:
    """Issue a browser session or API token for a verified principal; return (raw token, seconds to expiry)."""
    user = User(id=principal.user_id, username=principal.username, password_hash="", role=principal.role)
    raw, expires = sessions.issue(user, kind, client)
    return raw, int((expires - utcnow()).total_seconds())


def sign_out(raw: str | None, client: str = "") -> None:
    """End a session or token and audit it."""
    principal = sessions.revoke(raw)
    if principal is not None:
        audit(principal.username, "logout", target=principal.username, client=client)


def create_admin(username: str, password: str, actor: str = "cli") -> User:
    """Create an admin account; raises ValueError if the name is taken or the password is too weak."""
    create_user(username, password, ROLE_ADMIN, Actor(actor))
    return find_user(username)


def reset_password(username: str, password: str, actor: str = "cli") -> int:
    """Set a new password and end every session/token of the user; return how many were ended."""
    return users_reset_password(username, password, Actor(actor))


def list_admins() -> list[dict]:
    return [u for u in list_users(ROLE_ADMIN) if not u["disabled"]]


def generate_password() -> str:
    """A random password (the first admin, or a CLI-created user without one given)."""
    return secrets.token_urlsafe(18)


def ensure_first_admin(username: str, password: str | None, password_file) -> str | None:
    """If no admin exists, create one; return the generated password (None if given or not needed)."""
    if list_users(ROLE_ADMIN):
        return None
    generated = None
    if not password:
        password = generated = generate_password()
    create_admin(username, password, actor="startup")
    if generated:
        from resync_app.settings import write_private_file

        write_private_file(password_file, generated + "\n")
    return generated
