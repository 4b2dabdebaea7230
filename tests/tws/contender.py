"""A poller process for the election tests: `python -m tests.tws.contender --backend file|postgres|redis …`.

It runs the app's `PollerService` exactly as a worker does (the database and data dir come from the environment,
like a worker's), with the lock backend and name given, and the simulator's virtual clock as its clock. Whenever
it becomes leader or follower it writes that word to `<state dir>/<pid>`, so the test sees who leads without
looking inside the process. SIGTERM stops it cleanly (the lock is released); SIGKILL is a crash.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", required=True, choices=("file", "postgres", "redis"))
    parser.add_argument("--lock-name", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--sim-url", required=True)
    parser.add_argument("--sim-user", required=True)
    parser.add_argument("--sim-password", required=True)
    parser.add_argument("--election-retry", type=float, default=None, help="seconds between tries to lead")
    parser.add_argument("--lock-check", type=float, default=None, help="seconds between checks of a held lock")
    parser.add_argument("--redis-ttl", type=float, default=None, help="expiry of the Redis lock, seconds")
    args = parser.parse_args()

    import httpx

    from resync_app.tws.election import make_lock
    from resync_app.tws.poller import PollerService

    sim = httpx.Client(base_url=args.sim_url, auth=(args.sim_user, args.sim_password), timeout=10)

    def clock() -> datetime:
        return datetime.fromisoformat(sim.get("/_sim/state").json()["now"].replace("Z", "+00:00"))

    timing = {key: value for key, value in (("election_retry_s", args.election_retry),
                                            ("lock_check_s", args.lock_check)) if value is not None}
    ttl = {} if args.redis_ttl is None else {"redis_ttl_s": args.redis_ttl}
    service = PollerService(lock_factory=lambda: make_lock(args.backend, args.lock_name, **ttl), clock=clock,
                            **timing)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    state_file = Path(args.state_dir) / str(__import__("os").getpid())
    service.start()
    written = None
    while not stop.is_set():
        word = "leader" if service.leader else (f"follower {service.failed_attempts}" if service.running
                                                 else "stopped")
        if word != written:
            state_file.write_text(word)
            written = word
        stop.wait(0.05)
    service.stop()
    state_file.write_text("stopped")


if __name__ == "__main__":
    main()
