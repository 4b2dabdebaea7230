"""An ended session ends its live pushes (issue 15 item 3), over a real Socket.IO server and real sessions in the
database: with RESYNC_OPERATOR_LOGIN=required, a socket whose session was signed out, expired, disabled or reset
gets no further push (it is sent to /login once) while a signed-in one keeps getting them; the room is checked
with ONE query per push whatever its size; without the requirement nothing is checked (no query)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from resync_app.auth import service, sessions, users
from resync_app.auth.models import AuthSession
from resync_app.db import get_engine, session_scope, utcnow
from resync_app.events import feed
from resync_app.live.fanout import Channel, FanOut, SocketIORooms
from resync_app.state.guard import live_viewers
from tests.conftest import OPERATOR_USER
from tests.operator.test_fanout import STATE, WAKE, Source, _clients, _sid, _until, server  # noqa: F401

OTHER = "oper-two"


def _session(username: str) -> str:
    raw, _ = sessions.issue(service.find_user(username), "session")
    return raw


def _end(way: str, raw: str) -> None:
    """End the session `raw` of OTHER the way a user or an admin would."""
    admin = users.Actor("admin", "127.0.0.1")
    if way == "sign-out":
        service.sign_out(raw, "127.0.0.1")
    elif way == "expiry":  # idle for longer than the idle timeout (no sleeping: its last activity moves back)
        with session_scope() as db:
            db.exec(update(AuthSession).where(AuthSession.token_hash == hashlib.sha256(raw.encode()).hexdigest())
                    .values(last_seen_at=utcnow() - sessions.SESSION_IDLE - timedelta(minutes=1)))
    elif way == "disable":
        users.set_disabled(OTHER, True, admin)
    elif way == "reset":
        users.reset_password(OTHER, "a-brand-new-password-7", admin)
    else:
        raise AssertionError(way)


def _deltas(received: list) -> list:
    return [m for m in received if "delta" in m]


@pytest.fixture
def two_operators(operator_user):
    users.create_user(OTHER, "operator-password-2", "operator", users.Actor("tests"))
    return _session(OPERATOR_USER), _session(OTHER)


@pytest.mark.parametrize("way", ["sign-out", "expiry", "disable", "reset"])
async def test_an_ended_session_gets_no_further_push(server, two_operators, operator_login_required, way):  # noqa: F811
    url, namespace = server
    source = Source()
    fan = FanOut(Channel("t", STATE, source.build, interval=lambda: 60.0, wake=WAKE, admit=live_viewers,
                         leave_to="/login?next=/realtime-dashboard"), SocketIORooms(namespace))
    kept, ending = two_operators
    (a, got_a), (b, got_b) = await _clients(url, 2)
    try:
        await fan.join(_sid(a), "prod", kept)
        await fan.join(_sid(b), "prod", ending)
        source.values = {**source.values, "kpi": 2}
        feed.publish(WAKE, remote=False)
        await _until(lambda: _deltas(got_a) and _deltas(got_b), what="the first push to both")

        _end(way, ending)
        for kpi in (3, 4, 5):  # three more pushes: each reaches the live tab, none the ended one
            source.values = {**source.values, "kpi": kpi}
            feed.publish(WAKE, remote=False)
            await _until(lambda k=kpi: len(_deltas(got_a)) == k - 1, what=f"push {kpi} to the live tab")
        assert len(_deltas(got_b)) == 1, got_b  # only the push from before the session ended
        redirects = [e["payload"]["path"] for m in got_b for e in m.get("events", []) if e["name"] == "_redirect"]
        assert redirects == ["/login?next=/realtime-dashboard"]  # sent to sign in again, once
        assert fan.producers["prod"].dropped == 1
    finally:
        for client in (a, b):
            await client.disconnect()


async def test_the_room_is_checked_with_one_query_per_push(server, two_operators, operator_login_required):  # noqa: F811
    url, namespace = server
    source = Source()
    fan = FanOut(Channel("t", STATE, source.build, interval=lambda: 60.0, wake=WAKE, admit=live_viewers),
                 SocketIORooms(namespace))
    clients = await _clients(url, 12)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001 - SQLAlchemy event signature
        statements.append(statement)

    try:
        for client, _ in clients:
            await fan.join(_sid(client), "prod", _session(OPERATOR_USER))
        event.listen(get_engine(), "before_cursor_execute", count)
        source.values = {**source.values, "kpi": 7}
        feed.publish(WAKE, remote=False)
        await _until(lambda: all(_deltas(received) for _, received in clients), what="the push to every tab")
        selects = [s for s in statements if "auth_sessions" in s]
        assert len(selects) == 1, statements  # one query for the 12 sockets
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
        for client, _ in clients:
            await client.disconnect()


async def test_without_required_sign_in_nothing_is_checked(server, two_operators):  # noqa: F811
    """Operator pages open to anyone: anonymous sockets stay, and no query is made."""
    url, namespace = server
    source = Source()
    fan = FanOut(Channel("t", STATE, source.build, interval=lambda: 60.0, wake=WAKE, admit=live_viewers),
                 SocketIORooms(namespace))
    (a, got_a), (b, got_b) = await _clients(url, 2)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    try:
        await fan.join(_sid(a), "prod", None)  # anonymous
        await fan.join(_sid(b), "prod", two_operators[1])
        _end("sign-out", two_operators[1])  # a signed-out tab is an anonymous reader now: it may stay
        event.listen(get_engine(), "before_cursor_execute", count)
        source.values = {**source.values, "kpi": 9}
        feed.publish(WAKE, remote=False)
        await _until(lambda: _deltas(got_a) and _deltas(got_b), what="the push to both")
        assert not [s for s in statements if "auth_sessions" in s]
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
        for client in (a, b):
            await client.disconnect()
