"""Instance incarnations: which TWS an instance name points at, right now.

An instance name is not an identity: an admin can delete `prod` and add it again, or point it at another TWS. Every
such change gives the instance a new random `incarnation` (`tws_instances.incarnation`, set on create and on every
`base_url` change). The snapshot remembers the incarnation it was built for (`tws_summaries.incarnation`): a poll
for another incarnation starts from a baseline, and a poll that began before the change stores nothing. Event
dedupe keys are namespaced by the incarnation here, in one place (`event_key`), so that the counters that make a
key unique (a workstation's transition number, the health sequence) may start again at 1 without colliding with
the events of an earlier incarnation.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_MAX = 400  # tws_events.dedupe_key


def new_incarnation() -> str:
    """A fresh incarnation token (16 hex characters)."""
    return secrets.token_hex(8)


def event_key(incarnation: str, key: str) -> str:
    """The stored dedupe key of an event detected for `incarnation` (unchanged when there is none: polls of an
    instance that is not configured, as some tests do). Never longer than the column: an over-long key keeps its
    head and ends with a digest of the whole."""
    full = f"{incarnation}/{key}" if incarnation else key
    if len(full) <= KEY_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:32]
    return f"{full[:KEY_MAX - 33]}#{digest}"
