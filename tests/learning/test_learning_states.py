"""The Reflex front door of learning: every handler of the review page is an admin handler (its state is an admin
state, cleared for a client without a live admin session), the chat's correction box handlers are operator reads,
and what reaches the browser is display text only."""

from __future__ import annotations

import resync_app.resync_app  # noqa: F401  (the app registers every state)
from resync_app.state.chat_feedback import ChatFeedbackState
from resync_app.state.roles import admin_states, is_admin_handler
from resync_app.state.learning import LearningState


def _own(state) -> dict:
    return {name: h for name, h in state.event_handlers.items() if name != "setvar"}


def test_every_review_handler_is_an_admin_handler_and_the_state_is_cleared_for_others():
    handlers = _own(LearningState)
    assert set(handlers) >= {"load", "set_status_filter", "turn_page", "open_editor", "close_editor", "set_draft",
                             "approve", "approve_draft", "reject", "delete"}
    assert all(is_admin_handler(h) for h in handlers.values())
    assert LearningState in admin_states()  # AdminDataMiddleware resets it for a client without an admin session


def test_the_correction_box_handlers_are_operator_reads():
    handlers = _own(ChatFeedbackState)
    assert set(handlers) == {"offer", "close", "send"}
    assert all(getattr(h.fn, "_resync_operator_read_event", False) for h in handlers.values())
    assert ChatFeedbackState not in admin_states()


def test_the_browser_gets_display_values_only():
    assert set(ChatFeedbackState.base_vars) == {"open_turn", "sent_turn", "note"}
    assert set(LearningState.base_vars) == {"status_filter", "rows", "counts", "total", "page", "editing",
                                            "editing_question", "draft", "message"}
