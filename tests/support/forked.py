"""Child processes forked from the test process: real processes (their own memory, database connections and
locks), without a Python start and the imports that follow (~1 s each on a busy 2-core machine).

`forked(target, *args, env=…, stdin=…)` runs `target(*args)` in a child whose stdin, stdout and stderr are its own
(files), with `env` as its environment if given; the child re-reads the settings and opens its own database
connections (the inherited pool is the parent's: never used or closed by the child). `.wait()` gives the exit
code and the output, like `subprocess.run`. The target's return value (an int) or `SystemExit` is the exit code;
an exception prints its traceback to stderr and exits with 70.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


def _fresh_process_state() -> None:
    """What a new process would have: settings from its environment, no inherited connection or service."""
    from resync_app import db, settings
    from resync_app.auth import lockout
    from resync_app.auth.basic_cache import cache
    from resync_app.config import store

    engine = db._engine  # the parent's pool: its connections belong to the parent
    if engine is not None:
        engine.dispose(close=False)
    db._engine = None
    settings.reload_settings()
    store.reset_store()
    lockout.reset_lockout_store()
    cache.clear()


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


class Forked:
    """One forked child; see the module's docstring."""

    def __init__(self, target: Callable[..., Any], *args: Any, env: dict[str, str] | None = None,
                 stdin: str = "") -> None:
        self._files = [tempfile.TemporaryFile() for _ in range(3)]
        self._files[0].write(stdin.encode())
        self._files[0].flush()
        self._files[0].seek(0)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            self._run_child(target, args, env)
        self.returncode: int | None = None

    def _run_child(self, target: Callable[..., Any], args: tuple, env: dict[str, str] | None) -> None:
        code = 70
        try:
            for fd, handle in enumerate(self._files):
                os.dup2(handle.fileno(), fd)
            sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if env is not None:
                os.environ.clear()
                os.environ.update(env)
            _fresh_process_state()
            result = target(*args)
            code = result if isinstance(result, int) else 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except BaseException:  # noqa: BLE001  (the child reports everything, then ends)
            traceback.print_exc()
            code = 70
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float = 120) -> Finished:
        """Wait for the child (killed after `timeout` s: a TimeoutError); its exit code and output."""
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"forked child {self.pid} still running after {timeout:g} s")
            time.sleep(0.005)  # waiting for a process, not a timing check
        out, err = (self._read(n) for n in (1, 2))
        for handle in self._files:
            handle.close()
        return Finished(self.returncode, out, err)

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.returncode = -signal.SIGKILL

    def _read(self, n: int) -> str:
        self._files[n].seek(0)
        return self._files[n].read().decode(errors="replace")


def forked(target: Callable[..., Any], *args: Any, env: dict[str, str] | None = None, stdin: str = "") -> Forked:
    return Forked(target, *args, env=env, stdin=stdin)
