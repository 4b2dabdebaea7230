"""Under an answer the operator voted 👎: "What should the answer have been?" (≤ 2 000 characters), sent with the
vote for an admin's review (`state/chat_feedback.py`), and the thanks afterwards."""

from __future__ import annotations

import reflex as rx

from resync_app.assistant.learned import MAX_CORRECTION
from resync_app.state.chat import ChatLine
from resync_app.state.chat_feedback import ChatFeedbackState as F


def correction_box(line: ChatLine) -> rx.Component:
    is_open = (F.open_turn > 0) & (F.open_turn == line.turn_id)
    return rx.cond(
        is_open,
        rx.form(
            rx.vstack(
                rx.text("What should the answer have been?", size="2", weight="medium"),
                rx.text_area(name="correction", rows="3", width="100%", max_length=MAX_CORRECTION,
                             placeholder="The right answer, or what was wrong (an admin reviews it before the "
                                         "assistant uses it).", id="chat-correction"),
                rx.hstack(
                    rx.button(rx.icon("send", size=14), "Send for review", type="submit", size="1",
                              id="chat-correction-send"),
                    rx.button("Not now", type="button", size="1", variant="soft", color_scheme="gray",
                              on_click=F.close),
                    spacing="2"),
                spacing="2", width="100%"),
            on_submit=F.send, reset_on_submit=True, width="100%", class_name="chat-correction-form"),
        rx.cond((F.sent_turn > 0) & (F.sent_turn == line.turn_id) & (F.note != ""),
                rx.text(F.note, size="1", color=rx.color("green", 11), class_name="chat-correction-sent")),
    )
