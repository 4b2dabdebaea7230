"""`python -m resync_app.tws_simulator` — serve the bundled HWA simulator.

    python -m resync_app.tws_simulator --host 127.0.0.1 --port 31116 [--jobs N] [--seed S] [--speed X] …
    python -m resync_app.tws_simulator --background --parent-pid PID    (what `make run` does)
    python -m resync_app.tws_simulator --real-engine | --late-job-numbers --agents-without-online 1 …

The engine behaviours the spec leaves open (issue 16, D1-D6; `behaviours.py`) are off by default; `--real-engine`
switches every one on, the other flags one each (they override `--real-engine`'s choice).

Credentials: user `twsadmin`, password from RESYNC_TWS_SIMULATOR_PASSWORD or `<data dir>/tws-simulator-password`
(`credentials.simulator_credentials()`, which the app reads too). The password is never printed.

`--background` makes the start idempotent: a simulator of ours already on the port (it answers with our
credentials) is asked to stop and replaced; a foreign program on the port is left alone with a warning; then a
detached simulator is started (log in `<data dir>/tws-simulator.log`) and awaited until it answers.
`--parent-pid` makes the simulator exit when that process is gone (the server it was started with).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from resync_app.tws_simulator.behaviours import ERROR_BODIES, REFUSALS, Behaviours, all_on
from resync_app.tws_simulator.credentials import DEFAULT_PORT, data_dir, simulator_credentials


def _start_time(text: str):
    from resync_app.tws.plan_values import parse_time

    when = parse_time(text)
    if when is None:
        raise argparse.ArgumentTypeError("an ISO 8601 date-time, e.g. 2026-03-02T00:00:00Z")
    return when


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a share between 0 and 1, e.g. 0.3") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("a share between 0 and 1, e.g. 0.3")
    return value


def behaviours_of(args: argparse.Namespace) -> Behaviours:
    """The engine behaviours the command line asks for (`--real-engine`, then each flag given)."""
    values = all_on().as_dict() if args.real_engine else Behaviours().as_dict()
    for name in values:
        given = getattr(args, name, None)
        if given is not None:
            values[name] = given
    return Behaviours(**values)


def _args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="python -m resync_app.tws_simulator", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(env("RESYNC_TWS_SIMULATOR_PORT", str(DEFAULT_PORT))))
    p.add_argument("--jobs", type=int, default=int(env("RESYNC_TWS_SIMULATOR_JOBS", "1500")),
                   help="jobs in one day's plan (default 1500)")
    p.add_argument("--seed", type=int, default=int(env("RESYNC_TWS_SIMULATOR_SEED", "42")))
    p.add_argument("--speed", type=float, default=float(env("RESYNC_TWS_SIMULATOR_SPEED", "1")),
                   help="plan seconds per real second (0: the clock only moves through /_sim/clock)")
    p.add_argument("--workstations", type=int, default=None)
    p.add_argument("--start", type=_start_time, default=None,
                   help="the plan clock's start (ISO 8601, e.g. 2026-03-02T00:00:00Z; default: now)")
    p.add_argument("--abend-rate", type=float, default=0.03)
    p.add_argument("--stuck-rate", type=float, default=0.004)
    p.add_argument("--late-rate", type=float, default=0.02)
    p.add_argument("--flap-rate", type=float, default=0.04, help="unlinks per workstation per plan hour")
    b = p.add_argument_group("engine behaviours (issue 16 D1-D6, docs/tws-simulator-behaviours.md)")
    b.add_argument("--real-engine", action="store_true", default=env("RESYNC_TWS_SIMULATOR_REAL_ENGINE") == "1",
                   help="every behaviour below on, with demo shares (RESYNC_TWS_SIMULATOR_REAL_ENGINE=1)")
    b.add_argument("--late-job-numbers", action="store_true", default=None,
                   help="D5: a run's jobNumber is given at launch, not at plan build")
    b.add_argument("--agents-without-online", type=_share, default=None, metavar="SHARE",
                   help="D6: this share of the agents never list ONLINE in activeStates (linked and running)")
    b.add_argument("--stream-dependencies", type=_share, default=None, metavar="SHARE",
                   help="D3: this share of the job streams follow an earlier job stream as a whole")
    b.add_argument("--predecessor-depth", type=int, default=None, metavar="N",
                   help="D3: levels answered by …/predecessors without a depth parameter (0: all; default 1)")
    b.add_argument("--extended-statuses", type=_share, default=None, metavar="SHARE",
                   help="D4: this share of the jobs show INTRO, SCHED, FAIL, ERROR, SUCCP, ABENP, PEND, CANCELLED")
    b.add_argument("--error-body", choices=ERROR_BODIES, default=None, help="D1: the body of error answers")
    b.add_argument("--refusal", choices=REFUSALS, default=None,
                   help="D2: how a refused action is answered (400, 409, or 200 with isError)")
    p.add_argument("--background", action="store_true", help="start detached (idempotent), then return")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    return p.parse_args(argv)


def _auth_header() -> str:
    user, password = simulator_credentials()
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _probe(host: str, port: int) -> str:
    """'free', 'ours' (a simulator that accepts our credentials), 'foreign', or 'closing' (the answer broke off:
    a server going away, e.g. ours after its shutdown request)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        return "free"
    request = urllib.request.Request(f"http://{host}:{port}/_sim/state", headers={"Authorization": _auth_header()})
    try:
        with urllib.request.urlopen(request, timeout=3) as answer:
            return "ours" if answer.status == 200 and b'"speed"' in answer.read() else "foreign"
    except http.client.HTTPException:
        return "closing"
    except (urllib.error.URLError, OSError, ValueError):
        return "foreign"


