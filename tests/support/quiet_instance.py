"""TWS instances for tests that act on jobs: enabled (a disabled instance refuses actions, CONTRACT §11) with the
background poller paused, so a test drives the polls itself. "Poll now" (which every action asks for) still polls
once in the background: a test that polls after acting should do so with no `api` (no poller) running."""

from __future__ import annotations

from typing import Any

from resync_app.tws import instances, service


def enable_quietly(name: str, actor: str = "tests") -> None:
    """Pause the instance's poller, then enable it (the poller never sees it enabled and unpaused)."""
    service.set_paused(name, True, actor)
    instances.update_instance(name, {"enabled": True}, actor)


def create_quiet_instance(body: dict[str, Any], actor: str = "tests") -> None:
    """Create the instance disabled, then `enable_quietly`."""
    instances.create_instance({**body, "enabled": False}, actor)
    enable_quietly(body["name"], actor)
