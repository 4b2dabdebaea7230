"""A stored TWS password never follows a new address or account (CONTRACT §11).

The provider rule of `llm/provider_update.py` for `api_base`, applied to a TWS instance: a change that moves
`base_url` (another server root) or `username` (another account) of an instance that has a stored password must
carry the password in the same request; otherwise the whole change is refused (422, field `password`) and nothing
is stored, so the poller, Test connection and the actions never send the old password to the new address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def check(current: Any, desired: dict[str, Any], errors: dict[str, str], prefix: str = "") -> None:
    """Add an error for `<prefix>password` when `desired` (one instance's validated values; `password` None =
    keep the stored one) moves the stored password of `current` (an InstanceConfig, None for a new instance)."""
    path = f"{prefix}password"
    if current is None or not current.password_set or desired.get("password") is not None or path in errors:
        return
    moved = moved_fields(current, desired, errors, prefix)
    if moved:
        errors[path] = (f"changing {' and '.join(moved)} would send the stored password to another address or "
                        f"account: type the password again in the same change (a stored password never follows a "
                        f"new {moved[0]})")


def moved_fields(current: Any, desired: dict[str, Any], errors: dict[str, str], prefix: str = "") -> list[str]:
    """`base_url` and/or `username` when `desired` changes them (fields that failed validation do not count)."""
    moved = []
    if f"{prefix}base_url" not in errors and desired.get("base_url") is not None \
            and not same_address(desired["base_url"], current.base_url):
        moved.append("base_url")
    if f"{prefix}username" not in errors and desired.get("username") is not None \
            and desired["username"] != current.username:
        moved.append("username")
    return moved


def same_address(a: str, b: str) -> bool:
    """Two base URLs name the same server root (scheme and host:port ignore case, the path does not)."""
    first, second = urlsplit(a or ""), urlsplit(b or "")
    return (first.scheme.lower(), first.netloc.lower(), first.path.rstrip("/")) == \
        (second.scheme.lower(), second.netloc.lower(), second.path.rstrip("/"))
