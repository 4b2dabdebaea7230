"""One poller for the deployment: two poller processes on one database elect one leader, a change gives one event,
and when the leader dies the other takes over without doubling anything — with the file lock (SQLite), the
PostgreSQL advisory lock and the Redis lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from resync_app.config.store import get_store
from resync_app.db import session_scope
from resync_app.tws import instances, service
from resync_app.tws.election import FileLock, PostgresAdvisoryLock, RedisLock
from resync_app.tws.models import TwsEvent, TwsSummary
from tests.support import dbutil
from tests.support.pg import fresh_database
from tests.tws.contender import wait_until

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("RESYNC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NAME = "sim"
# the contenders' timing, shorter than production's (poller.ELECTION_RETRY_S 3 s, LOCK_CHECK_S 5 s, election.REDIS_TTL_S
# 15 s) so a take-over takes a fraction of that; the Redis lock still outlives several missed renewals
TIMING = ["--election-retry=0.2", "--lock-check=1", "--redis-ttl=5"]


def _summary() -> TwsSummary | None:
    with session_scope() as db:
        return db.get(TwsSummary, NAME)


def _events(type_: str, job_id: str | None = None) -> list[TwsEvent]:
    with session_scope() as db:
        query = select(TwsEvent).where(TwsEvent.type == type_)
        if job_id:
            query = query.where(TwsEvent.job_id == job_id)
        return list(db.exec(query))


class Contenders:
    def __init__(self, backend: str, tmp: Path, sim, env: dict[str, str]) -> None:
        self.backend, self.sim = backend, sim
        self.lock_name = f"resync:test:{uuid.uuid4().hex[:8]}"
        self.state_dir = tmp / "states"
        self.state_dir.mkdir()
        self.env = {**os.environ, **env, "RESYNC_TWS_SIMULATOR": "0", "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []

    def spawn(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.tws.contender", "--backend", self.backend, "--lock-name", self.lock_name,
             "--state-dir", str(self.state_dir), "--sim-url", self.sim.base_url, "--sim-user", self.sim.username,
             f"--sim-password={self.sim.password}", *TIMING], cwd=ROOT, env=self.env)
        self.procs.append(proc)
        return proc

    def states(self) -> dict[int, str]:
        out = {}
        for path in self.state_dir.iterdir():
            out[int(path.name)] = path.read_text().strip()
        return out

    def one_leader(self) -> int | None:
        """The leader's pid once exactly one process leads and every other live one has failed to take the lock
        at least twice."""
        live = {p.pid for p in self.procs if p.poll() is None}
        states = {pid: s for pid, s in self.states().items() if pid in live}
        leaders = [pid for pid, s in states.items() if s == "leader"]
        followers = [pid for pid, s in states.items() if s.startswith("follower") and int(s.split()[1]) >= 2]
        if len(states) == len(live) and len(leaders) == 1 and len(followers) == len(live) - 1:
            return leaders[0]
        return None

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _scenario(backend: str, tmp_path: Path, sim, env: dict[str, str]) -> None:
    instances.create_instance({"name": NAME, "base_url": sim.base_url, "username": sim.username,
                               "password": sim.password}, "tests")
    assert get_store().update({"tws_polling_interval_seconds": 300}, actor="tests").success
    group = Contenders(backend, tmp_path, sim, env)
    try:
        first, second = group.spawn(), group.spawn()
        leader = wait_until(group.one_leader, 60, "one leader and one follower")
        wait_until(lambda: (_summary() and _summary().baseline_at), 60, "the baseline poll")
        assert _summary().leader.endswith(f":{leader}")
        job = sim.find_jobs(root=True)[0]
        sim.script_job(job["id"], "abend")
        sim.run_until(lambda s: s.job_info(job["id"])["status"] == "ABEND")
        seq = _summary().poll_seq
        service.poll_now(NAME, "tests")
        wait_until(lambda: _events("job_abended", job["id"]), 30, "the abend event")
        wait_until(lambda: _summary().poll_seq > seq, 30, "the poll-now poll")
        assert len(_events("job_abended", job["id"])) == 1
        # the leader dies (no clean shutdown): the follower takes over and polls; nothing is doubled
        dead = first if first.pid == leader else second
        dead.send_signal(signal.SIGKILL)
        dead.wait(10)
        survivor = (second if dead is first else first).pid
        wait_until(lambda: group.states().get(survivor) == "leader", 60, "the survivor to lead")
        seq = _summary().poll_seq
        service.poll_now(NAME, "tests")
        wait_until(lambda: _summary().poll_seq > seq and _summary().leader.endswith(f":{survivor}"), 60,
                   "a poll by the new leader")
        assert len(_events("job_abended", job["id"])) == 1
        assert len(_events("job_started", job["id"])) <= 1
        # a third process joins as a follower of the survivor
        group.spawn()
        assert wait_until(group.one_leader, 60, "the survivor to stay the only leader") == survivor
    finally:
        group.close()


def test_two_pollers_on_sqlite_file_lock(clean_db, simulator, tmp_path):
    _scenario("file", tmp_path, simulator, {})


@pytest.mark.postgres
def test_two_pollers_on_postgresql_advisory_lock(simulator, tmp_path, database_url):
    with fresh_database() as url:
        dbutil.use_database(url, migrate=True)
        dbutil.reset_services()
        try:
            _scenario("postgres", tmp_path, simulator, {"RESYNC_DATABASE_URL": url})
        finally:
            dbutil.use_database(database_url)
            dbutil.reset_services()


@pytest.mark.redis
def test_two_pollers_with_redis_lock(clean_db, simulator, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    _scenario("redis", tmp_path, simulator, {"RESYNC_REDIS_URL": REDIS_URL})


# ---- the locks themselves --------------------------------------------------------------------------------------


def test_file_lock_is_exclusive_and_released(tmp_path):
    a, b = FileLock(tmp_path / "x.lock"), FileLock(tmp_path / "x.lock")
    assert a.try_acquire() and a.check()
    assert not b.try_acquire()
    a.release()
    assert b.try_acquire() and not a.check()
    b.release()


@pytest.mark.postgres
def test_postgres_lock_is_exclusive_and_dies_with_its_connection():
    with fresh_database() as url:
        a, b = PostgresAdvisoryLock(url, "t"), PostgresAdvisoryLock(url, "t")
        assert a.try_acquire() and a.check()
        assert not b.try_acquire()
        a._conn.close()  # the connection drops (network, crash): the lock is gone with it
        assert not a.check()
        # the server ends the closed session's backend (and frees its locks) a moment later, not at once
        wait_until(b.try_acquire, 10, "the lock of the closed connection to be freed")
        assert b.check()
        b.release()


@pytest.mark.redis
def test_redis_lock_expires_unless_renewed():
    name = f"resync:test:{uuid.uuid4().hex[:8]}"
    a, b = RedisLock(REDIS_URL, name, ttl_s=30), RedisLock(REDIS_URL, name, ttl_s=30)
    assert a.try_acquire() and a.check()
    assert not b.try_acquire()
    a._client.delete(name)  # what an expiry does to a worker that stopped renewing
    assert b.try_acquire()
    assert not a.check()  # the old holder notices and stands down
    b.release()
    assert a.try_acquire()
    a.release()


# ---- which lock a deployment gets (make_lock without a backend) -------------------------------------------------

SQLITE, POSTGRES, OTHER_DB = "sqlite:///{data}/resync.db", "postgresql+psycopg://u@db.example:5432/resync", \
    "mysql+pymysql://u@db.example/resync"
SOME_REDIS = "redis://127.0.0.1:6399/3"


@pytest.fixture
def deployment(monkeypatch, tmp_path):
    """Set RESYNC_DATABASE_URL / RESYNC_REDIS_URL / RESYNC_DATA_DIR for one test (the settings are re-read)."""
    from resync_app import settings

    def use(database_url: str, redis_url: str | None) -> Path:
        monkeypatch.setenv("RESYNC_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("RESYNC_DATABASE_URL", database_url.format(data=tmp_path))
        if redis_url:
            monkeypatch.setenv("RESYNC_REDIS_URL", redis_url)
        else:
            monkeypatch.delenv("RESYNC_REDIS_URL", raising=False)
        settings.reload_settings()
        return tmp_path

    yield use
    monkeypatch.undo()
    settings.reload_settings()


@pytest.mark.parametrize("database_url, redis_url", [(SQLITE, None), (SQLITE, SOME_REDIS), (OTHER_DB, None)])
def test_sqlite_or_no_shared_store_gets_the_file_lock(deployment, database_url, redis_url):
    """SQLite is one machine whatever else is configured; without PostgreSQL or Redis only the file lock is left."""
    from resync_app.tws.election import make_lock

    data_dir = deployment(database_url, redis_url)
    lock = make_lock(name="resync:test:auto")
    assert isinstance(lock, FileLock) and lock.kind == "file"
    assert lock.path == data_dir / "resync-test-auto.lock"


@pytest.mark.parametrize("redis_url", [None, SOME_REDIS])
def test_postgresql_gets_the_advisory_lock_even_with_redis(deployment, redis_url):
    from resync_app.tws.election import _advisory_key, make_lock

    deployment(POSTGRES, redis_url)
    lock = make_lock(name="resync:test:auto")
    assert isinstance(lock, PostgresAdvisoryLock) and lock.kind == "postgres"
    assert lock.key == _advisory_key("resync:test:auto") and "db.example:5432/resync" in lock._dsn


def test_another_database_with_redis_gets_the_redis_lock(deployment):
    from resync_app.tws.election import REDIS_TTL_S, make_lock

    deployment(OTHER_DB, SOME_REDIS)
    lock = make_lock(name="resync:test:auto")
    assert isinstance(lock, RedisLock) and lock.kind == "redis"
    assert lock._lock.name == "resync:test:auto" and lock._lock.timeout == REDIS_TTL_S
    assert lock._client.connection_pool.connection_kwargs["port"] == 6399


def test_a_forced_redis_lock_needs_a_redis_url(deployment):
    from resync_app.tws.election import make_lock

    deployment(SQLITE, None)
    with pytest.raises(ValueError, match="RESYNC_REDIS_URL"):
        make_lock("redis")
    assert make_lock("postgres", "x").kind == "postgres"  # forced: the backend given wins over the database's
