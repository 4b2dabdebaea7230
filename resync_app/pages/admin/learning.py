"""/admin/learning: what operators taught the assistant — votes and corrections on chat answers — to approve (with
the text edited), reject or delete. An approved answer answers the same question and its close paraphrases at $0,
on every worker at once; a rejected or deleted one stops at once. All texts are shown as plain text."""

from __future__ import annotations

import reflex as rx

from resync_app.assistant.learned import MAX_APPROVED
from resync_app.components.blocks import MUTED
from resync_app.components.layout import admin_page
from resync_app.state.learning import PAGE_SIZE, LearningRow, LearningState as S

_FILTER_LABELS = (("Pending", "pending"), ("Approved", "approved"), ("Rejected", "rejected"), ("All", "all"))
_TEXT = {"white_space": "pre-wrap", "overflow_wrap": "anywhere"}


def _filters() -> rx.Component:
    return rx.flex(
        rx.box(rx.segmented_control.root(
            *[rx.segmented_control.item(rx.cond(value == "all", label, label + " (" + S.counts[value].to_string()
                                                + ")"), value=value) for label, value in _FILTER_LABELS],
            value=S.status_filter, on_change=S.set_status_filter, id="learning-filter",
            size=rx.breakpoints(initial="1", xs="2")), max_width="100%", overflow_x="auto"),
        rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", size="2", on_click=S.load,
                  id="learning-refresh"),
        wrap="wrap", gap="3", align="center", width="100%",
    )


def _block(label: str, text, block_class: str, color: str = "gray") -> rx.Component:
    return rx.cond(text != "", rx.box(
        rx.text(label, size="1", weight="bold", color=MUTED),
        rx.text(text, size="2", style=_TEXT),
        padding="0.5em 0.75em", border_radius="6px", background=rx.color(color, 2), width="100%",
        class_name=block_class))


def _status(row: LearningRow) -> rx.Component:
    return rx.match(row.status,
                    ("approved", rx.badge("approved", color_scheme="green")),
                    ("rejected", rx.badge("rejected", color_scheme="gray")),
                    rx.badge("pending", color_scheme="orange"))


def _actions(row: LearningRow) -> rx.Component:
    approve = rx.cond(
        row.has_default,
        rx.button(rx.icon("check", size=14), "Approve", size="1", color_scheme="green",
                  on_click=S.approve(row.id), data_action="approve"),
        rx.fragment())
    return rx.hstack(
        rx.cond(row.status != "approved", approve),
        rx.button(rx.icon("pencil", size=14), rx.cond(row.status == "approved", "Edit answer", "Edit and approve"),
                  size="1", variant="soft", on_click=S.open_editor(row.id), data_action="edit"),
        rx.cond(row.status != "rejected",
                rx.button(rx.icon("x", size=14), "Reject", size="1", variant="soft", color_scheme="red",
                          on_click=S.reject(row.id), data_action="reject")),
        rx.button(rx.icon("trash-2", size=14), "Delete", size="1", variant="ghost", color_scheme="gray",
                  on_click=S.delete(row.id), data_action="delete"),
        spacing="2", wrap="wrap",
    )


def _entry(row: LearningRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text("#", row.id, weight="bold"),
                rx.cond(row.vote > 0, rx.badge(rx.icon("thumbs-up", size=12), "helpful", color_scheme="green"),
                        rx.badge(rx.icon("thumbs-down", size=12), "not helpful", color_scheme="red")),
                _status(row),
                rx.text(row.by, " · ", row.at, size="1", color=MUTED),
                rx.cond(row.uses > 0, rx.badge(row.uses.to_string() + " answers given", variant="outline")),
                rx.cond(row.answered_from > 0, rx.badge("answer came from approved #" + row.answered_from.to_string(),
                                                        color_scheme="amber", variant="soft")),
                rx.cond(row.reviewed != "", rx.text("reviewed by ", row.reviewed, size="1", color=MUTED)),
                wrap="wrap", gap="2", align="center", width="100%",
            ),
            rx.cond(row.live, rx.callout(
                "This question asks about the live plan: it is always answered from the plan, never from this entry.",
                icon="info", size="1", color_scheme="blue", width="100%", class_name="learning-live")),
            _block("Question", row.question, "learning-question", "accent"),
            _block("Answer given", row.answer, "learning-answer"),
            _block("Operator's correction", row.correction, "learning-correction", "orange"),
            _block("Approved answer", row.approved, "learning-approved", "green"),
            _actions(row),
            spacing="2", width="100%",
        ),
        width="100%", data_entry=row.id, data_status=row.status, class_name="learning-entry",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Newer", size="1", variant="soft", disabled=S.page == 0,
                  on_click=S.turn_page(-1)),
        rx.text("page ", (S.page + 1).to_string(), " · ", S.total.to_string(), " entries", size="1", color=MUTED),
        rx.button("Older", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=(S.page + 1) * PAGE_SIZE >= S.total, on_click=S.turn_page(1)),
        align="center", spacing="3",
    )


def _editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Approved answer of entry #", S.editing.to_string()),
            rx.dialog.description(rx.text("Question: ", S.editing_question, style=_TEXT), size="2", color=MUTED,
                                  margin_bottom="0.75em"),
            rx.text_area(value=S.draft, on_change=S.set_draft, rows="8", width="100%", max_length=MAX_APPROVED,
                         placeholder="What the assistant should answer to this question (Markdown).",
                         id="learning-draft"),
            rx.text(S.draft.length().to_string(), f" / {MAX_APPROVED} characters", size="1", color=MUTED),
            rx.cond(S.message != "", rx.callout(S.message, icon="triangle-alert", color_scheme="red", size="1",
                                                width="100%", id="learning-message")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                rx.button(rx.icon("check", size=14), "Approve this answer", color_scheme="green",
                          on_click=S.approve_draft, id="learning-approve-draft"),
                justify="end", spacing="3", width="100%", margin_top="1em",
            ),
            max_width="640px",
        ),
        open=S.editing > 0,
        on_open_change=S.close_editor,
    )


def learning() -> rx.Component:
    return admin_page(
        "Learning from operators",
        rx.text("Operators' votes and corrections on the assistant's answers (kept when “Conversation learning” is "
                "on in the Teams configuration). An approved answer answers the same question and close "
                "paraphrases at no cost, with “from approved answer #N” under it; questions about the live plan "
                "are always answered from the plan.", size="2", color=MUTED),
        _filters(),
        rx.cond(S.rows.length() > 0,
                rx.vstack(rx.foreach(S.rows, _entry), spacing="3", width="100%", id="learning-entries"),
                rx.text("Nothing here.", size="2", color=MUTED, id="learning-empty")),
        _pager(),
        _editor(),
        subtitle="Every decision is in the audit log.",
    )
