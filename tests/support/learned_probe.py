"""A second, long-lived service process on the same database (the multi-worker learning test): it reads commands
on stdin, one JSON object a line, and answers one JSON line each with its own pid:

    {"ask": "question"}          -> {"pid", "learned_id", "fast_path", "answer"}   (chat.answer, no model)
    {"reject": id} / {"approve": id} / {"delete": id}  -> {"pid", "status"}         (the review service)

Run: `RESYNC_DATABASE_URL=… python -m tests.support.learned_probe`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys


def main() -> int:
    from resync_app.assistant import chat, learned

    reviewer = learned.Reviewer("probe-admin", "probe")
    print(json.dumps({"pid": os.getpid(), "ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "ask" in command:
            try:
                reply = asyncio.run(chat.answer(command["ask"], None, "probe-operator"))
            except chat.ChatUnavailable as exc:
                reply = exc.reply
            out = {"learned_id": reply.get("learned_id"), "fast_path": reply.get("fast_path"),
                   "answer": reply.get("answer")}
        else:
            verb, entry = next(iter(command.items()))
            result = getattr(learned, verb)(int(entry), reviewer)
            out = {"status": result.get("status", "deleted")}
        print(json.dumps({"pid": os.getpid(), **out}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
