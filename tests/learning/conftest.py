"""Fixtures of the learning tests: the chat's (the simulator polled into the snapshot, the fake LLM provider) and
helpers to ask, vote and review through the real ASGI app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.assistant.conftest import plan  # noqa: F401  (fixture)
from tests.llm.conftest import llm, llm_server  # noqa: F401  (fixtures)
from tests.tws.conftest import simulator, simulator_factory  # noqa: F401  (fixtures)

CHAT = "/api/v1/chat"
ADMIN = "/api/v1/admin/learning"
SITE_QUESTION = "Who should I call when payroll fails at night?"
SITE_ANSWER = "Page the HR Systems on-call at +1 555 0100, then open a P2 ticket."
PARAPHRASE = "Which team should I contact if payroll abends overnight?"


def set_learning(api, headers, on: bool) -> None:
    answer = api.put("/api/v1/admin/teams-config", headers=headers, json={"enable_conversation_learning": on})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def learning_on(api, admin_headers):
    set_learning(api, admin_headers, True)
    return True


def ask(api, message: str, headers: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    answer = api.post(CHAT, json={"message": message, **extra}, headers=headers or {})
    assert answer.status_code in (200, 503), answer.text
    return answer.json()


def model_posts(srv) -> int:
    return sum(1 for r in srv.requests if r["method"] == "POST")


def vote(api, reply: dict[str, Any], vote_value: int = -1, correction: str | None = None,
         headers: dict[str, str] | None = None):
    body: dict[str, Any] = {"turn_id": reply["turn_id"], "conversation_id": reply["conversation_id"],
                            "vote": vote_value}
    if correction is not None:
        body["correction"] = correction
    return api.post(f"{CHAT}/feedback", json=body, headers=headers or {})


def teach(llm, question: str, correction: str) -> int:
    """Ask (the model answers), vote 👎 with the correction, approve it as the admin: the entry's id."""
    reply = ask(llm.api, question)
    assert reply["fast_path"] is False, reply
    done = vote(llm.api, reply, -1, correction).json()
    assert done["correction_kept"] is True, done
    approved = llm.api.post(f"{ADMIN}/{done['entry_id']}/approve", headers=llm.headers, json={})
    assert approved.status_code == 200, approved.text
    return done["entry_id"]
