"""Child process of the multi-process test: a worker that is handed the same stored events as the other worker
(the sink is called in both) and runs its own dispatcher until nothing is due.

    work(events, go_file)  (in a forked child: tests/support/forked.py)
    python -m tests.teams.dispatch_worker <events> <go-file>
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from resync_app.teams import service
from resync_app.teams.dispatcher import Dispatcher
from tests.teams.conftest import make_event


def work(count: int, go: Path) -> int:
    """Hand this process the `count` events, then deliver what is due until nothing is; prints its figures."""
    events = [make_event(event_id=5000 + i, job=f"JOB_{i:03d}") for i in range(count)]
    deadline = time.monotonic() + 60
    while not go.exists():  # start together with the other process
        if time.monotonic() > deadline:
            sys.exit("no go signal")
        time.sleep(0.01)
    service.on_tws_events(events)
    dispatcher = Dispatcher(f"process-{os.getpid()}")
    sent = idle = 0
    first = last = 0.0
    while idle < 5:  # a few empty rounds in a row: what is left is claimed by the other process
        started = time.time()
        outcomes = dispatcher.deliver_due()
        done = sum(1 for o in outcomes if o["status"] == "sent")
        if done:
            first, last = first or started, time.time()
        sent += done
        idle = 0 if outcomes else idle + 1
        if not outcomes:
            time.sleep(0.05)
    dispatcher.stop()
    print(f"first={first:.3f} last={last:.3f} sent={sent}")
    return 0


if __name__ == "__main__":
    sys.exit(work(int(sys.argv[1]), Path(sys.argv[2])))