def _wait(host: str, port: int, want: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _probe(host, port) == want:
            return True
        time.sleep(0.2)
    return False


def background(args: argparse.Namespace, argv: list[str]) -> int:
    where = f"{args.host}:{args.port}"
    state = _probe(args.host, args.port)
    if state == "closing" and _wait(args.host, args.port, "free", 10):
        state = "free"
    if state in ("foreign", "closing"):
        print(f"TWS simulator: {where} is taken by another program; not starting the simulator "
              f"(set RESYNC_TWS_SIMULATOR_PORT or RESYNC_TWS_SIMULATOR=0)", file=sys.stderr)
        return 0
    if state == "ours":
        request = urllib.request.Request(f"http://{where}/_sim/shutdown", method="POST", data=b"{}",
                                         headers={"Authorization": _auth_header()})
        try:
            urllib.request.urlopen(request, timeout=3).close()
        except (urllib.error.URLError, OSError):
            pass
        if not _wait(args.host, args.port, "free", 10):
            print(f"TWS simulator: the previous simulator on {where} did not stop; reusing it", file=sys.stderr)
            return 0
    simulator_credentials()  # create the password file before the child and the app race for it
    log = (data_dir() / "tws-simulator.log").open("ab")
    child_argv = [a for a in argv if a != "--background"]
    subprocess.Popen([sys.executable, "-m", "resync_app.tws_simulator", *child_argv], stdout=log, stderr=log,
                     stdin=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    if not _wait(args.host, args.port, "ours", 30):
        print(f"TWS simulator: did not start on {where}; see {data_dir() / 'tws-simulator.log'}", file=sys.stderr)
        return 1
    print(f"TWS simulator: http://{where} (user twsadmin; password in {data_dir() / 'tws-simulator-password'} or "
          f"RESYNC_TWS_SIMULATOR_PASSWORD)")
    return 0


def serve(args: argparse.Namespace) -> int:
    from resync_app.tws_simulator.simulator import Simulator

    user, password = simulator_credentials()
    sim = Simulator(jobs=args.jobs, seed=args.seed, speed=args.speed, start=args.start, host=args.host,
                    port=args.port,
                    username=user, password=password, workstations=args.workstations, abend_rate=args.abend_rate,
                    stuck_rate=args.stuck_rate, late_rate=args.late_rate, flap_rate=args.flap_rate,
                    behaviours=behaviours_of(args))
    stop = sim.shutdown_requested
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, stop), daemon=True).start()
    sim.warm()
    sim.start()
    print(f"HWA simulator on {sim.base_url}: {sim.job_count()} jobs, speed {args.speed:g}, seed {args.seed}",
          flush=True)
    stop.wait()
    sim.stop()
    print("HWA simulator stopped", flush=True)
    return 0


def _watch_parent(pid: int, stop: threading.Event) -> None:
    while not stop.wait(2):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stop.set()
        except PermissionError:
            pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _args(argv)
    return background(args, argv) if args.background else serve(args)


if __name__ == "__main__":
    sys.exit(main())
