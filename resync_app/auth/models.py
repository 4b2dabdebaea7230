"""Tables of the auth service: users (admins and operators), sessions/tokens and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from resync_app.db import UTCDateTime, utcnow


ROLE_ADMIN = "admin"
ROLE_OPERATOR = "operator"
ROLES = (ROLE_ADMIN, ROLE_OPERATOR)


class User(SQLModel, table=True):
    """An account: `role` "admin" (everything) or "operator" (operator pages and TWS actions, never /admin); a
    disabled account cannot sign in. The password is kept only as a bcrypt hash."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=150, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=ROLE_ADMIN, max_length=16)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


class AuthSession(SQLModel, table=True):
    """A browser session or an API bearer token; only the SHA-256 of the random token is stored."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)  # "session" (browser cookie) or "token" (API bearer)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    client: str = Field(default="", max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in for a username (known or not); the lockout counts these."""

    __tablename__ = "login_failures"

    id: int | None = Field(default=None, primary_key=True)
    username_key: str = Field(max_length=150, index=True)
    timestamp: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    client: str = Field(default="", max_length=64)
