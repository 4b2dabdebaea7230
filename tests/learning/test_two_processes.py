"""Every worker at once: a second, long-lived service process on the same database answers from an approved
entry, and stops the moment the entry is rejected or deleted — whichever process made the decision. Each answer
says which process gave it (its pid), so the test shows both workers answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from resync_app.assistant import chat
from tests.learning.conftest import ADMIN, PARAPHRASE, SITE_ANSWER, SITE_QUESTION, teach


class Probe:
    """The second process (`tests/support/learned_probe.py`)."""

    def __init__(self, database_url: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env["RESYNC_DATABASE_URL"] = database_url
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.learned_probe"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = self._read()
        assert hello["ready"] is True
        self.pid = hello["pid"]

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, "the probe process ended"
        return json.loads(line)

    def send(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = self._read()
        assert answer["pid"] == self.pid != os.getpid()  # the other process answered
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def probe(llm, clean_db):
    handle = Probe(clean_db)
    yield handle
    handle.close()


async def _here(question: str) -> int | None:
    try:
        return (await chat.answer(question, None, "tests"))["learned_id"]
    except chat.ChatUnavailable as exc:
        return exc.reply.get("learned_id")


async def test_a_decision_in_either_process_applies_at_once_in_the_other(llm, learning_on, probe):
    assert probe.send(ask=PARAPHRASE)["learned_id"] is None  # nothing approved yet: the probe has looked
    entry = teach(llm, SITE_QUESTION, SITE_ANSWER)  # approved in this process
    seen = probe.send(ask=PARAPHRASE)
    assert seen["learned_id"] == entry and seen["fast_path"] is True and seen["answer"].startswith(SITE_ANSWER)
    assert await _here(PARAPHRASE) == entry

    assert llm.api.post(f"{ADMIN}/{entry}/reject", headers=llm.headers).status_code == 200  # here
    assert probe.send(ask=PARAPHRASE)["learned_id"] is None  # there, at once

    assert probe.send(approve=entry)["status"] == "approved"  # there
    assert await _here(SITE_QUESTION) == entry  # here, at once
    assert probe.send(ask=SITE_QUESTION)["learned_id"] == entry

    assert probe.send(delete=entry)["status"] == "deleted"  # there
    assert await _here(SITE_QUESTION) is None  # here, at once
    assert probe.send(ask=SITE_QUESTION)["learned_id"] is None
