"""A small cache of values (counts, search results) of filtered job lists, kept per snapshot version."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from resync_app.tws.models import TwsSummary


class CountCache:
    """Counts of filtered job lists per snapshot version: paging through one filter counts once per poll (the
    count can only change when the poller writes, and each poll bumps the summary's `poll_seq`)."""

    def __init__(self, size: int = 256) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._data: OrderedDict[tuple, tuple[int, int]] = OrderedDict()

    def get(self, db, key: tuple, compute) -> Any:
        seq = db.execute(select(TwsSummary.poll_seq).where(TwsSummary.instance == key[0])).scalar() or 0
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] == seq:
                self._data.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._data[key] = (seq, value)
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
