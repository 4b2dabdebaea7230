"""Sign-in, sign-out and admin accounts: the one place these rules live (REST, UI and CLI call it)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from sqlmodel import select

from resync_app.audit.service import record as audit
from resync_app.audit.service import record_repeated as audit_repeated
from resync_app.auth import sessions
from resync_app.auth.lockout import LOCK_DURATION, get_lockout, username_key
from resync_app.auth.models import User
from resync_app.auth.passwords import hash_password, verify_password
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
    if ok and user is not None and user.is_admin:
        lockout.reset(name)
        if _worth_auditing(channel, user.username, client):
            audit(user.username, "login.success", target=user.username, detail={"channel": channel}, client=client)
        return SignInResult(principal=sessions.Principal(user.id, user.username, user.is_admin))
    audit(shown, "login.failure", target=shown, detail={"channel": channel}, client=client)
    if attempt.locks_if_wrong:
        seconds = int(LOCK_DURATION.total_seconds())
        audit(shown, "login.lockout", target=shown, detail={"channel": channel, "seconds": seconds}, client=client)
    return SignInResult()


def start_session(principal: sessions.Principal, kind: str, client: str = "") -> tuple[str, int]:
    """Issue a browser session or API token for a verified principal; return (raw token, seconds to expiry)."""
    user = User(id=principal.user_id, username=principal.username, password_hash="")
    raw, expires = sessions.issue(user, kind, client)
    return raw, int((expires - utcnow()).total_seconds())


def sign_out(raw: str | None, client: str = "") -> None:
    """End a session or token and audit it."""
    principal = sessions.revoke(raw)
    if principal is not None:
        audit(principal.username, "logout", target=principal.username, client=client)


def create_admin(username: str, password: str, actor: str = "cli") -> User:
    """Create an admin account; raises ValueError if the name is taken or the password is too weak."""
    name = username_key(username)
    if not name or len(name) > 150 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ValueError("the username must be 1-150 letters, digits, '.', '-' or '_'")
    password_hash = hash_password(password)
    with session_scope() as db:
        if db.exec(select(User).where(User.username == name)).first() is not None:
            raise ValueError(f"a user named {name!r} already exists")
        user = User(username=name, password_hash=password_hash, is_admin=True)
        db.add(user)
        audit(actor, "user.create", target=name, session=db)
    return user


def reset_password(username: str, password: str, actor: str = "cli") -> int:
    """Set a new password and end every session/token of the user; return how many were ended."""
    name = username_key(username)
    password_hash = hash_password(password)
    with session_scope() as db:
        user = db.exec(select(User).where(User.username == name)).first()
        if user is None:
            raise ValueError(f"no user named {name!r}")
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        db.add(user)
        audit(actor, "user.reset_password", target=name, session=db)
        user_id = user.id
    get_lockout().reset(name)
    return sessions.revoke_all(user_id)


def list_admins() -> list[dict]:
    with session_scope() as db:
        users = db.exec(select(User).where(User.is_admin == True).order_by(User.username)).all()  # noqa: E712
        return [{"username": u.username, "created_at": u.created_at.isoformat()} for u in users]


def generate_password() -> str:
    """A random password for the first admin."""
    return secrets.token_urlsafe(18)


def ensure_first_admin(username: str, password: str | None, password_file) -> str | None:
    """If no admin exists, create one; return the generated password (None if given or not needed)."""
    with session_scope() as db:
        if db.exec(select(User).where(User.is_admin == True)).first() is not None:  # noqa: E712
            return None
    generated = None
    if not password:
        password = generated = generate_password()
    create_admin(username, password, actor="startup")
    if generated:
        from resync_app.settings import write_private_file

        write_private_file(password_file, generated + "\n")
    return generated
