"""Server-side sessions and API tokens: random, stored as SHA-256, with idle and absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import delete, select

from resync_app.auth.models import ROLE_ADMIN, AuthSession, User
from resync_app.db import session_scope, utcnow

SESSION_COOKIE = "resync_session"  # HttpOnly, SameSite=Strict cookie of a browser session
SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)
TOKEN_LIFETIME = timedelta(hours=1)
_TOUCH_EVERY = timedelta(seconds=30)  # how stale last_seen may get before it is written again


@dataclass(frozen=True)
class Principal:
    """Who a request or event acts as: a signed-in admin or operator."""

    user_id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user_id=user.id, username=user.username, role=user.role)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, kind: str, client: str = "") -> tuple[str, datetime]:
    """Create a session ("session") or bearer token ("token"); return the raw value (shown once) and expiry."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + (SESSION_ABSOLUTE if kind == "session" else TOKEN_LIFETIME)
    with session_scope() as db:
        db.add(AuthSession(token_hash=hash_token(raw), user_id=user.id, kind=kind, expires_at=expires,
                           created_at=now, last_seen_at=now, client=client[:64]))
        db.exec(delete(AuthSession).where(AuthSession.expires_at < now))
    return raw, expires


def resolve(raw: str | None, kind: str, touch: bool = True) -> Principal | None:
    """The principal behind a raw session/token, or None if unknown, expired, idle too long, revoked or its user
    disabled.

    `touch=False` checks without extending the idle timeout: background refreshes use it, so that idle means
    no user action (a tab left open does not keep its session alive).
    """
    if not raw or len(raw) > 256:
        return None
    now = utcnow()
    with session_scope() as db:
        row = db.exec(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == hash_token(raw), AuthSession.kind == kind)
        ).first()
        if row is None:
            return None
        record, user = row
        expired = record.expires_at <= now or (kind == "session" and now - record.last_seen_at > SESSION_IDLE)
        if expired or user.disabled:
            db.delete(record)
            return None
        if touch and now - record.last_seen_at > _TOUCH_EVERY:
            record.last_seen_at = now
            db.add(record)
        return Principal.of(user)


def live_sessions(raws: list[str]) -> set[str]:
    """Which of these raw browser-session cookies are still live (the rule of `resolve`: not expired, not idle
    too long, not revoked, user not disabled), in ONE query for all of them and without extending any."""
    wanted = {hash_token(raw): raw for raw in set(raws) if raw and len(raw) <= 256}
    if not wanted:
        return set()
    now = utcnow()
    with session_scope() as db:
        rows = db.exec(
            select(AuthSession.token_hash)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash.in_(list(wanted)), AuthSession.kind == "session",
                   AuthSession.expires_at > now, AuthSession.last_seen_at >= now - SESSION_IDLE,
                   User.disabled == False)  # noqa: E712 - SQL, not Python
        ).all()
    return {wanted[token_hash] for token_hash in rows}


def revoke(raw: str | None) -> Principal | None:
    """End one session/token; return whose it was."""
    if not raw:
        return None
    with session_scope() as db:
        row = db.exec(
            select(AuthSession, User).join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == hash_token(raw))
        ).first()
        if row is None:
            return None
        record, user = row
        db.delete(record)
        return Principal.of(user)


def revoke_all(user_id: int) -> int:
    """End every session and token of a user (password reset); return how many."""
    with session_scope() as db:
        result = db.exec(delete(AuthSession).where(AuthSession.user_id == user_id))
        return result.rowcount or 0
