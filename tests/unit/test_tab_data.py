"""No data stays in a tab's stored state for a client without the session it needs (issue 15 item 4 and the test
gaps of issue 15): the admin states and the operator states are enumerated by ROUTE (every state a page under
/admin uses; every state an operator page uses: `tests/support/page_states.py`), not by how the app marks them, so
a new admin state whose handlers are all unwrapped is not invisible here. Every var of every one of those states
(backend vars included) is given a value, then the app's middleware sees the tab reconnect (hydrate) or send an
event: what the client may not keep must be back to its defaults — admin states without an admin session, and,
under RESYNC_OPERATOR_LOGIN=required, operator states (monitoring chips, the chat transcript…) without any session
— and the rest untouched. Real Reflex states, real sessions in the database; no server needed."""

from __future__ import annotations

import dataclasses
import typing
import uuid

import plotly.graph_objects as go
import pytest
import reflex as rx
from reflex_base.event import Event

from resync_app.auth import service, sessions
from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.components.layout import ADMIN_NAV, OPERATOR_NAV
from resync_app.state import roles
from resync_app.state.admin_data import AdminDataMiddleware
from resync_app.state.monitoring import MonitoringState
from resync_app.state.session import LoginState
from tests.conftest import ADMIN_USER, OPERATOR_USER
from tests.support.page_states import admin_routes, operator_routes, states_by_route, states_of

HYDRATE = f"{rx.State.get_full_name()}.hydrate"


def _admin_states() -> set[type[rx.State]]:
    return states_of(admin_routes())


def _operator_states() -> set[type[rx.State]]:
    return states_of(operator_routes())


# ---- the enumeration by route ----------------------------------------------------------------------------------


def test_every_page_is_enumerated_with_its_states():
    table = states_by_route()
    assert set(admin_routes()) >= {href for _title, links in ADMIN_NAV for _label, href, _icon in links} | {"/admin"}
    assert set(operator_routes()) == {href for _label, href, _icon in OPERATOR_NAV}
    names = {route: {s.__name__ for s in states} for route, states in table.items()}
    # the LiteLLM page's cards are substates read by the page itself; the frames' own states are found too
    assert {"LiteLLMConfigState", "ProvidersState", "ModelsState", "RoutingState", "BudgetsState",
            "SessionState"} <= names["/admin/litellm"]
    assert {"MonitoringState", "OperatorFrameState"} <= names["/monitoring"]
    assert names["/login"] == {"LoginState"}
    assert len(_admin_states()) >= 14 and len(_operator_states()) >= 5


def test_every_state_an_admin_page_uses_is_treated_as_admin_data():
    missing = _admin_states() - set(roles.admin_states())
    assert not missing, f"states of /admin pages the app does not clear for non-admins: {missing}"


def test_every_state_an_operator_page_uses_is_treated_as_operator_data():
    missing = _operator_states() - set(roles.operator_states())
    assert not missing, f"states of operator pages the app does not clear under required sign-in: {missing}"
    assert not _operator_states() & _admin_states()
    assert LoginState not in set(roles.admin_states()) | set(roles.operator_states())  # /login works for anyone


# ---- every var is cleared --------------------------------------------------------------------------------------


def _item(annotation: typing.Any) -> typing.Any:
    """A value of one element of a list or dict var."""
    args = typing.get_args(annotation)
    element = args[-1] if args else str
    base = typing.get_origin(element) or element
    if dataclasses.is_dataclass(base):
        hints = typing.get_type_hints(base)
        return base(**{f.name: _item(list[hints[f.name]]) for f in dataclasses.fields(base)
                       if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING})
    return {str: "filled", int: 7, float: 1.5, bool: True, dict: {"k": "v"}, list: ["x"]}.get(base, "filled")


