"""`/`: chat with the TWS assistant (operators, no admin login). Answers stream in; each has a footer (model · why ·
tokens · cost, or "answered from the plan, no model used"), the plan data it used, thumbs up/down, and for an
action request a confirm card whose button only a signed-in operator sees (the server checks again). Answers are
text Resync did not write: they are shown with `components.safe_markdown` (no raw HTML, http(s) links only, no
remote images). The footer, "Plan data used" and the confirm card follow the answer's language
(`components.chat_language`); the rest of the page is English."""

from __future__ import annotations

import reflex as rx

from resync_app.components.layout import operator_page
from resync_app.components.chat_correction import correction_box
from resync_app.components.chat_language import said
from resync_app.components.safe_markdown import safe_markdown
from resync_app.state.chat import SHOWN_TURNS, SUGGESTIONS, ChatLine, ChatState
from resync_app.state.chat_feedback import ChatFeedbackState

MAX_WIDTH = "52em"

# plan tables in answers: readable cells (markdown tables have no spacing of their own)
_ANSWER_STYLE = {"& table": {"border_collapse": "collapse", "margin": "0.25em 0"},
                 "& th, & td": {"padding": "3px 12px 3px 0", "text_align": "left", "white_space": "nowrap",
                                "border_bottom": "1px solid var(--gray-a4)"}}


def _thumb(line: ChatLine, value: int, icon: str, label: str) -> rx.Component:
    chosen = line.feedback == value
    return rx.icon_button(
        rx.icon(icon, size=14), size="1", variant=rx.cond(chosen, "solid", "ghost"),
        color_scheme=rx.cond(chosen, "green" if value > 0 else "red", "gray"),
        on_click=[ChatState.vote(line.turn_id, value), ChatFeedbackState.offer(line.turn_id, value)],
        aria_label=label, title=label,
        data_vote=str(value), aria_pressed=rx.cond(chosen, "true", "false"),
    )


def _confirm_card(line: ChatLine) -> rx.Component:
    """The proposed action: Confirm/Cancel for a signed-in operator, a sign-in hint for anyone else."""
    buttons = rx.cond(
        ChatState.can_act,
        rx.hstack(
            rx.button(rx.icon("check", size=14), said(line, "Confirm"), size="2", color_scheme="orange",
                      on_click=ChatState.confirm(line.turn_id), class_name="chat-confirm"),
            rx.button(said(line, "Cancel"), size="2", variant="soft", color_scheme="gray",
                      on_click=ChatState.dismiss(line.turn_id)),
            spacing="2", wrap="wrap"),
        rx.text(said(line, "Sign in as an operator to confirm actions."), size="2", color=rx.color("gray", 11),
                class_name="chat-confirm-signin"),
    )
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.callout.text(rx.vstack(
            rx.text(line.confirm_label, weight="bold"),
            rx.match(line.confirm_state,
                     ("open", buttons),
                     rx.text(line.confirm_note, size="2", class_name="chat-confirm-note")),
            spacing="2")),
        color_scheme=rx.match(line.confirm_state, ("done", "green"), ("open", "orange"), "gray"),
        size="1", width="100%", class_name="chat-confirm-card",
    )


def _answer(line: ChatLine) -> rx.Component:
    # the answer being written streams into ChatState.streamed (a small var), not into the line
    text = rx.cond(line.pending, ChatState.streamed, line.text)
    sources = rx.cond(line.pending, ChatState.streamed_sources, line.sources)
    return rx.vstack(
        rx.cond(text != "",
                safe_markdown(text, width="100%", overflow_x="auto", class_name="chat-answer-text",
                              style=_ANSWER_STYLE),
                rx.hstack(rx.spinner(size="1"), rx.text("Thinking…", size="2", color=rx.color("gray", 10)),
                          align="center")),
        rx.cond(line.confirm_label != "", _confirm_card(line)),
        rx.cond(sources != "", rx.text(said(line, "Plan data used: "), sources, size="1", color=rx.color("gray", 10),
                                       class_name="chat-sources")),
        rx.cond(
            line.pending,
            rx.fragment(),
            rx.hstack(
                rx.text(line.footer, size="1", color=rx.color("gray", 10), class_name="chat-footer",
                        flex="1 1 12em", min_width="0"),
                rx.cond(line.turn_id > 0, rx.hstack(_thumb(line, 1, "thumbs-up", "Helpful"),
                                                    _thumb(line, -1, "thumbs-down", "Not helpful"), spacing="2")),
                align="center", width="100%", wrap="wrap", spacing="2"),
        ),
        correction_box(line),
        align="start", spacing="2", width="100%", padding="0.75em 1em", border_radius="10px",
        background=rx.color("gray", 2), border=f"1px solid {rx.color('gray', 5)}",
        class_name="chat-message chat-assistant", data_outcome=line.outcome, data_turn=line.turn_id,
    )


def _question(line: ChatLine) -> rx.Component:
    return rx.box(
        rx.text(line.text, white_space="pre-wrap", overflow_wrap="anywhere"),
        align_self="end", max_width="85%", padding="0.5em 0.9em", border_radius="10px",
        background=rx.color("accent", 3), class_name="chat-message chat-user",
    )


def _line(line: ChatLine) -> rx.Component:
    return rx.cond(line.role == "user", _question(line), _answer(line))


def _suggestions() -> rx.Component:
    return rx.flex(
        *[rx.button(text, size="1", variant="soft", radius="full", on_click=ChatState.ask(text),
                    class_name="chat-suggestion", disabled=ChatState.streaming) for text in SUGGESTIONS],
        wrap="wrap", gap="2", width="100%",
    )


def _input() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(id="chat-question", name="question", placeholder="Ask about jobs, streams, workstations…",
                     size="3", max_length=4000, auto_complete="off", flex="1 1 14em", min_width="0"),
            rx.cond(
                ChatState.streaming,
                rx.button(rx.icon("square", size=14), "Stop", type="button", size="3", color_scheme="red",
                          variant="soft", on_click=ChatState.stop, id="chat-stop"),
                rx.button(rx.icon("send", size=14), "Ask", type="submit", size="3", id="chat-send"),
            ),
            gap="2", width="100%", wrap="wrap",
        ),
        on_submit=ChatState.send,
        reset_on_submit=False,
        width="100%",
    )


def chat() -> rx.Component:
    return operator_page(
        "TWS assistant",
        rx.vstack(
            rx.text("Answers come from the live plan. Plain lookups are free; anything else asks the model, "
                    "with its cost shown under the answer.", size="2", color=rx.color("gray", 11)),
            rx.cond(ChatState.earlier_hidden,
                    rx.text(f"Only the last {SHOWN_TURNS} questions are shown; earlier ones are kept.", size="1",
                            color=rx.color("gray", 10), id="chat-earlier")),
            rx.cond(
                ChatState.lines.length() > 0,
                rx.vstack(rx.foreach(ChatState.lines, _line), spacing="3", width="100%", id="chat-messages"),
                rx.text("Try one of these, or ask your own question:", size="2", id="chat-empty"),
            ),
            rx.cond(ChatState.notice != "", rx.callout(ChatState.notice, icon="info", color_scheme="orange",
                                                       size="1", width="100%", id="chat-notice")),
            _suggestions(),
            _input(),
            rx.hstack(
                rx.button(rx.icon("plus", size=14), "New conversation", size="1", variant="ghost",
                          on_click=ChatState.new_conversation, disabled=ChatState.streaming, id="chat-new"),
                justify="end", width="100%"),
            spacing="4", width="100%", max_width=MAX_WIDTH, min_width="0",
        ),
    )
