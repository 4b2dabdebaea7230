"""The chat tab's state stays small (issue 15 item 8), measured on the websocket frames the page receives:

- after more questions than a tab shows (`SHOWN_TURNS`), the page keeps the last `SHOWN_TURNS` (older ones stay in
  the database) and says so, and the frames stop growing: the biggest frame of the last turn is no bigger than the
  one of the first turn past the cap (before the fix every turn re-sent the whole conversation: +1 answer a turn);
- while an answer streams, a flush sends the answer in progress only, not the conversation: the previous answer
  travels at most twice during a turn (the question's and the answer's update), however many flushes there are.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from resync_app.state.chat_window import SHOWN_TURNS
from tests.browser.conftest import RESULTS, wait_hydrated
from tests.browser.llm_provider import openai_provider
from tests.fakes.llm_server import Behavior

KEY = "rk-chat-size-0001"
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"]
SLOW_MS = 45_000
TURNS = SHOWN_TURNS + 6
FILLER = " ".join(f"word{i % 97}" for i in range(300))  # ~2.4 KB: the answers dominate the frames


def _marker(n: int) -> str:
    return f"ANSWER-{n:03d}:"


def _reply(messages) -> str:
    asked = [m["content"] for m in messages if m["role"] == "user"][-1]
    n = int(re.search(r"take (\d+)", asked).group(1))
    return f"{_marker(n)} {FILLER}"


@pytest.fixture(scope="module")
def provider(live_server):
    with openai_provider(live_server, KEY, MODELS, Behavior(reply=_reply, prompt_tokens=100,
                                                            completion_tokens=600)) as server:
        yield server


def _ask(page, n: int) -> None:
    page.locator("#chat-question").fill(f"why is the whole plan so slow tonight, take {n}?")
    page.locator("#chat-send").click()
    answer = page.locator(".chat-assistant").last  # the new answer is always the last bubble
    expect(answer).to_contain_text(_marker(n), timeout=SLOW_MS)
    expect(answer.locator(".chat-footer")).not_to_be_empty(timeout=SLOW_MS)


def test_frames_stay_bounded_across_many_turns_and_a_flush_sends_only_the_answer(page, live_server, provider):
    page.goto("/")
    wait_hydrated(page)
    page.locator("#chat-new").click()
    frames = page.ws_frames
    turn_frames: dict[int, list[str]] = {}
    for n in range(1, TURNS + 1):
        if n == TURNS:  # the last answer is written slowly: many flushes
            for model in MODELS:
                provider.set_behavior(model, Behavior(reply=_reply, prompt_tokens=100, completion_tokens=600,
                                                      chunk_delay_s=0.02))
        start = len(frames)
        _ask(page, n)
        turn_frames[n] = [f.payload for f in frames[start:] if f.direction == "received"]

    # the page shows the last SHOWN_TURNS questions and says that earlier ones are kept
    expect(page.locator(".chat-user")).to_have_count(SHOWN_TURNS)
    expect(page.locator(".chat-assistant")).to_have_count(SHOWN_TURNS)
    expect(page.locator(".chat-user").first).to_contain_text(f"take {TURNS - SHOWN_TURNS + 1}?")
    expect(page.locator("#chat-earlier")).to_be_visible()

    biggest = {n: max(len(p) for p in payloads) for n, payloads in turn_frames.items()}
    (RESULTS / "chat-frame-sizes.json").write_text(json.dumps({  # the figures, for the record
        "biggest_frame_per_turn": biggest, "frames_of_last_turn": [len(p) for p in turn_frames[TURNS]]}))
    first_past_cap = biggest[SHOWN_TURNS + 1]
    assert biggest[TURNS - 1] <= first_past_cap * 1.05, biggest  # no growth once the window is full
    assert biggest[TURNS] <= first_past_cap * 1.05, biggest
    assert biggest[SHOWN_TURNS + 1] > biggest[2] * 5, biggest  # sanity: the frames do carry the conversation

    last = turn_frames[TURNS]
    streamed = [p for p in last if _marker(TURNS) in p]
    assert len(streamed) >= 4, f"only {len(streamed)} frames carried the answer in progress: no streaming seen"
    previous = [p for p in last if _marker(TURNS - 1) in p]
    assert len(previous) <= 2, (f"{len(previous)} of {len(last)} frames re-sent the previous answer "
                                f"(sizes {[len(p) for p in previous]})")
    flushes = [p for p in streamed if _marker(TURNS - 1) not in p]
    assert flushes and max(len(p) for p in flushes) < len(FILLER) * 1.5, [len(p) for p in flushes]
