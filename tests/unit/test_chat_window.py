"""The chat tab's state has a cap (issue 15 item 8): `ChatState.send` keeps the last `SHOWN_TURNS` questions and
answers (whole turns) and the proposals of the answers still shown, and a streamed flush changes only the small
`streamed*` vars, never `lines` (called as Reflex calls them, with a state holding the websocket's router data)."""

from __future__ import annotations

from types import SimpleNamespace

from resync_app.state import chat_window
from resync_app.state.chat import ChatLine, ChatState
from resync_app.state.chat_window import MAX_LINES, SHOWN_TURNS


def _tab(lines: list[ChatLine] | None = None, proposals: dict | None = None) -> SimpleNamespace:
    headers = SimpleNamespace(cookie="", origin="", raw_headers={})
    router = SimpleNamespace(headers=headers, url=SimpleNamespace(path="/"),
                             session=SimpleNamespace(client_ip="127.0.0.1", session_id="sid"))
    return SimpleNamespace(router=router, lines=list(lines or []), streaming=False, notice="", _pending="",
                           _stop=False, streamed="", streamed_sources="", earlier_hidden=False,
                           _proposals=dict(proposals or {}))


def _turn(n: int) -> list[ChatLine]:
    return [ChatLine(key=f"q{n}", role="user", text=f"question {n}"),
            ChatLine(key=f"a{n}", role="assistant", text=f"answer {n}", turn_id=n)]


def test_recent_keeps_whole_turns():
    lines = [line for n in range(1, 8) for line in _turn(n)]
    kept, dropped = chat_window.recent(lines, 6)
    assert [line.key for line in kept] == ["q5", "a5", "q6", "a6", "q7", "a7"] and dropped
    assert chat_window.recent(lines[:4], 6) == (lines[:4], False)
    odd, _ = chat_window.recent(lines[:5], 4)  # never starts with an answer cut from its question
    assert odd[0].role == "user"


def test_send_caps_the_lines_and_the_proposals(clean_db):
    send = ChatState.send.fn
    tab = _tab([line for n in range(1, SHOWN_TURNS + 1) for line in _turn(n)],
               proposals={1: {"action": "rerun"}, SHOWN_TURNS: {"action": "hold"}})
    assert len(tab.lines) == MAX_LINES and not tab.earlier_hidden
    for n in range(5):
        send(tab, {"question": f"more {n}"})
        tab.streaming = False  # the answer ended (run/_finish would do this)
        assert len(tab.lines) == MAX_LINES
    assert tab.lines[-2].text == "more 4" and tab.lines[-1].pending and tab.lines[-1].role == "assistant"
    assert [line.role for line in tab.lines[:2]] == ["user", "assistant"]
    assert tab.lines[0].text == "question 6"
    assert tab.earlier_hidden
    assert set(tab._proposals) == {SHOWN_TURNS}  # turn 1's card is gone, so is its proposal


def test_a_flush_changes_only_the_answer_in_progress():
    tab = _tab(_turn(1) + [ChatLine(key="q2", role="user", text="q"), ChatLine(key="a2", role="assistant",
                                                                              pending=True)])
    before = [ChatLine(**vars(line)) for line in tab.lines]
    ChatState._show(tab, ["Hello ", "world"], [{"name": "get_job", "arguments": {"job": "A"}}])
    ChatState._show(tab, ["!"], [{"name": "get_job", "arguments": {"job": "A"}}])
    assert tab.streamed == "Hello world!" and tab.streamed_sources == "get_job(A)"
    assert tab.lines == before  # the conversation itself is untouched by flushes
    ChatState._close_line(tab, "stopped", "stopped")
    assert tab.lines[-1].text == "Hello world!" and tab.lines[-1].sources == "get_job(A)"
    assert not tab.lines[-1].pending and tab.streamed == "" and not tab.streaming


def test_the_confirm_card_names_the_workstation_and_the_proposal_keeps_the_job_id():
    """Two CPU_1#S.JOB and CPU_2#S.JOB look different on the card; the server keeps the proposal (job id
    included) by turn id, and confirms exactly that."""
    tab = _tab([ChatLine(key="q", role="user", text="rerun S.JOB"), ChatLine(key="a", role="assistant", pending=True)])
    proposal = {"action": "rerun", "job_id": "id-on-cpu2", "job": "JOB", "job_stream": "S", "workstation": "CPU_2",
                "instance": "prod"}
    ChatState._finish(tab, {"answer": "ok", "footer": "f", "turn_id": 7, "tool_calls": [], "outcome": "ok",
                            "confirm": proposal})
    assert tab.lines[-1].confirm_label == "Rerun CPU_2#S.JOB on prod?" and tab.lines[-1].confirm_state == "open"
    assert tab._proposals == {7: proposal}
