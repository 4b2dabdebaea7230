"""/admin/learning state: the review queue of what operators taught the assistant (votes and corrections on chat
answers) — approve with the text edited, reject, delete.

Every rule is the service's (`assistant/learned.py`: validation, defaults, audit, the change feed). Every handler is
an `admin_event` (so the state counts as an admin state: `AdminDataMiddleware` clears it for a client without a live
admin session); one page of PAGE_SIZE entries at a time, long texts cut for the table (the editor loads the whole
text from the database).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from resync_app.assistant import learned
from resync_app.state.guard import acting_admin, admin_event

PAGE_SIZE = 25
SHOWN_CHARS = 600
FILTERS = ("pending", "approved", "rejected", "all")


@dataclasses.dataclass
class LearningRow:
    """One entry as the table shows it."""

    id: int = 0
    question: str = ""
    answer: str = ""
    vote: int = 0
    correction: str = ""
    approved: str = ""
    by: str = ""
    at: str = ""
    status: str = ""
    reviewed: str = ""
    uses: int = 0
    live: bool = False
    answered_from: int = 0
    has_default: bool = False  # approvable without writing a text


def _cut(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _when(iso: str | None) -> str:
    return (iso[:16].replace("T", " ") + " UTC") if iso else ""


def _row(entry: dict[str, Any]) -> LearningRow:
    return LearningRow(
        id=entry["id"], question=_cut(entry["question"]), answer=_cut(entry["answer"]), vote=entry["vote"],
        correction=_cut(entry["correction"]), approved=_cut(entry["approved_answer"]),
        by=entry["by"] or "not signed in", at=_when(entry["at"]), status=entry["status"],
        reviewed=f"{entry['reviewed_by']} · {_when(entry['reviewed_at'])}" if entry["reviewed_by"] else "",
        uses=entry["uses"], live=entry["live_question"], answered_from=entry["answered_from"] or 0,
        has_default=bool(entry["approved_answer"] or entry["correction"] or entry["vote"] == 1))


class LearningState(rx.State):
    """The entries shown, the filter, the page, and the editor's draft."""

    status_filter: str = "pending"
    rows: list[LearningRow] = []
    counts: dict[str, int] = {"pending": 0, "approved": 0, "rejected": 0}
    total: int = 0
    page: int = 0
    editing: int = 0  # the entry whose approved text is being written (0: the editor is closed)
    editing_question: str = ""
    draft: str = ""
    message: str = ""

    def _reviewer(self) -> learned.Reviewer:
        return learned.Reviewer(acting_admin().username, self.router.session.client_ip or "")

    def _load(self) -> None:
        status = None if self.status_filter == "all" else self.status_filter
        found = learned.list_entries(status, PAGE_SIZE, self.page * PAGE_SIZE)
        if not found["results"] and self.page > 0:
            self.page = max(0, (found["count"] - 1) // PAGE_SIZE)
            found = learned.list_entries(status, PAGE_SIZE, self.page * PAGE_SIZE)
        self.rows = [_row(e) for e in found["results"]]
        self.total = found["count"]
        self.counts = learned.counts()

    @rx.event
    @admin_event
    def load(self):
        self._load()

    @rx.event
    @admin_event
    def set_status_filter(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        if value in FILTERS:
            self.status_filter, self.page, self.message = value, 0, ""
            self._load()

    @rx.event
    @admin_event
    def turn_page(self, step: int):
        pages = max(1, -(-self.total // PAGE_SIZE))
        self.page = min(max(0, self.page + (1 if step > 0 else -1)), pages - 1)
        self._load()

    @rx.event
    @admin_event
    def open_editor(self, entry_id: int):
        """The editor of an entry's approved text, filled with what approving would use (or empty)."""
        try:
            entry = learned.get_entry(_entry_id(entry_id))
        except learned.LearningError:
            self._load()
            return rx.toast.error("This entry no longer exists.")
        self.editing, self.editing_question, self.message = entry["id"], _cut(entry["question"]), ""
        self.draft = entry["approved_answer"] or entry["correction"] or (entry["answer"] if entry["vote"] == 1 else "")
        return None

    @rx.event
    @admin_event
    def close_editor(self, is_open: bool = False):
        if not is_open:
            self.editing, self.draft, self.editing_question, self.message = 0, "", "", ""

    @rx.event
    @admin_event
    def set_draft(self, value: str):
        self.draft = str(value)[:learned.MAX_APPROVED + 1]

    @rx.event
    @admin_event
    def approve(self, entry_id: int):
        """Approve with the default text (the correction; for a 👍 the answer)."""
        return self._decide(learned.approve, entry_id, "approved: it answers this question from now on")

    @rx.event
    @admin_event
    def approve_draft(self):
        """Approve the entry in the editor with the text written there."""
        try:
            learned.approve(self.editing, self._reviewer(), self.draft)
        except learned.LearningError as exc:
            self.message = str(exc)
            return None
        done = self.editing
        self.editing, self.draft, self.editing_question, self.message = 0, "", "", ""
        self._load()
        return rx.toast.success(f"Entry #{done} approved: it answers this question from now on.")

    @rx.event
    @admin_event
    def reject(self, entry_id: int):
        return self._decide(learned.reject, entry_id, "rejected: it answers nothing from now on")

    @rx.event
    @admin_event
    def delete(self, entry_id: int):
        return self._decide(learned.delete, entry_id, "deleted")

    def _decide(self, action, entry_id: Any, done: str):
        entry = _entry_id(entry_id)
        if entry is None:
            return None
        try:
            action(entry, self._reviewer())
        except learned.LearningError as exc:
            self._load()
            return rx.toast.error(str(exc))
        self._load()
        return rx.toast.success(f"Entry #{entry} {done}.")


def _entry_id(value: Any) -> int | None:
    """An entry id sent by the client, or None if it is not one."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 12 else None
