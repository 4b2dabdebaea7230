"""The job log excerpts kept briefly in one worker (several people opening one job cost one TWS call).

Bounded three ways: each entry lives `ttl_s` seconds, and the cache holds at most `max_entries` entries and
`max_bytes` bytes of text (UTF-8): a new entry evicts the expired ones, then the least recently used, until both
bounds hold. A cache in one worker's memory is fine here: it holds copies of TWS text, nothing an admin changes or
anything counted.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class BoundedTtlCache:
    def __init__(self, *, ttl_s: float, max_entries: int, max_bytes: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s, self.max_entries, self.max_bytes = ttl_s, max_entries, max_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._data: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()  # key -> (expires, size, value)
        self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    @property
    def bytes(self) -> int:
        """The text bytes held now."""
        with self._lock:
            return self._bytes

    def get(self, key: Hashable) -> Any | None:
        """The value if it is there and fresh (it becomes the most recently used), else None."""
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= self._clock():
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return hit[2]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep `value` (`size` bytes) for `ttl_s`; a value larger than `max_bytes` is not kept."""
        with self._lock:
            if key in self._data:
                self._drop(key)
            if size > self.max_bytes:
                return
            self._data[key] = (self._clock() + self.ttl_s, size, value)
            self._bytes += size
            if len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                now = self._clock()
                for stale in [k for k, (expires, _, _) in self._data.items() if expires <= now]:
                    self._drop(stale)
                while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                    self._drop(next(iter(self._data)))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def _drop(self, key: Hashable) -> None:
        _, size, _ = self._data.pop(key)
        self._bytes -= size
