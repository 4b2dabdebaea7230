"""A short-lived cache of *successful* HTTP Basic verifications, so a script using Basic does not pay a bcrypt
check (~250 ms of CPU) on every request.

Keyed by HMAC-SHA256(secret key, username NUL password): neither the password nor an unkeyed hash of it is kept.
An entry lives 60 s and is only used while the user's row still says the same (exists, same password change
time, same role, not disabled), so a password reset, a role change or a disabled account takes effect on the next request on every worker. The
lockout still applies (a locked username gets 429 even from the cache). Failures are never cached.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from datetime import datetime

TTL_S = 60.0
MAX_ENTRIES = 1024


@dataclass(frozen=True)
class Entry:
    user_id: int
    username: str
    role: str
    password_changed_at: datetime
    expires: float


class BasicCache:
    def __init__(self, ttl: float = TTL_S, clock=time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(username: str, password: str) -> str:
        from resync_app.auth.lockout import username_key
        from resync_app.settings import get_settings

        message = username_key(username).encode() + b"\0" + password.encode()
        return hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).hexdigest()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires <= self._clock():
                del self._entries[key]
                entry = None
        if entry is None:
            self.misses += 1
        return entry

    def put(self, key: str, user_id: int, username: str, role: str, password_changed_at: datetime) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = Entry(user_id, username, role, password_changed_at, self._clock() + self._ttl)

    def drop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)


cache = BasicCache()
