"""A stored TWS password never follows a changed `base_url` or `username` (issue 15 item 2, CONTRACT §11).

A loopback listener (tests/fakes/hwa_stub.py) stands for the new address: a change that moves the address or the
account without the password is refused (422 naming `password`, nothing stored or audited), and neither Test
connection nor a poll afterwards sends anything to the listener. With the password in the same request the move
is accepted, and the listener then receives the new credentials only.
"""

from __future__ import annotations

import base64

import pytest

from resync_app.tws import instances
from resync_app.tws.client import HWAClient
from resync_app.tws.snapshot import poll_instance
from tests.fakes.hwa_stub import HwaStub

ROUTE = "/api/v1/admin/tws-config"
PASSWORD = "Stored-tws-Pa55word-1"


@pytest.fixture
def stub():
    with HwaStub() as server:
        yield server


@pytest.fixture
def prod(api, admin_headers, simulator):
    body = {"name": "prod", "base_url": simulator.base_url, "username": simulator.username,
            "password": simulator.password, "enabled": False}
    answer = api.post(f"{ROUTE}/instances", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    return simulator


def _tws_audit(api, headers) -> list[dict]:
    rows = api.get("/api/v1/admin/audit?limit=200", headers=headers).json()
    return [row for row in rows if row["action"].startswith("tws.instance.update")]


def _refused(answer, field: str = "password", moved: str = "base_url") -> None:
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]["errors"]
    assert list(errors) == [field], errors
    assert moved in errors[field] and "password" in errors[field]


@pytest.mark.parametrize("change", [
    "base_url", "username", "both",
])
def test_moving_the_address_or_account_without_the_password_is_refused(api, admin_headers, prod, stub, change):
    body = {"base_url": stub.base_url} if change in ("base_url", "both") else {}
    if change in ("username", "both"):
        body["username"] = "someone-else"
    answer = api.put(f"{ROUTE}/instances/prod", json=body, headers=admin_headers)
    _refused(answer, moved="base_url" if change != "username" else "username")
    # nothing stored, nothing audited
    stored = instances.get_instance("prod")
    assert (stored.base_url, stored.username, stored.password()) == (prod.base_url, prod.username, prod.password)
    assert _tws_audit(api, admin_headers) == []
    # Test connection still reaches the stored address; the listener never hears a thing
    tested = api.post(f"{ROUTE}/test", json={"instance": "prod"}, headers=admin_headers)
    assert tested.status_code == 200 and tested.json()["success"] is True, tested.text
    assert stub.requests == []


def test_the_mask_or_an_empty_password_does_not_count_as_sending_it(api, admin_headers, prod, stub):
    for password in ("********", "", None):
        answer = api.put(f"{ROUTE}/instances/prod", json={"base_url": stub.base_url, "password": password},
                         headers=admin_headers)
        _refused(answer)
    whole = {"primary_instance": "prod", "instances": [{"name": "prod", "base_url": stub.base_url,
                                                        "username": prod.username, "password": "********"}]}
    answer = api.put(ROUTE, json=whole, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    assert list(answer.json()["detail"]["errors"]) == ["instances.0.password"]
    assert instances.get_instance("prod").base_url == prod.base_url
    assert stub.requests == []


def test_the_page_route_applies_the_same_rule(api, prod, stub):
    from resync_app.auth import service as auth_service
    from resync_app.auth import sessions
    from tests.conftest import ADMIN_USER

    raw, _ = sessions.issue(auth_service.find_user(ADMIN_USER), "session")
    answer = api.post("/api/v1/ui/tws/instances", json={"name": "prod", "base_url": stub.base_url,
                                                        "username": prod.username, "display_name": "Prod"},
                      cookies={sessions.SESSION_COOKIE: raw}, headers={"Origin": "http://testserver"})
    _refused(answer)
    assert "Nothing was changed" in answer.json()["detail"]["message"]
    assert instances.get_instance("prod").display_name != "Prod"  # all or nothing: the rest was not saved either
    assert stub.requests == []


async def test_a_poll_after_a_refused_move_goes_to_the_stored_address(api, admin_headers, prod, stub):
    api.put(f"{ROUTE}/instances/prod", json={"base_url": stub.base_url}, headers=admin_headers)
    config = instances.get_instance("prod")
    async with HWAClient(config.connection(retries=0)) as client:
        result = await poll_instance("prod", client)
    assert result.ok, result.error
    assert stub.requests == []


def test_with_the_password_in_the_same_request_the_move_is_accepted(api, admin_headers, prod, stub):
    answer = api.put(f"{ROUTE}/instances/prod", json={"base_url": stub.base_url, "username": "stub-user",
                                                      "password": "New-Pa55word-for-the-stub"},
                     headers=admin_headers)
    assert answer.status_code == 200, answer.text
    api.post(f"{ROUTE}/test", json={"instance": "prod"}, headers=admin_headers)
    sent = {base64.b64decode(value.split(" ", 1)[1]).decode() for value in stub.authorizations}
    assert sent == {"stub-user:New-Pa55word-for-the-stub"}  # the new credentials, never the old password


def test_the_same_address_written_differently_is_not_a_move(api, admin_headers, prod):
    same = prod.base_url.replace("http://", "HTTP://") + "/"
    answer = api.put(f"{ROUTE}/instances/prod", json={"base_url": same, "display_name": "Same place"},
                     headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert instances.get_instance("prod").password() == prod.password


def test_an_instance_without_a_stored_password_has_nothing_to_follow(clean_db, prod, stub):
    from sqlalchemy import update

    from resync_app.db import session_scope
    from resync_app.tws.models import TwsInstance

    with session_scope() as db:
        db.execute(update(TwsInstance).where(TwsInstance.name == "prod").values(password_encrypted=None))
    instances.update_instance("prod", {"base_url": stub.base_url}, "tests")
    assert instances.get_instance("prod").base_url == stub.base_url
