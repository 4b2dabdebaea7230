"""The users service (`auth/users.py`) and the user commands of the CLI (its `main`, which `python -m resync_app`
runs, in a process forked from the test's: tests/support/forked.py)."""

from __future__ import annotations

import os

import pytest

from resync_app.auth import service, sessions, users
from resync_app.auth.users import Actor, UserError
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER, OPERATOR_PASSWORD, OPERATOR_USER
from tests.support.forked import Finished, forked

CLI = Actor("cli")


@pytest.fixture
def users_cleaned(clean_db):
    yield
    from tests.support.dbutil import drop_users_except

    drop_users_except(ADMIN_USER)


def test_operators_sign_in_with_their_role(operator_user):
    result = service.check_credentials(OPERATOR_USER, OPERATOR_PASSWORD)
    assert result.principal is not None and result.principal.role == "operator"
    assert not result.principal.is_admin
    admin = service.check_credentials(ADMIN_USER, ADMIN_PASSWORD).principal
    assert admin is not None and admin.role == "admin" and admin.is_admin


def test_disabling_ends_sessions_and_refuses_sign_in(operator_user):
    raw, _ = sessions.issue(service.find_user(OPERATOR_USER), "session")
    assert sessions.resolve(raw, "session") is not None
    users.set_disabled(OPERATOR_USER, True, CLI)
    assert sessions.resolve(raw, "session") is None
    assert service.check_credentials(OPERATOR_USER, OPERATOR_PASSWORD).principal is None
    # a session issued behind the service's back still dies with the account
    late, _ = sessions.issue(service.find_user(OPERATOR_USER), "token")
    assert sessions.resolve(late, "token") is None
    users.set_disabled(OPERATOR_USER, False, CLI)
    assert service.check_credentials(OPERATOR_USER, OPERATOR_PASSWORD).principal is not None


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(users_cleaned):
    for change in (lambda: users.set_disabled(ADMIN_USER, True, CLI),
                   lambda: users.set_role(ADMIN_USER, "operator", CLI)):
        with pytest.raises(UserError, match="last enabled admin") as refused:
            change()
        assert refused.value.status == 409
    users.create_user("backup", "backup-admin-pw", "admin", CLI)
    users.set_disabled("backup", True, CLI)  # a disabled admin does not count
    with pytest.raises(UserError, match="last enabled admin"):
        users.set_role(ADMIN_USER, "operator", CLI)
    users.set_disabled("backup", False, CLI)
    assert users.set_role(ADMIN_USER, "operator", CLI)["role"] == "operator"
    with pytest.raises(UserError, match="last enabled admin"):
        users.set_disabled("backup", True, CLI)


def test_nobody_disables_or_demotes_themselves(users_cleaned):
    users.create_user("backup", "backup-admin-pw", "admin", CLI)
    me = Actor(ADMIN_USER)
    for change in (lambda: users.set_disabled(ADMIN_USER, True, me), lambda: users.set_role(ADMIN_USER, "operator", me),
                   lambda: users.update_user(ADMIN_USER, {"disabled": True}, me)):
        with pytest.raises(UserError, match="your own account"):
            change()
    assert users.get_user(ADMIN_USER)["role"] == "admin" and not users.get_user(ADMIN_USER)["disabled"]


def test_a_refused_update_changes_nothing(users_cleaned):
    users.create_user("target", "target-password", "admin", CLI)
    before = users.get_user("target")
    with pytest.raises(UserError):  # the password is fine, the demotion is not (yourself): nothing happens
        users.update_user("target", {"password": "another-password", "role": "operator"}, Actor("target"))
    with pytest.raises(UserError):  # the role is fine, the password is not
        users.update_user("target", {"password": "short", "role": "operator"}, Actor(ADMIN_USER))
    assert users.get_user("target") == before
    assert service.check_credentials("target", "target-password").principal is not None


