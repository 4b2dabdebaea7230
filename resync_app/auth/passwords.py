"""bcrypt password hashing (cost 12) with a constant-work check for unknown users."""

from __future__ import annotations

import bcrypt

BCRYPT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's own limit; longer passwords are refused when set

# Verified against when the username does not exist, so both paths cost one bcrypt check.
_DUMMY_HASH = bcrypt.hashpw(b"resync-no-such-user", bcrypt.gensalt(BCRYPT_ROUNDS))


class PasswordPolicyError(ValueError):
    """A new password that does not meet the policy."""


def check_policy(password: str) -> None:
    """Raise PasswordPolicyError when `password` may not be set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise PasswordPolicyError(f"the password must be at most {MAX_PASSWORD_BYTES} bytes long")


def hash_password(password: str) -> str:
    """A bcrypt hash (cost 12) of a password that meets the policy."""
    check_policy(password)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if `password` matches; with no hash, spend the same work and return False."""
    candidate = password.encode()[:MAX_PASSWORD_BYTES] if password else b""
    too_long = len(password.encode()) > MAX_PASSWORD_BYTES if password else False
    target = password_hash.encode() if password_hash else _DUMMY_HASH
    try:
        matched = bcrypt.checkpw(candidate, target)
    except ValueError:
        return False
    return matched and password_hash is not None and not too_long
