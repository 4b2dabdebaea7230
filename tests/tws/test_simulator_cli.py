"""`python -m resync_app.tws_simulator --background` as `make run` uses it: starts detached, a second start
replaces our leftover instead of failing, a foreign program on the port is left alone, and the simulator exits
when its parent process is gone. Real processes on a free loopback port (never 31116)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from resync_app.tws_simulator.credentials import PASSWORD_FILE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.1)


@pytest.fixture
def env(tmp_path):
    values = dict(os.environ, RESYNC_DATA_DIR=str(tmp_path))
    values.pop("RESYNC_TWS_SIMULATOR_PASSWORD", None)
    return values


@pytest.fixture
def parent():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield proc
    proc.kill()
    proc.wait()


def _start(env: dict, port: int, parent_pid: int) -> subprocess.CompletedProcess:
    # a fixed plan day: started after 23:00 UTC, the plan would hold tomorrow's jobs too (400, not 200)
    return subprocess.run([sys.executable, "-m", "resync_app.tws_simulator", "--background", "--port", str(port),
                           "--jobs", "200", "--start", "2026-03-02T08:00:00Z", "--parent-pid", str(parent_pid)],
                          env=env, capture_output=True, text=True, timeout=60)


def _state(port: int, password: str) -> dict:
    answer = httpx.get(f"http://127.0.0.1:{port}/_sim/state", auth=("twsadmin", password), timeout=5)
    answer.raise_for_status()
    return answer.json()


def test_background_start_is_idempotent_and_ends_with_its_parent(env, parent, tmp_path):
    port = _free_port()
    first = _start(env, port, parent.pid)
    assert first.returncode == 0, first.stderr
    password_file = tmp_path / PASSWORD_FILE
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    password = password_file.read_text().strip()
    assert password not in first.stdout + first.stderr  # the password is never printed
    assert _state(port, password)["jobs"] == 200
    httpx.post(f"http://127.0.0.1:{port}/_sim/clock", json={"advance_s": 3600}, auth=("twsadmin", password))
    moved = _state(port, password)["now"]

    second = _start(env, port, parent.pid)  # a leftover of ours on the port: replaced, not an error
    assert second.returncode == 0, second.stderr
    assert _state(port, password)["now"] != moved  # a fresh simulator answers now

    parent.kill()
    parent.wait()
    _wait_until(lambda: not _listening(port), 15, "the simulator exiting after its parent")


def test_a_foreign_program_on_the_port_is_left_alone(env, parent):
    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        port = foreign.getsockname()[1]
        result = _start(env, port, parent.pid)
    assert result.returncode == 0
    assert "taken by another program" in result.stderr


def test_the_plan_clock_can_start_at_a_given_time():
    """`--start` pins the plan day (benchmarks and demos that must not depend on the hour they run)."""
    from datetime import datetime, timezone

    from resync_app.tws_simulator.__main__ import _args

    assert _args(["--start", "2026-03-02T00:00:00Z"]).start == datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert _args([]).start is None
    with pytest.raises(SystemExit):
        _args(["--start", "yesterday"])