def _other(value: typing.Any, annotation: typing.Any) -> typing.Any:
    """A value of the var's type that differs from `value` (its default)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return str(value) + "-filled"
    if isinstance(value, go.Figure):
        return go.Figure(layout={"title": {"text": "filled"}})
    if dataclasses.is_dataclass(value):
        first = dataclasses.fields(value)[0]
        return dataclasses.replace(value, **{first.name: _other(getattr(value, first.name), first.type)})
    if isinstance(value, list):
        return [*value, _item(annotation)]
    if isinstance(value, dict):
        return {**value, "filled": _item(annotation)}
    if value is None:
        return "filled"
    raise AssertionError(f"no sample value for {type(value).__name__}: teach _other() this type")


def _own_fields(cls: type[rx.State]) -> dict[str, typing.Any]:
    skip = {"router_data", "is_hydrated"}
    return {name: f for name, f in cls.__fields__.items()
            if f._owner is cls and name not in skip and not name.startswith("rx_router")}


def _tab(cookie: str | None, path: str) -> rx.State:
    """A tab's whole state tree, as Reflex holds it, for a websocket opened with `cookie`."""
    root = rx.State(_reflex_internal_init=True)
    headers = {"asgi-scope-client": "127.0.0.1", **({"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {})}
    router_data = {"pathname": path, "asPath": path, "query": {}, "headers": headers, "ip": "127.0.0.1",
                   "token": str(uuid.uuid4()), "sid": "sid-" + uuid.uuid4().hex}
    root.router_data = root._update_router_vars(router_data, {})
    return root


async def _fill(root: rx.State, classes: set[type[rx.State]]) -> dict[tuple[str, str], typing.Any]:
    """Give every own var of these states a non-default value; returns what was set."""
    filled = {}
    for cls in sorted(classes, key=lambda c: c.get_full_name()):
        sub = await root.get_state(cls)
        for name, field in _own_fields(cls).items():
            value = _other(field.default_value(), field.outer_type_)
            setattr(sub, name, value)
            assert getattr(sub, name) != field.default_value(), (cls.__name__, name)
            filled[(cls.__name__, name)] = value
    return filled


async def _still_set(root: rx.State, classes: set[type[rx.State]]) -> set[tuple[str, str]]:
    """The (state, var) of these states that do not hold their default."""
    out = set()
    for cls in classes:
        sub = await root.get_state(cls)
        out |= {(cls.__name__, name) for name, field in _own_fields(cls).items()
                if getattr(sub, name) != field.default_value()}
    return out


def _cookie(who: str) -> str | None:
    if who == "anonymous":
        return None
    if who == "forged":
        return "forged-" + uuid.uuid4().hex
    raw, _ = sessions.issue(service.find_user(OPERATOR_USER if who.startswith("operator") else ADMIN_USER), "session")
    if who.endswith("signed-out"):
        sessions.revoke(raw)
    return raw


@pytest.fixture(scope="module")
def accounts(database_url):
    """The admin and one operator, made once for the module (sessions are issued per test)."""
    from resync_app.auth.users import Actor, create_user
    from tests.support import dbutil

    dbutil.use_database(database_url)
    if service.find_user(OPERATOR_USER) is None:
        create_user(OPERATOR_USER, "operator-password-1", "operator", Actor("tests"))
    yield
    dbutil.drop_users_except(ADMIN_USER)


CASES = [  # (sign-in required?, who, admin states cleared?, operator states cleared?)
    (False, "anonymous", True, False),
    (False, "operator", True, False),
    (False, "admin", False, False),
    (True, "anonymous", True, True),
    (True, "forged", True, True),
    (True, "operator signed-out", True, True),
    (True, "admin signed-out", True, True),
    (True, "operator", True, False),
    (True, "admin", False, False),
]


@pytest.mark.parametrize("required, who, admin_cleared, operator_cleared", CASES,
                         ids=[f"{'required' if c[0] else 'optional'}-{c[1].replace(' ', '-')}" for c in CASES])
async def test_a_reconnecting_tab_keeps_only_what_its_session_allows(accounts, monkeypatch, required, who,
                                                                     admin_cleared, operator_cleared):
    from resync_app import settings

    if required:
        monkeypatch.setenv("RESYNC_OPERATOR_LOGIN", "required")
    settings.reload_settings()
    try:
        admin, operator = _admin_states(), _operator_states()
        root = _tab(_cookie(who), "/monitoring")
        filled = await _fill(root, admin | operator)
        assert await _still_set(root, admin | operator) == set(filled)  # every var holds something

        update = await AdminDataMiddleware().preprocess(None, root, Event(name=HYDRATE, payload={}))

        assert update is None  # the hydrate goes on, with what is left
        left_admin, left_operator = await _still_set(root, admin), await _still_set(root, operator)
        every_admin = {key for key in filled if key[0] in {c.__name__ for c in admin}}
        every_operator = {key for key in filled if key[0] in {c.__name__ for c in operator}}
        assert left_admin == (set() if admin_cleared else every_admin)
        assert left_operator == (set() if operator_cleared else every_operator)
    finally:
        monkeypatch.delenv("RESYNC_OPERATOR_LOGIN", raising=False)
        settings.reload_settings()


async def test_a_refused_operator_event_leaves_nothing_behind(accounts, operator_login_required):
    """Under required sign-in, an anonymous client's event on an operator page (which its guard refuses) first
    clears the tab's operator and admin states, as a hydrate does."""
    admin, operator = _admin_states(), _operator_states()
    root = _tab(None, "/monitoring")
    await _fill(root, admin | operator)
    name = f"{MonitoringState.get_full_name()}.set_filter"
    assert await AdminDataMiddleware().preprocess(None, root, Event(name=name, payload={"key": "ABEND"})
                                                  ) is None
    assert await _still_set(root, admin | operator) == set()


async def test_a_signed_in_operators_events_clear_nothing(accounts, operator_login_required):
    operator = _operator_states()
    root = _tab(_cookie("operator"), "/monitoring")
    filled = await _fill(root, operator)
    name = f"{MonitoringState.get_full_name()}.set_filter"
    await AdminDataMiddleware().preprocess(None, root, Event(name=name, payload={"key": "ABEND"}))
    assert await _still_set(root, operator) == set(filled)
