"""The chat page's state: the conversation shown, the streamed answer, Stop, thumbs, and the confirm card.

The answer streams in a background task (`run`) that holds the state only in short `async with self:` blocks
(one every FLUSH_S of text). `send` (an operator read) takes the question; `run` only answers what `send` left
in the backend var `_pending`, so calling it directly does nothing. Action proposals stay on the server
(`_proposals`, by turn id): `confirm` is an `operator_event` (a signed-in operator or admin, checked on the server)
and acts only on a proposal this tab was given. The conversation id lives in the browser (LocalStorage), so a
reload shows the history again (read back from the server). The tab keeps the last `chat_window.SHOWN_TURNS`
turns only, and the answer being written streams into `streamed` (not into `lines`): see `state/chat_window.py`.
Each answer's footer, confirm card and notes are in its question's language (`ChatLine.language`, `assistant/lang`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import reflex as rx

from resync_app.assistant import chat, lang, turns
from resync_app.state import chat_window, event_limits
from resync_app.state.guard import acting_user, current_user, operator_event, operator_read_event
from resync_app.state.socket_client import client_address

logger = logging.getLogger("resync.chat")
FLUSH_S = 0.1
SHOWN_TURNS = chat_window.SHOWN_TURNS
SUGGESTIONS = ("How is TWS doing?", "What abended in the last hour?", "What is late?", "Any stuck jobs?",
               "Which critical jobs are at risk?")


@dataclasses.dataclass
class ChatLine:
    """One bubble: the operator's question or the assistant's answer (display only)."""

    key: str
    role: str  # user | assistant
    text: str = ""
    footer: str = ""
    sources: str = ""  # the tools/plan reads the answer used
    turn_id: int = 0
    feedback: int = 0
    outcome: str = "ok"
    pending: bool = False
    confirm_label: str = ""  # "Rerun HR.PAYROLL_DAILY on sim?"; "" = no action proposed
    confirm_state: str = ""  # open | read_only | done | failed
    confirm_note: str = ""
    language: str = "en"  # of the question: the answer, its footer and its confirm card are worded in it


def _sources(tool_calls: list[dict[str, Any]]) -> str:
    names = []
    for call in tool_calls:
        args = call.get("arguments") or {}
        subject = next((str(args[k]) for k in ("job", "stream", "name", "query") if args.get(k)), "")
        label = f"{call.get('name')}({subject})" if subject else str(call.get("name"))
        if label not in names:
            names.append(label)
    return ", ".join(names[:8])


def _confirm_label(proposal: dict[str, Any], w: lang.Wording = lang.wording(lang.EN)) -> str:
    """"Rerun CPU_1#STREAM.JOB on sim?" ("Reexecutar … em sim?"): the job as TWS names it, workstation included (two
    STREAM.JOB on different workstations are different jobs; the proposal itself holds the job id)."""
    job = ".".join(p for p in (proposal.get("job_stream"), proposal.get("job")) if p)
    if proposal.get("workstation"):
        job = f"{proposal['workstation']}#{job}"
    return w.t("{Action} {job} on {instance}?", Action=w.term(str(proposal.get("action", ""))).capitalize(), job=job,
               instance=proposal.get("instance"))


def _turn_id(value: Any) -> int | None:
    """A turn id sent by the client, or None if it is not one."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 12 else None


def _client(state: rx.State) -> str:
    return client_address(state)


