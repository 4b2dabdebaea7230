"""The server-side checks behind the operator side, called as Reflex calls them (a state with the websocket's
router data): the operator pages' sign-in gate under RESYNC_OPERATOR_LOGIN, `operator_event` and
`operator_read_event`, and `admin_event` refusing an operator's session."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from resync_app import settings
from resync_app.auth import service, sessions
from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.state import guard
from resync_app.state.operator_frame import OperatorFrameState, corner_label
from tests.conftest import ADMIN_USER, OPERATOR_USER


def _state(path: str, cookie: str | None = None):
    headers = SimpleNamespace(cookie=f"{SESSION_COOKIE}={cookie}" if cookie else "", origin="", raw_headers={})
    router = SimpleNamespace(headers=headers, url=SimpleNamespace(path=path),
                             session=SimpleNamespace(client_ip="127.0.0.1"))
    return SimpleNamespace(router=router)


def _redirect_path(spec) -> str | None:
    if spec is None:
        return None
    return dict((str(k), v._var_value) for k, v in spec.args)["path"]


def _cookie(username: str) -> str:
    raw, _ = sessions.issue(service.find_user(username), "session")
    return raw


GATE = OperatorFrameState.require_sign_in.fn


def test_operator_pages_are_open_by_default(operator_user):
    assert GATE(_state("/monitoring")) is None


def test_required_login_sends_anonymous_clients_to_login(operator_user, operator_login_required):
    assert _redirect_path(GATE(_state("/monitoring/"))) == "/login?next=/monitoring"
    assert _redirect_path(GATE(_state("/"))) == "/login?next=/"
    assert _redirect_path(GATE(_state("/monitoring", cookie="forged"))) == "/login?next=/monitoring"
    assert GATE(_state("/monitoring", cookie=_cookie(OPERATOR_USER))) is None
    assert GATE(_state("/monitoring", cookie=_cookie(ADMIN_USER))) is None


def test_bad_values_of_the_setting_are_refused(monkeypatch):
    monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "maybe")
    with pytest.raises(SystemExit, match="RESYNC_OPERATOR_LOGIN"):
        settings.reload_settings()
    monkeypatch.delenv("RESYNC_OPERATOR_LOGIN")
    settings.reload_settings()


def test_guards_by_role(operator_user, operator_login_required):
    ran = []

    @guard.operator_event
    def act(self):
        ran.append(("act", guard.acting_user().username))

    @guard.operator_read_event
    def read(self):
        ran.append(("read", None))

    @guard.admin_event
    def configure(self):
        ran.append(("configure", guard.acting_admin().username))

    operator, anonymous = _state("/", _cookie(OPERATOR_USER)), _state("/monitoring")
    assert act(operator) is None and read(operator) is None
    assert _redirect_path(configure(_state("/admin/users", _cookie(OPERATOR_USER)))) == "/"  # to the operator side
    assert _redirect_path(act(anonymous)) == "/login?next=/monitoring"
    assert _redirect_path(read(anonymous)) == "/login?next=/monitoring"
    assert _redirect_path(configure(_state("/admin/users"))) == "/login?next=/admin/users"
    assert configure(_state("/admin/users", _cookie(ADMIN_USER))) is None
    assert ran == [("act", OPERATOR_USER), ("read", None), ("configure", ADMIN_USER)]


def test_the_corner_names_the_role(operator_user):
    assert corner_label(None) == ""
    principal = sessions.resolve(_cookie(OPERATOR_USER), "session")
    assert corner_label(principal) == f"Signed in as {OPERATOR_USER} (operator)"


def test_required_login_keeps_anonymous_clients_from_voting(operator_user, operator_login_required):
    """A thumbs up/down writes the database: under RESYNC_OPERATOR_LOGIN=required, an anonymous client (whose
    conversation id is whatever its localStorage says) changes nothing."""
    from resync_app.assistant import turns
    from resync_app.state.chat import ChatState

    turn = turns.store("conv-1", "status of X?", "X is SUCC.", fast_path=True)
    anonymous = _state("/")
    anonymous.conversation_id, anonymous._update = "conv-1", lambda *args, **changes: None
    assert _redirect_path(ChatState.vote.fn(anonymous, turn, 1)) == "/login?next=/"
    assert turns.history("conv-1")[0]["feedback"] is None
    operator = _state("/", _cookie(OPERATOR_USER))
    operator.conversation_id, operator._update = "conv-1", lambda *args, **changes: None
    ChatState.vote.fn(operator, turn, 1)
    assert turns.history("conv-1")[0]["feedback"] == 1


def test_a_live_refresh_loop_checks_the_session_without_extending_it(operator_user):
    """`admin_watch` (the pages' refresh loops) admits a live admin session without counting as activity;
    `admin_event` (a user action) extends it (issue 10, item 5: idle means no user action)."""
    from datetime import timedelta

    from sqlmodel import select

    from resync_app.auth.models import AuthSession
    from resync_app.db import session_scope, utcnow

    cookie = _cookie(ADMIN_USER)
    idle_since = utcnow() - timedelta(minutes=29)

    def set_idle() -> None:
        with session_scope() as db:
            row = db.exec(select(AuthSession).where(AuthSession.token_hash == sessions.hash_token(cookie))).one()
            row.last_seen_at = idle_since
            db.add(row)

    def last_seen():
        with session_scope() as db:
            return db.exec(select(AuthSession.last_seen_at)
                           .where(AuthSession.token_hash == sessions.hash_token(cookie))).one()

    ran = []
    watch = guard.admin_watch(lambda self: ran.append("watch"))
    action = guard.admin_event(lambda self: ran.append("action"))
    set_idle()
    watch(_state("/admin/system", cookie))
    assert ran == ["watch"] and last_seen() == idle_since
    action(_state("/admin/system", cookie))
    assert ran == ["watch", "action"] and last_seen() > idle_since + timedelta(minutes=28)
