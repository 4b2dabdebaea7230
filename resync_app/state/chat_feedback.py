"""The chat page's "what should the answer have been?" box (learning from operators, issue 18 §1).

After a 👎 (`ChatState.vote` keeps the vote, through `assistant.learned.record_feedback`), `offer` opens the box
under that answer when `enable_conversation_learning` is on (read from the database now, so it follows the admin's
switch). `send` sends the correction with the vote through the same service as `POST /api/v1/chat/feedback`, for
this tab's conversation only, rate-limited like the REST route. Operator reads: anyone, unless
RESYNC_OPERATOR_LOGIN=required and the client is anonymous.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from resync_app.assistant import learned, turns
from resync_app.config.store import setting
from resync_app.state.chat import ChatState, _client, _turn_id
from resync_app.state.guard import current_user, operator_read_event

SENT = "Thanks: your correction is sent to an admin for review."


class ChatFeedbackState(rx.State):
    """Which answer's correction box is open, and the note after sending (display only)."""

    open_turn: int = 0
    sent_turn: int = 0
    note: str = ""

    @rx.event
    @operator_read_event
    def offer(self, turn_id: int, value: int):
        """After a vote: open the box under a 👎'd answer when learning is on; close it otherwise."""
        turn = _turn_id(turn_id)
        self.note = ""
        self.open_turn = turn if turn is not None and value == -1 and learned.learning_enabled() else 0

    @rx.event
    @operator_read_event
    def close(self):
        self.open_turn = 0

    @rx.event
    @operator_read_event
    async def send(self, form_data: dict[str, Any]):
        """Send the correction written in the open box with a 👎 (see the module docstring)."""
        from resync_app.web.ratelimit import get_limiter

        turn, text = self.open_turn, str((form_data or {}).get("correction") or "")
        chat = await self.get_state(ChatState)
        if not turn or not turns.valid_conversation_id(chat.conversation_id):
            return None
        decision = get_limiter().check(_client(self), ["public"], setting)
        if not decision.allowed:
            self.note = decision.detail()
            return None
        principal = current_user(self)
        try:
            done = learned.record_feedback(turn, -1, chat.conversation_id, text or None,
                                           principal.username if principal else None)
        except learned.LearningError as exc:
            self.note = str(exc)
            return None
        chat._update(turn, feedback=-1)
        self.open_turn, self.sent_turn = 0, turn
        self.note = SENT if done["correction_kept"] else "Thanks: your vote is kept."
        return None
