"""The instance picker of the operator pages (/monitoring, /realtime-dashboard): which instances it offers and
which one it shows.

A tab that never picked an instance follows the primary one (its choice is ""): the picker must then show the
primary's name, the instance whose data is on screen, not the first name of the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from resync_app.tws import queries


@dataclass(frozen=True)
class InstanceChoice:
    names: list[str]  # what the picker offers: the enabled instances, empty when there is only one (no picker)
    chosen: str  # the tab's choice, "" = the primary instance
    shown: str  # the instance whose data the page shows (what the picker displays)


def instance_choice(chosen: str) -> InstanceChoice:
    """The picker for a tab whose choice is `chosen` ("" = the primary); a choice that is gone or disabled falls
    back to the primary."""
    enabled = [i for i in queries.instances_overview() if i["enabled"]]
    names = [i["name"] for i in enabled]
    if chosen not in names:
        chosen = ""
    primary = next((i["name"] for i in enabled if i["primary"]), names[0] if names else "")
    return InstanceChoice(names if len(names) > 1 else [], chosen, chosen or primary)
