"""TWS Configuration API (CONTRACT §7): CRUD, 404, 422 all-or-nothing, write-only encrypted password, Test connection
against the simulator (success, unreachable, wrong password), audit without the password, the browser-only route."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from sqlmodel import select

from resync_app.auth import service as auth_service
from resync_app.auth import sessions
from resync_app.db import session_scope
from resync_app.tws.instance_config import MASK
from resync_app.tws.models import TwsInstance
from tests.conftest import ADMIN_USER

ROUTE = "/api/v1/admin/tws-config"
PASSWORD = "Tws-Secret-pa55word-0042"


def _instance(sim, name="prod", **extra) -> dict:
    body = {"name": name, "display_name": "Production", "base_url": sim.base_url, "username": sim.username,
            "password": sim.password, "verify_tls": True, "enabled": False, "read_only": False}
    body.update(extra)
    return body


def _stored_row(name: str) -> TwsInstance | None:
    with session_scope() as db:
        return db.exec(select(TwsInstance).where(TwsInstance.name == name)).first()


def _audit(api, headers) -> list[dict]:
    answer = api.get("/api/v1/admin/audit?limit=200", headers=headers)
    assert answer.status_code == 200
    return [row for row in answer.json() if row["action"].startswith("tws.")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_needs_admin(api):
    assert api.get(ROUTE).status_code == 401
    assert api.put(ROUTE, json={"instances": []}).status_code == 401
    assert api.post(f"{ROUTE}/test", json={"instance": "x"}).status_code == 401


def test_empty_then_create_read_update_delete(api, admin_headers, simulator):
    assert api.get(ROUTE, headers=admin_headers).json()["instances"] == []
    body = {"primary_instance": "prod", "instances": [_instance(simulator, password=PASSWORD)]}
    answer = api.put(ROUTE, json=body, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["primary_instance"] == "prod"
    [inst] = data["instances"]
    assert inst == {"name": "prod", "display_name": "Production", "base_url": simulator.base_url,
                    "username": simulator.username, "password": MASK, "password_set": True, "verify_tls": True,
                    "enabled": False, "read_only": False}
    row = _stored_row("prod")
    assert row.password_encrypted and PASSWORD not in row.password_encrypted
    # one instance's routes
    assert api.get(f"{ROUTE}/instances/prod", headers=admin_headers).json()["display_name"] == "Production"
    changed = api.put(f"{ROUTE}/instances/prod", json={"display_name": "Prod EU", "read_only": True},
                      headers=admin_headers)
    assert changed.status_code == 200 and changed.json()["read_only"] is True
    assert changed.json()["base_url"] == simulator.base_url  # omitted fields keep their value
    created = api.post(f"{ROUTE}/instances", json=_instance(simulator, "dr", password=PASSWORD),
                       headers=admin_headers)
    assert created.status_code == 201, created.text
    assert api.post(f"{ROUTE}/instances", json=_instance(simulator, "dr"), headers=admin_headers).status_code == 409
    names = [i["name"] for i in api.get(ROUTE, headers=admin_headers).json()["instances"]]
    assert names == ["prod", "dr"]
    assert api.delete(f"{ROUTE}/instances/dr", headers=admin_headers).status_code == 200
    assert _stored_row("dr") is None
    # a whole-config PUT without an instance removes it; the primary goes with it
    answer = api.put(ROUTE, json={"instances": []}, headers=admin_headers)
    assert answer.status_code == 200 and answer.json() == {**answer.json(), "primary_instance": None, "instances": []}


def test_unknown_instance_404(api, admin_headers):
    for method, path in (("get", "/instances/nope"), ("put", "/instances/nope"), ("delete", "/instances/nope")):
        kwargs = {"json": {"display_name": "x"}} if method == "put" else {}
        answer = getattr(api, method)(f"{ROUTE}{path}", headers=admin_headers, **kwargs)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "nope" in answer.json()["detail"]
    answer = api.post(f"{ROUTE}/test", json={"instance": "nope"}, headers=admin_headers)
    assert answer.status_code == 404
    assert api.post("/api/v1/admin/tws/poller/nope/poll-now", headers=admin_headers).status_code == 404


@pytest.mark.parametrize("field, value, message", [
    ("base_url", "ftp://hwa.example.com", "http"),
    ("base_url", "file:///etc/passwd", "http"),
    ("base_url", "javascript:alert(1)", "http"),
    ("base_url", "https://user:pw@hwa.example.com", "user name and password"),
    ("base_url", "", "http"),
    ("verify_tls", "yes", "true or false"),
    ("enabled", 1, "true or false"),
    ("name", "bad name!", "letters"),
    ("username", "", "empty"),
    ("username", 42, "string"),
    ("password", 123, "string"),
    ("colour", "blue", "unknown field"),
])
def test_bad_field_422_changes_nothing(api, admin_headers, simulator, field, value, message):
    good = _instance(simulator, "good", password=PASSWORD)
    bad = _instance(simulator, "second", password=PASSWORD)
    bad[field] = value
    answer = api.put(ROUTE, json={"primary_instance": "good", "instances": [good, bad]}, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]["errors"]
    assert list(errors) == [f"instances.1.{field}"]
    assert message in errors[f"instances.1.{field}"]
    # all or nothing: the valid instance was not created either, and nothing was audited
    assert api.get(ROUTE, headers=admin_headers).json()["instances"] == []
    assert _audit(api, admin_headers) == []


@pytest.mark.parametrize("body, key", [
    ({"instances": "prod"}, "instances"),
    ({"instances": [], "primary_instance": "ghost"}, "primary_instance"),
    ({"instances": [], "extra": 1}, "extra"),
    ([1, 2], "body"),
])
def test_bad_shape_422(api, admin_headers, body, key):
    answer = api.put(ROUTE, json=body, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    assert key in answer.json()["detail"]["errors"]


def test_new_instance_needs_password_and_names_are_unique(api, admin_headers, simulator):
    no_pw = _instance(simulator, "prod")
    no_pw.pop("password")
    answer = api.put(ROUTE, json={"instances": [no_pw]}, headers=admin_headers)
    assert answer.status_code == 422 and "instances.0.password" in answer.json()["detail"]["errors"]
    twice = [_instance(simulator, "prod"), _instance(simulator, "prod")]
    answer = api.put(ROUTE, json={"instances": twice}, headers=admin_headers)
    assert answer.status_code == 422 and "instances.1.name" in answer.json()["detail"]["errors"]


@pytest.mark.parametrize("keep", ["omitted", None, "", MASK])
def test_password_is_write_only(api, admin_headers, simulator, keep):
    api.put(ROUTE, json={"instances": [_instance(simulator, password=PASSWORD)]}, headers=admin_headers)
    before = _stored_row("prod").password_encrypted
    update = _instance(simulator, display_name="Renamed")
    if keep == "omitted":
        update.pop("password")
    else:
        update["password"] = keep
    answer = api.put(ROUTE, json={"instances": [update]}, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert _stored_row("prod").password_encrypted == before  # the stored secret is untouched
    from resync_app.tws.instances import get_instance

    assert get_instance("prod").password() == PASSWORD
    assert PASSWORD not in answer.text


def test_password_change_is_audited_as_changed(api, admin_headers, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    api.put(ROUTE, json={"instances": [_instance(simulator, password=PASSWORD)]}, headers=admin_headers)
    new = "An0ther-Secret-pw-9911"
    api.put(ROUTE, json={"instances": [_instance(simulator, password=new)]}, headers=admin_headers)
    rows = _audit(api, admin_headers)
    assert [r["action"] for r in rows] == ["tws.instance.update", "tws.instance.create"]
    assert rows[0]["detail"] == {"password": "changed"}
    assert rows[0]["actor"] == ADMIN_USER and rows[1]["target"] == "prod"
    dump = json.dumps(rows) + api.get(ROUTE, headers=admin_headers).text + caplog.text
    assert PASSWORD not in dump and new not in dump


def test_test_connection_success(api, admin_headers, simulator):
    api.put(ROUTE, json={"instances": [_instance(simulator)]}, headers=admin_headers)
    answer = api.post(f"{ROUTE}/test", json={"instance": "prod"}, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["success"] is True
    assert data["latency_ms"] >= 0
    assert data["engine_info"]["displayVersion"]
    assert "error" not in data
    audit = _audit(api, admin_headers)[0]
    assert audit["action"] == "tws.instance.test" and audit["detail"]["success"] is True


def test_test_connection_wrong_password(api, admin_headers, simulator):
    api.put(ROUTE, json={"instances": [_instance(simulator, password="not-the-password")]}, headers=admin_headers)
    answer = api.post(f"{ROUTE}/test", json={"instance": "prod"}, headers=admin_headers)
    assert answer.status_code == 200
    data = answer.json()
    assert data["success"] is False
    assert data["error_kind"] == "unauthorized"
    assert data["error_class"] == "wrong username or password"
    assert "401" in data["error"] and "not-the-password" not in answer.text


def test_test_connection_unreachable(api, admin_headers, simulator):
    dead = f"http://127.0.0.1:{_free_port()}"
    api.put(ROUTE, json={"instances": [_instance(simulator, base_url=dead)]}, headers=admin_headers)
    answer = api.post(f"{ROUTE}/test", json={"instance": "prod"}, headers=admin_headers)
    assert answer.status_code == 200
    data = answer.json()
    assert data["success"] is False and data["error_kind"] == "unreachable"
    assert data["error_class"] == "TWS is unreachable"
    assert "unreachable" in data["error"]


def test_test_connection_bad_body_422(api, admin_headers):
    assert api.post(f"{ROUTE}/test", json={}, headers=admin_headers).status_code == 422
    assert api.post(f"{ROUTE}/test", json={"instance": "x", "more": 1}, headers=admin_headers).status_code == 422


def test_page_route_needs_session_and_same_site(api, admin_headers, simulator):
    raw, _ = sessions.issue(auth_service.find_user(ADMIN_USER), "session")
    cookie = {sessions.SESSION_COOKIE: raw}
    body = _instance(simulator, password=PASSWORD)
    assert api.post("/api/v1/ui/tws/instances", json=body).status_code == 401
    assert api.post("/api/v1/ui/tws/instances", json=body, headers=admin_headers).status_code == 401
    cross = api.post("/api/v1/ui/tws/instances", json=body, cookies=cookie,
                     headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert _stored_row("prod") is None
    answer = api.post("/api/v1/ui/tws/instances", json=body, cookies=cookie, headers={"Origin": "http://testserver"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["instance"]["password"] == MASK and PASSWORD not in answer.text
    # the same route updates; an empty password keeps the stored one
    body.update(password="", display_name="Edited")
    answer = api.post("/api/v1/ui/tws/instances", json=body, cookies=cookie, headers={"Origin": "http://testserver"})
    assert answer.status_code == 200 and answer.json()["instance"]["display_name"] == "Edited"
    from resync_app.tws.instances import get_instance

    assert get_instance("prod").password() == PASSWORD
    bad = api.post("/api/v1/ui/tws/instances", json={**body, "base_url": "gopher://x"}, cookies=cookie,
                   headers={"Origin": "http://testserver"})
    assert bad.status_code == 422 and "base_url" in bad.json()["detail"]["errors"]


def test_default_simulator_instance_on_fresh_install(clean_db, monkeypatch):
    """RESYNC_TWS_SIMULATOR on: one default instance at the simulator with its credentials — once."""
    from resync_app import settings
    from resync_app.tws import instances, service
    from resync_app.tws_simulator.credentials import simulator_credentials

    monkeypatch.setenv("RESYNC_TWS_SIMULATOR", "1")
    monkeypatch.setenv("RESYNC_TWS_SIMULATOR_PORT", "31999")
    settings.reload_settings()
    try:
        service.startup()
        service.shutdown()
        [inst] = instances.list_instances()
        assert inst.base_url == "http://127.0.0.1:31999" and inst.username == simulator_credentials()[0]
        assert inst.password() == simulator_credentials()[1]
        assert instances.primary_instance() == inst.name
        instances.delete_instance(inst.name, "admin")
        service.startup()  # a restart does not bring back what an admin deleted
        service.shutdown()
        assert instances.list_instances() == []
    finally:
        monkeypatch.setenv("RESYNC_TWS_SIMULATOR", "0")
        settings.reload_settings()
