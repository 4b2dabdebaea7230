"""A multi-worker Resync server started the way the README says (`scripts/serve.sh` with RESYNC_WORKERS), plus
throw-away PostgreSQL and Redis servers of our own for fault tests (own ports, temp dirs; never the machine's).

Used by the quick multi-worker test (`tests/cluster/`) and by `make chaos` (`bench/chaos.py`).
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("RESYNC_TEST_PG_BIN", "/usr/local/bin"))
REDIS_SERVER = os.environ.get("RESYNC_TEST_REDIS_SERVER", "/usr/bin/redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll `predicate()` until it returns a truthy value; fail loudly with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the thing we wait for may refuse connections meanwhile
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:.0f} s" + (f" (last error: {last_error!r})"
                                                                         if last_error else ""))


def _stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


# ---- our own PostgreSQL and Redis (fault tests restart these) ------------------------------------------


class TempPostgres:
    """A private PostgreSQL cluster in a temp dir on a free port (trust auth, user postgres)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="resync-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "postgres.log"
        run_as = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        self._as = run_as
        if run_as:
            shutil.chown(self.dir, "postgres")
        subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                        "--no-sync", "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c max_connections=200", "start"], check=True, stdout=subprocess.DEVNULL)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class TempRedis:
    """A private Redis server (no persistence) on a free port."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="resync-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        wait_for(lambda: redis.Redis(port=self.port, socket_connect_timeout=0.5).ping(), 10, "redis up")

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process, timeout=5)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- the app ------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """`scripts/serve.sh` with N workers on a free port, its own data dir and a known admin password."""

    database_url: str
    redis_url: str | None
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    backend_only: bool = True
    port: int = 0
    process: subprocess.Popen | None = None
    admin_password: str = "cluster-admin-password-1"
    data_dir: Path | None = None
    log_path: Path | None = None
    _token: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        from resync_app.config.catalogue import FIELDS

        env = dict(os.environ)
        for name in FIELDS:  # field-named variables would seed the configuration
            env.pop(name.upper(), None)
        for var in ("RESYNC_REDIS_URL", "RESYNC_SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR", "GRANIAN_WORKERS",
                    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OLLAMA_API_BASE"):
            env.pop(var, None)
        env.update({
            "RESYNC_HOST": "127.0.0.1", "RESYNC_PORT": str(self.port), "RESYNC_DATA_DIR": str(self.data_dir),
            "RESYNC_DATABASE_URL": self.database_url, "RESYNC_WORKERS": str(self.workers),
            "RESYNC_ADMIN_USERNAME": "admin", "RESYNC_ADMIN_PASSWORD": self.admin_password,
            "RESYNC_TWS_SIMULATOR": "0", "RESYNC_TIMEZONE": "UTC", "RESYNC_BACKEND_ONLY": "1" if self.backend_only
            else "0", "PYTHONUNBUFFERED": "1", "RESYNC_SECRET_KEY": "cluster-test-secret-key-0123456789abcdef",
        })
        if self.redis_url:
            env["RESYNC_REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180) -> Cluster:
        self.data_dir = Path(tempfile.mkdtemp(prefix="resync-cluster-"))
        self.port = self.port or free_port()
        self.log_path = self.data_dir / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=self.env(),
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            print(self.log_tail())
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.worker_pids()) < self.workers:
                return False
            return httpx.get(self.base_url + "/api/v1/health", timeout=2).status_code == 200

        wait_for(up, timeout, "server health with all workers")

    def worker_pids(self) -> list[int]:
        """The backend worker processes (granian's children that run the app)."""
        import psutil

        if self.process is None or self.process.poll() is not None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            procs = root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        # granian: supervisor (the reflex process) → workers; workers are the leaves running python
        pids = []
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                if proc.children() or "resource_tracker" in " ".join(proc.cmdline()):
                    continue
                pids.append(proc.pid)
        return sorted(pids)

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"

    # -- HTTP helpers: each call on a new connection, so the kernel spreads them over the workers --

    def basic(self, password: str | None = None, username: str = "admin") -> dict[str, str]:
        raw = f"{username}:{self.admin_password if password is None else password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    def token(self) -> str:
        if self._token is None:
            answer = self.request("POST", "/api/v1/auth/token",
                                  json={"username": "admin", "password": self.admin_password}, auth=None)
            assert answer.status_code == 200, answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, *, auth: str | None = "bearer", headers: dict | None = None,
                timeout: float = 30, source: str | None = None, **kwargs) -> httpx.Response:
        """One request on a fresh connection (optionally from another loopback address `source`)."""
        all_headers = {"Connection": "close", **(headers or {})}
        if auth == "bearer":
            all_headers["Authorization"] = f"Bearer {self.token()}"
        elif auth == "basic":
            all_headers.update(self.basic())
        transport = httpx.HTTPTransport(local_address=source) if source else None
        with httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport) as client:
            return client.request(method, path, headers=all_headers, **kwargs)

    def json(self, method: str, path: str, **kwargs) -> Any:
        answer = self.request(method, path, **kwargs)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()


@contextlib.contextmanager
def running_cluster(**kwargs) -> Iterator[Cluster]:
    cluster = Cluster(**kwargs)
    try:
        yield cluster.start()
    finally:
        cluster.destroy()