class ChatState(rx.State):
    """See the module docstring. Public vars are what the page shows; the rest stays on the server."""

    lines: list[ChatLine] = []
    streamed: str = ""  # the answer being written (the pending line shows it): a flush sends only this
    streamed_sources: str = ""
    earlier_hidden: bool = False  # older turns of the conversation are not shown (they stay in the database)
    streaming: bool = False
    notice: str = ""
    can_act: bool = False  # display only: the server re-checks in `confirm`
    conversation_id: str = rx.LocalStorage("", name="resync_chat_conversation", sync=True)
    _pending: str = ""
    _stop: bool = False
    _proposals: dict[int, dict[str, Any]] = {}

    @rx.event
    @operator_read_event
    def load(self):
        """`on_load`: who may act, and the stored history of this browser's conversation."""
        self.can_act = chat.may_act(current_user(self))
        self.notice = ""
        if self.streaming:
            return
        self.lines, self.earlier_hidden = [], False
        if not turns.valid_conversation_id(self.conversation_id):
            return
        history = turns.history(self.conversation_id, SHOWN_TURNS + 1)
        self.earlier_hidden = len(history) > SHOWN_TURNS
        lines = []
        for turn in history[-SHOWN_TURNS:]:
            lines.append(ChatLine(key=f"q{turn['id']}", role="user", text=turn["question"]))
            lines.append(ChatLine(key=f"a{turn['id']}", role="assistant", text=turn["answer"],
                                  footer=turn["footer"], turn_id=turn["id"], feedback=turn["feedback"] or 0,
                                  outcome=turn["outcome"], language=turn["language"]))
        self.lines = lines

    @rx.event
    @operator_read_event
    def send(self, form_data: dict[str, Any]):
        """Take the question typed (or a suggestion) and start the answer."""
        question = str((form_data or {}).get("question") or "").strip()
        if self.streaming or not question:
            return None
        if len(question) > chat.MAX_MESSAGE_CHARS:
            self.notice = f"A question has at most {chat.MAX_MESSAGE_CHARS} characters."
            return None
        decision = event_limits.check(self, "/api/v1/chat")  # the limits of the REST chat, same counters
        if not decision.allowed:
            self.notice = decision.detail()
            return None
        self.notice = ""
        self._pending, self._stop, self.streaming = question, False, True
        self.streamed, self.streamed_sources = "", ""
        key = f"new{time.monotonic_ns()}"
        lines, dropped = chat_window.recent([*self.lines, ChatLine(key=f"q-{key}", role="user", text=question),
                                             ChatLine(key=f"a-{key}", role="assistant", pending=True,
                                                      language=lang.detect(question))])
        self.lines, self.earlier_hidden = lines, self.earlier_hidden or dropped
        self._proposals = chat_window.shown_proposals(self._proposals, lines)
        return [ChatState.run, rx.set_value("chat-question", "")]

    @rx.event
    def ask(self, question: str):
        """A suggestion chip."""
        return ChatState.send({"question": question})

    @rx.event
    def stop(self):
        self._stop = True

    @rx.event
    def new_conversation(self):
        if not self.streaming:
            self.conversation_id, self.lines, self._proposals, self.earlier_hidden = "", [], {}, False

    @rx.event(background=True)
    async def run(self):
        """Stream the answer to the question `send` left (see the module docstring)."""
        async with self:
            question, self._pending = self._pending, ""
            conversation = self.conversation_id if turns.valid_conversation_id(self.conversation_id) else None
            principal = current_user(self, touch=False)
            client = _client(self)
        if not question:
            return
        events = chat.stream(question, conversation, principal.username if principal else None, client=client)
        buffer, tools, flushed, stopped = [], [], time.monotonic(), False
        try:
            async for event in events:
                if event["type"] == "start":
                    async with self:
                        self.conversation_id = event["conversation_id"]
                elif event["type"] == "delta":
                    buffer.append(event["text"])
                elif event["type"] == "tool":
                    tools.append(event)
                elif event["type"] == "done":
                    async with self:
                        self._finish(event["reply"])
                    return
                if time.monotonic() - flushed >= FLUSH_S:
                    flushed = time.monotonic()
                    async with self:
                        self._show(buffer, tools)
                        buffer = []
                        stopped = self._stop
                    if stopped:
                        break
        except Exception:
            logger.exception("the chat answer failed")
            async with self:
                self._show(buffer, tools)
                self._close_line("error", "The answer failed; it has been logged.")
            return
        finally:
            await events.aclose()
        async with self:
            self._show(buffer, tools)
            self._close_line("stopped", "stopped")

    def _show(self, pieces: list[str], tools: list[dict[str, Any]]) -> None:
        """A flush: only the small `streamed*` vars change (the conversation in `lines` is not re-sent)."""
        if pieces:
            self.streamed += "".join(pieces)
        sources = _sources(tools)
        if sources != self.streamed_sources:
            self.streamed_sources = sources

    def _close_line(self, outcome: str, footer: str) -> None:
        line = self.lines[-1]
        line.text, line.sources = self.streamed, self.streamed_sources
        line.pending, line.outcome, line.footer = False, outcome, lang.wording(line.language).t(footer)
        self.lines[-1] = line
        self.streamed, self.streamed_sources, self.streaming = "", "", False

    def _finish(self, reply: dict[str, Any]) -> None:
        line = self.lines[-1]
        line.text, line.footer, line.turn_id = reply["answer"], reply["footer"], int(reply["turn_id"] or 0)
        line.sources, line.outcome, line.pending = _sources(reply["tool_calls"]), reply["outcome"], False
        line.language = reply.get("language") or lang.EN
        w = lang.wording(line.language)
        proposal = reply.get("confirm")
        if proposal:
            self._proposals[line.turn_id] = proposal
            line.confirm_label = _confirm_label(proposal, w)
            line.confirm_state = "read_only" if proposal.get("read_only") else "open"
            if proposal.get("read_only"):
                line.confirm_note = w.t("This TWS instance is read-only in Resync: no action is possible.")
        self.lines[-1] = line
        self.streamed, self.streamed_sources, self.streaming = "", "", False

    @rx.event
    @operator_read_event
    def vote(self, turn_id: int, value: int):
        """Thumbs up (+1) / down (-1) on an answer of this conversation (`learned.record_feedback`, the service of
        `POST /api/v1/chat/feedback`: with learning on, the answer goes to the review queue)."""
        from resync_app.assistant import learned

        turn = _turn_id(turn_id)
        if value not in (1, -1) or turn is None or not turns.valid_conversation_id(self.conversation_id):
            return
        principal = current_user(self)
        try:
            learned.record_feedback(turn, value, self.conversation_id, None, principal.username if principal else None)
        except learned.LearningError:
            return
        self._update(turn, feedback=value)

    @rx.event
    @operator_event
    async def confirm(self, turn_id: int):
        """Perform the action proposed in answer `turn_id` (signed-in operator or admin only; audited)."""
        from resync_app.tws.instance_config import UnknownInstance
        from resync_app.tws.service import ActionError

        turn = _turn_id(turn_id)
        proposal = self._proposals.pop(turn, None) if turn is not None else None
        if proposal is None:
            return
        try:
            result = await chat.confirm_action(proposal, acting_user(), _client(self))
            self._update(turn, confirm_state="done", confirm_note=self._wording(turn).term(result["message"]))
        except (ActionError, PermissionError, ValueError, UnknownInstance) as exc:
            self._update(turn, confirm_state="failed", confirm_note=getattr(exc, "message", str(exc)))

    @rx.event
    def dismiss(self, turn_id: int):
        """Cancel a proposal: nothing is done."""
        turn = _turn_id(turn_id)
        if turn is not None and self._proposals.pop(turn, None) is not None:
            self._update(turn, confirm_state="failed",
                         confirm_note=self._wording(turn).t("Cancelled: nothing was done."))

    def _wording(self, turn_id: int) -> lang.Wording:
        """The words of answer `turn_id`'s language (its confirm card's notes)."""
        line = next((x for x in self.lines if x.role == "assistant" and x.turn_id == turn_id), None)
        return lang.wording(line.language if line else lang.EN)

    def _update(self, turn_id: int, **changes: Any) -> None:
        for index, line in enumerate(self.lines):
            if line.role == "assistant" and line.turn_id == turn_id:
                self.lines[index] = dataclasses.replace(line, **changes)
