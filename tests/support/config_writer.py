"""Child process for the multi-process configuration test: apply one update per field given on the command line.

    write(name, sync_dir, writers, ["field=value", …])  (in a forked child: tests/support/forked.py)
    python -m tests.support.config_writer <name> <sync dir> <writers> field=value …

The writers meet twice in <sync dir> (files, no clock): all imported before any writes, and all past their first
update before any makes its second — so their updates interleave. Each update's actor is `writer-<name>`.
"""

import sys
import time
from pathlib import Path

from resync_app.config.store import get_store


def meet(sync_dir: Path, step: str, name: str, writers: int) -> None:
    """Say this writer reached `step`, then wait until every writer has (fails after 60 s)."""
    (sync_dir / f"{step}.{name}").touch()
    deadline = time.monotonic() + 60
    while len(list(sync_dir.glob(f"{step}.*"))) < writers:
        if time.monotonic() > deadline:
            sys.exit(f"writer {name}: the others never reached {step}")
        time.sleep(0.005)  # waiting for the other processes, not a timing check


def write(name: str, sync_dir: str, writers: int, updates: list[str]) -> int:
    """Apply `updates` ("field=value") one by one as `writer-<name>`; 0 if every one succeeded alone."""
    store = get_store()
    meet(Path(sync_dir), "ready", name, writers)
    failures = 0
    for n, item in enumerate(updates):
        field, value = item.split("=", 1)
        result = store.update({field: value}, actor=f"writer-{name}")
        failures += not result.success or result.updated_fields != [field]
        if n == 0:
            meet(Path(sync_dir), "first", name, writers)
    return 1 if failures else 0


if __name__ == "__main__":
    name, sync_dir, writers, *updates = sys.argv[1:]
    sys.exit(write(name, sync_dir, int(writers), updates))
