"""A link state after "workstation" is what the operator asks about, not a workstation's name: "any workstation
offline?" lists the unlinked workstations (it used to look up a workstation named OFFLINE)."""

from __future__ import annotations

import pytest

from resync_app.assistant.intents import parse


@pytest.mark.parametrize("question, link", [
    ("any workstation offline?", "unlinked"),
    ("is any workstation offline?", "unlinked"),
    ("any workstation unlinked?", "unlinked"),
    ("any agent disconnected?", "unlinked"),
    ("is any workstation unreachable?", "unlinked"),
    ("any workstation online?", "linked"),
    ("any agent connected?", "linked"),
])
def test_a_link_state_after_workstation_is_not_a_name(question, link):
    got = parse(question)
    assert got is not None and got.as_dict() == {"intent": "workstation_status", "link": link}, got


@pytest.mark.parametrize("question, name", [
    ("is workstation CPU_LINUX01 offline?", "CPU_LINUX01"),
    ("is the CPU_WIN02 agent online?", "CPU_WIN02"),
    ("is workstation cpu_linux01 offline?", "CPU_LINUX01"),
    ("workstation AIX_BATCH unreachable?", "AIX_BATCH"),
])
def test_named_workstations_are_still_read(question, name):
    got = parse(question)
    assert got is not None and got.as_dict() == {"intent": "workstation_status", "name": name}, got
