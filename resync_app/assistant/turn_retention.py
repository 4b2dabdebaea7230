"""How long stored chat turns are kept, and how many one client may keep.

`chat_turns` holds every question (up to 4 000 characters) and its answer. In the optional sign-in mode anyone
may ask, about 100 questions a minute (`rate_limit_public_per_minute`), so without limits the table grows for
ever. Two limits bound it:

- **Retention**: turns older than `RETENTION_DAYS` (90: the longest window of the metrics page, so its figures
  are unchanged) are removed — at most once an hour per worker, when a turn is stored (`maybe_prune`), and by
  `prune(now)` for scripts. None of the 61 configuration fields is about the chat, so the window is fixed.
- **Per client**: each client keeps at most `CLIENT_CAP` turns (500, five times the history a page shows);
  storing one more removes that client's oldest. A client is the signed-in user (`user:NAME`), else the client
  address (`ip:ADDRESS`, behind a proxy the address RESYNC_TRUSTED_PROXIES yields), kept in `client_key`.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from resync_app.assistant.models import ChatTurn
from resync_app.db import session_scope, utcnow

logger = logging.getLogger("resync.assistant.retention")

RETENTION_DAYS = 90
CLIENT_CAP = 500
PRUNE_EVERY_S = 3600.0

_lock = threading.Lock()
_last_prune = [0.0]  # time.monotonic() of this worker's last prune (0: not yet)


def client_key(username: str | None, client: str | None) -> str:
    """Who a turn counts against: the signed-in user, else the client address."""
    if username:
        return f"user:{username}"[:200]
    return f"ip:{client or 'unknown'}"[:200]


def enforce_cap(db, key: str, cap: int = CLIENT_CAP) -> int:
    """Remove the oldest turns of `key` beyond `cap` (in the caller's transaction); how many were removed."""
    boundary = db.execute(select(ChatTurn.id).where(ChatTurn.client_key == key).order_by(ChatTurn.id.desc())
                          .offset(cap).limit(1)).scalar()
    if boundary is None:
        return 0
    return db.execute(delete(ChatTurn).where(ChatTurn.client_key == key, ChatTurn.id <= boundary)).rowcount or 0


def prune(now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
    """Remove the turns older than `days`; how many were removed."""
    cut = (now or utcnow()) - timedelta(days=days)
    with session_scope() as db:
        removed = db.execute(delete(ChatTurn).where(ChatTurn.created_at < cut)).rowcount or 0
    if removed:
        logger.info("chat retention removed %d turns older than %d days", removed, days)
    return removed


def maybe_prune() -> None:
    """`prune()` if this worker has not done so in the last `PRUNE_EVERY_S` (called when a turn is stored)."""
    with _lock:
        if _last_prune[0] and time.monotonic() - _last_prune[0] < PRUNE_EVERY_S:
            return
        _last_prune[0] = time.monotonic()
    try:
        prune()
    except Exception:  # never lose the answer over housekeeping
        logger.exception("chat retention prune failed")


def forget_last_prune() -> None:
    """The next stored turn prunes (tests; a worker that starts prunes at its first turn anyway)."""
    with _lock:
        _last_prune[0] = 0.0
