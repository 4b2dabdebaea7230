"""The window of a chat tab: how much of the conversation the tab state keeps (and so sends to the browser).

Every public var of a Reflex state travels to the browser whenever it changes, so the chat tab keeps only the
last `SHOWN_TURNS` questions and answers; older turns stay in the database (`chat_turns`) and come back with the
conversation's history on a reload (again the last `SHOWN_TURNS`). The answer being written is not in this list
while it streams: it lives in its own small var (`ChatState.streamed`), so a flush sends that text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

SHOWN_TURNS = 20  # questions (each with its answer) a tab shows and keeps
MAX_LINES = 2 * SHOWN_TURNS

Line = TypeVar("Line")


def recent(lines: Sequence[Line], max_lines: int = MAX_LINES) -> tuple[list[Line], bool]:
    """The last `max_lines` lines (whole turns: a question is never cut from its answer) and whether any were
    dropped."""
    if len(lines) <= max_lines:
        return list(lines), False
    start = len(lines) - max_lines
    if start % 2:  # lines come in question/answer pairs
        start += 1
    return list(lines[start:]), True


def shown_proposals(proposals: dict[int, Any], lines: Sequence[Any]) -> dict[int, Any]:
    """The action proposals of the answers still shown (a proposal whose card scrolled out cannot be confirmed)."""
    shown = {getattr(line, "turn_id", 0) for line in lines}
    return {turn: proposal for turn, proposal in proposals.items() if turn in shown}
