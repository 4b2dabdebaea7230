"""Shared fixtures. The environment is set before any app module is imported."""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="resync-tests-"))
os.environ.update({
    "RESYNC_DATA_DIR": str(_TMP / "data"),
    "RESYNC_DATABASE_URL": f"sqlite:///{_TMP / 'data' / 'test.db'}",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "RESYNC_TIMEZONE": os.environ.get("RESYNC_TIMEZONE", "UTC"),
    "RESYNC_TWS_SIMULATOR": "0",  # no default instance aimed at 127.0.0.1:31116 (`make run`'s simulator)
    "RESYNC_PUBLIC_URL": "http://testserver",  # the origin of Starlette's TestClient (the browser tests' server
})                                             # gets its own: the origin of its host and port)
for _var in ("RESYNC_REDIS_URL", "RESYNC_ADMIN_PASSWORD", "RESYNC_SECRET_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
             "TOGETHERAI_API_KEY", "OPENROUTER_API_KEY", "NVIDIA_NIM_API_KEY", "OLLAMA_API_BASE"):
    os.environ.pop(_var, None)

import pytest  # noqa: E402

from resync_app.auth import passwords  # noqa: E402  (reads no settings)
from tests.support import dbutil  # noqa: E402
from tests.support.fast_bcrypt import use_test_cost  # noqa: E402

PRODUCTION_BCRYPT_ROUNDS, PRODUCTION_DUMMY_HASH = use_test_cost()  # minimum cost here (tests/support/fast_bcrypt.py)

from resync_app.web import csp  # noqa: E402  (imports no settings, no Reflex)

# The in-process app's Content-Security-Policy would read this checkout's frontend build, which the browser half of
# `make test` rebuilds while this half runs (scripts/test.sh): a page vanishing under the read was a 500. Here there is
# no build; the policy of a build is tested on one of its own (tests/unit/test_csp.py) and on the served pages.
csp._BUILD = csp.BuildPolicy(_TMP / "no-frontend-build", _TMP / "no-frontend-build" / "env.json")

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests and run them last: Playwright's sync API keeps an event loop running in the main
    thread while its session fixture lives, which asyncio-based tests cannot share."""
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
        # With pytest-xdist (`--dist loadgroup`, scripts/test.sh) a group runs in one worker: a module's tests
        # together (its module-scoped fixtures are set up once), and every test of the one Redis database
        # (RESYNC_TEST_REDIS_URL, emptied by these tests) in the same worker.
        redis = item.get_closest_marker("redis") or "/redis/" in str(item.fspath)
        item.add_marker(pytest.mark.xdist_group("redis" if redis else item.nodeid.split("::", 1)[0]))
    items.sort(key=lambda item: "/browser/" in str(item.fspath))


@pytest.fixture
def production_bcrypt(monkeypatch):
    """bcrypt at the production cost for one test (hashes made and the unknown-user check)."""
    monkeypatch.setattr(passwords, "BCRYPT_ROUNDS", PRODUCTION_BCRYPT_ROUNDS)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", PRODUCTION_DUMMY_HASH)


@pytest.fixture(scope="session")
def database_url() -> str:
    """A migrated SQLite database with one admin, shared by the session (tables are cleaned per test)."""
    url = os.environ["RESYNC_DATABASE_URL"]
    dbutil.use_database(url, migrate=True)
    dbutil.ensure_admin(ADMIN_USER, ADMIN_PASSWORD)
    return url


@pytest.fixture
def clean_db(database_url):
    """A database with only the admin account left, and fresh in-process services."""
    dbutil.use_database(database_url)
    dbutil.clean_tables()
    dbutil.reset_services()
    yield database_url
    dbutil.reset_services()


OPERATOR_USER = "oper"
OPERATOR_PASSWORD = "operator-password-1"


@pytest.fixture
def operator_user(clean_db):
    """An operator account (name, password); every account but the admin is removed afterwards."""
    from resync_app.auth.users import Actor, create_user

    create_user(OPERATOR_USER, OPERATOR_PASSWORD, "operator", Actor("tests"))
    yield OPERATOR_USER, OPERATOR_PASSWORD
    dbutil.drop_users_except(ADMIN_USER)


@pytest.fixture
def operator_headers(api, operator_user) -> dict[str, str]:
    """Bearer headers of a fresh operator token."""
    from resync_app.auth import service, sessions

    raw, _ = sessions.issue(service.find_user(OPERATOR_USER), "token")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def operator_login_required(monkeypatch):
    """RESYNC_OPERATOR_LOGIN=required for one test."""
    from resync_app import settings

    monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "required")
    settings.reload_settings()
    yield
    monkeypatch.delenv("RESYNC_OPERATOR_LOGIN")
    settings.reload_settings()


@pytest.fixture
def api(clean_db):
    """The real ASGI app (FastAPI) driven through httpx by Starlette's TestClient, services started."""
    from fastapi.testclient import TestClient

    from resync_app.api.app import create_api

    with TestClient(create_api(standalone=True), raise_server_exceptions=False) as client:
        yield client


def basic(username: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def admin_headers(api) -> dict[str, str]:
    """Bearer headers of a fresh admin token (minted by the session service; /auth/token has its own tests)."""
    from resync_app.auth import service, sessions

    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "token")
    return {"Authorization": f"Bearer {raw}"}