@pytest.mark.parametrize("name,password,role,match", [
    ("", "long-enough-pw", "operator", "username"), ("x" * 151, "long-enough-pw", "operator", "username"),
    ("bad name", "long-enough-pw", "operator", "username"), ("ok", "short", "operator", "at least"),
    ("ok", "long-enough-pw", "superuser", "role"),
])
def test_bad_new_users(users_cleaned, name, password, role, match):
    with pytest.raises(UserError, match=match):
        users.create_user(name, password, role, CLI)
    assert [u["username"] for u in users.list_users()] == [ADMIN_USER]


def test_changes_are_audited_without_passwords(users_cleaned):
    from resync_app.audit.service import recent

    users.create_user("audited", "first-password-1", "operator", Actor(ADMIN_USER, "10.0.0.9"))
    users.reset_password("audited", "second-password-2", Actor(ADMIN_USER))
    users.set_role("audited", "admin", Actor(ADMIN_USER))
    users.set_disabled("audited", True, Actor(ADMIN_USER))
    users.set_disabled("audited", True, Actor(ADMIN_USER))  # no change, no entry
    entries = [e for e in recent(20) if e["target"] == "audited"]
    assert [e["action"] for e in reversed(entries)] == ["user.create", "user.reset_password", "user.role",
                                                        "user.disable"]
    assert entries[-1]["client"] == "10.0.0.9" and all(e["actor"] == ADMIN_USER for e in entries)
    assert "password-1" not in str(entries) and "password-2" not in str(entries)


# ---- the CLI ------------------------------------------------------------------------------------------------


def _cli(*args: str, stdin: str = "") -> Finished:
    """`python -m resync_app <args>` (its `main`) in a process forked from this one."""
    from resync_app.cli import main

    env = {k: v for k, v in os.environ.items() if k != "RESYNC_NEW_PASSWORD"}
    return forked(main, list(args), env=env, stdin=stdin).wait(timeout=120)


def test_cli_user_commands(users_cleaned):
    made = _cli("create-user", "nightop", "--role", "operator", "--password-stdin", stdin="night-operator-pw\n")
    assert made.returncode == 0, made.stderr
    assert "operator 'nightop' created" in made.stdout and "night-operator-pw" not in made.stdout
    assert service.check_credentials("nightop", "night-operator-pw").principal.role == "operator"

    generated = _cli("create-user", "dayop", "--role", "admin")  # no terminal: a generated password, shown once
    assert generated.returncode == 0, generated.stderr
    password = generated.stdout.split("password: ", 1)[1].split()[0]
    assert service.check_credentials("dayop", password).principal.role == "admin"

    assert _cli("disable-user", "nightop").returncode == 0
    assert service.check_credentials("nightop", "night-operator-pw").principal is None
    assert _cli("enable-user", "nightop").returncode == 0
    assert _cli("set-role", "nightop", "--role", "admin").returncode == 0
    listing = _cli("list-users").stdout.splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in listing}
    assert rows["nightop"][1:3] == ["admin", "enabled"] and rows["dayop"][1:3] == ["admin", "enabled"]
    assert "last sign-in 20" in rows["nightop"][4]

    duplicate = _cli("create-user", "nightop", "--role", "operator", "--password-stdin", stdin="another-pass-1\n")
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    assert _cli("set-role", "ghost", "--role", "admin").returncode == 2
    assert _cli("create-user", "x", "--role", "root", "--password-stdin", stdin="long-enough-1\n").returncode == 2


def test_cli_keeps_create_admin_and_list_admins(users_cleaned):
    made = _cli("create-admin", "second", "--password-stdin", stdin="second-admin-pw\n")
    assert made.returncode == 0 and "admin 'second' created" in made.stdout
    assert _cli("create-user", "op", "--role", "operator", "--password-stdin", stdin="operator-pw-1\n").returncode == 0
    admins = [line.split("\t")[0] for line in _cli("list-admins").stdout.splitlines()]
    assert admins == [ADMIN_USER, "second"]
    assert _cli("disable-user", ADMIN_USER).returncode == 0  # another enabled admin exists
    last = _cli("disable-user", "second")
    assert last.returncode == 2 and "last enabled admin" in last.stderr
