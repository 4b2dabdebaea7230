"""`/api/v1/admin/teams-config`: masking and write-only semantics of the webhook URL, all-or-nothing 422s, the
audit (without the URL), the test card, and the URL in no answer and no log line."""

from __future__ import annotations

import json
import logging

import pytest

from tests.teams.conftest import TEAMS_URL

SECRET_URL = "https://contoso.webhook.office.com/webhookb2/0d4c7a1e@72f988bf/IncomingWebhook/5e1d9a7c4b3f/8c2e-9fq7"


def audit_entries(teams, action: str = "teams.config.update") -> list[dict]:
    entries = teams.api.get("/api/v1/admin/audit?limit=100", headers=teams.headers).json()
    return [e for e in entries if e["action"] == action]


def stored_ciphertext() -> str | None:
    from resync_app.db import session_scope
    from resync_app.teams.models import TeamsSettings

    with session_scope() as db:
        row = db.get(TeamsSettings, 1)
        return row.webhook_url_encrypted if row else None


def test_defaults(teams):
    view = teams.get()
    assert view["enabled"] is False and view["webhook_url"] == "" and view["webhook_configured"] is False
    assert view["bot_name"] == "Resync" and view["enable_job_notifications"] is True
    assert view["monitored_tws_instances"] == [] and view["job_status_filters"] == []
    assert "job_abended" in view["notification_types"] and "llm_budget" in view["notification_types"]
    assert "job_started" not in view["notification_types"]
    for key in ("channel_name", "avatar_url", "enable_conversation_learning"):
        assert key in view
    assert view["delivery"]["waiting"] == 0


def test_webhook_url_is_stored_encrypted_and_masked_on_read(teams):
    answer = teams.put(enabled=True, webhook_url=SECRET_URL, channel_name="#ops-alerts")
    assert answer.status_code == 200
    assert SECRET_URL not in answer.text and "IncomingWebhook" not in answer.text
    masked = answer.json()["webhook_url"]
    assert masked == "https://contoso.webhook.office.com/…9fq7"
    assert teams.get()["webhook_url"] == masked and teams.get()["webhook_configured"] is True
    assert SECRET_URL not in (stored_ciphertext() or "") and stored_ciphertext()


@pytest.mark.parametrize("keep", ["omit", "null", "masked", "same"])
def test_write_only_webhook_keeps_the_stored_url(teams, hook, keep):
    teams.configure(enabled=True, webhook_url=hook.url)
    before_cipher = stored_ciphertext()
    body = {"channel_name": f"kept-{keep}"}
    if keep == "null":
        body["webhook_url"] = None
    elif keep == "masked":
        body["webhook_url"] = teams.get()["webhook_url"]
    elif keep == "same":
        body["webhook_url"] = hook.url
    view = teams.configure(**body)
    assert view["channel_name"] == f"kept-{keep}" and view["webhook_configured"]
    assert stored_ciphertext() == before_cipher
    # The kept URL is the one that works: a test card reaches the receiver.
    result = teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers).json()
    assert result == {"success": True, "status_code": 200, "error": None}
    assert len(hook.cards) == 1
    audit = audit_entries(teams)
    assert "webhook_url" not in audit[0]["detail"]  # only the first change touched it
    assert audit[-1]["detail"]["webhook_url"] == "changed"


def test_empty_string_removes_the_webhook(teams, hook):
    teams.configure(webhook_url=hook.url)
    view = teams.configure(webhook_url="")
    assert view["webhook_url"] == "" and view["webhook_configured"] is False and stored_ciphertext() is None
    assert audit_entries(teams)[0]["detail"] == {"webhook": "removed"}
    result = teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers).json()
    assert result["success"] is False and result["status_code"] is None and "No webhook URL" in result["error"]


BAD = {
    "webhook_url": ("http://teams.example.com/webhook", "https"),
    "webhook_url ": ("ftp://127.0.0.1/x", "https"),
    "avatar_url": ("javascript:alert(1)", "http(s)"),
    "job_status_filters": (["ABEND", "EXPLODED"], "EXPLODED"),
    "notification_types": (["job_abended", "job_exploded"], "job_exploded"),
    "monitored_tws_instances": (["prod", "bad name!"], "invalid instance"),
    "bot_name": ("", "must not be empty"),
}


@pytest.mark.parametrize("field", list(BAD))
def test_invalid_field_is_a_422_and_nothing_changes(teams, hook, field):
    teams.configure(webhook_url=hook.url, channel_name="before")
    before = teams.get()
    last_audit = len(audit_entries(teams))
    value, message = BAD[field]
    answer = teams.put(**{field.strip(): value, "channel_name": "after", "enabled": True})
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]["errors"]
    assert list(errors) == [field.strip()] and message in errors[field.strip()]
    assert teams.get() == before  # the valid fields of the batch were not applied either
    assert len(audit_entries(teams)) == last_audit
    if field.startswith("webhook_url"):
        assert value not in answer.text  # a refused URL is not echoed


def test_http_is_accepted_for_loopback_hosts_only(teams):
    for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]:8080/hook"):
        assert teams.put(webhook_url=url).status_code == 200, url
    assert teams.put(webhook_url="http://10.0.0.5/hook").status_code == 422
    assert teams.get()["webhook_url"] == "http://[::1]:8080/…hook"


def test_malformed_bodies_are_422_without_echo(teams):
    answer = teams.put(webhookUrl=SECRET_URL)  # a misspelt field carrying the URL
    assert answer.status_code == 422 and answer.json()["detail"]["errors"] == {"webhookUrl": "unknown field"}
    assert SECRET_URL not in answer.text
    answer = teams.api.put(TEAMS_URL, headers=teams.headers, json=["not", "an", "object"])
    assert answer.status_code == 422
    answer = teams.put(enabled="maybe", job_status_filters="ABEND")
    assert answer.status_code == 422 and set(answer.json()["detail"]["errors"]) == {"enabled", "job_status_filters"}


def test_values_are_normalised(teams):
    view = teams.configure(job_status_filters=["abend", "ABEND", "succ"], monitored_tws_instances=["prod", "prod"],
                           notification_types=["job_late"], channel_name="  #ops  ")
    assert view["job_status_filters"] == ["ABEND", "SUCC"] and view["monitored_tws_instances"] == ["prod"]
    assert view["channel_name"] == "#ops"


def test_changes_are_audited_without_the_url(teams):
    teams.configure(enabled=True, webhook_url=SECRET_URL, job_status_filters=["ABEND"])
    [entry] = audit_entries(teams)
    assert entry["actor"] == "admin" and entry["target"] == "teams"
    assert entry["detail"]["webhook_url"] == "changed"
    assert entry["detail"]["enabled"] == [False, True] and entry["detail"]["job_status_filters"] == [[], ["ABEND"]]
    assert SECRET_URL not in json.dumps(audit_entries(teams, ""))
    everything = teams.api.get("/api/v1/admin/audit?limit=1000", headers=teams.headers).text
    assert "IncomingWebhook" not in everything
    teams.configure(enabled=True)  # no change: not audited
    assert len(audit_entries(teams)) == 1


def test_test_card_outcomes(teams, hook):
    teams.configure(webhook_url=hook.url, channel_name="#ops", bot_name="Ops bot")
    ok = teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers).json()
    assert ok == {"success": True, "status_code": 200, "error": None}
    [card] = hook.cards
    content = card["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard"
    assert any(b.get("text") == "Resync test notification" for b in content["body"])

    hook.fail_next(403, body="Forbidden: connector disabled")
    refused = teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers).json()
    assert refused == {"success": False, "status_code": 403, "error": "HTTP 403: Forbidden: connector disabled"}

    hook.stop()
    down = teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers)
    assert down.status_code == 200
    assert down.json()["success"] is False and down.json()["status_code"] is None
    assert down.json()["error"].startswith("unreachable")

    listed = teams.api.get(f"{TEAMS_URL}/deliveries?limit=2", headers=teams.headers).json()
    assert listed["count"] == 3 and [r["status"] for r in listed["results"]] == ["failed", "failed"]
    tests_audited = audit_entries(teams, "teams.test")
    assert [e["detail"]["success"] for e in tests_audited] == [False, False, True]


def test_routes_need_an_admin(api, teams):
    assert api.get(TEAMS_URL).status_code == 401
    assert api.put(TEAMS_URL, json={"enabled": True}).status_code == 401
    assert api.post(f"{TEAMS_URL}/test").status_code == 401
    # The page's route takes the browser session only, not a token.
    assert api.put("/api/v1/ui/teams-config", headers=teams.headers, json={"enabled": True}).status_code == 401
    assert teams.get()["enabled"] is False


def test_the_url_is_in_no_answer_and_no_log_line(teams, hook, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [teams.put(enabled=True, webhook_url=hook.url), teams.api.get(TEAMS_URL, headers=teams.headers),
               teams.put(webhook_url=hook.url + "x", bot_name=""),
               teams.api.post(f"{TEAMS_URL}/test", headers=teams.headers),
               teams.api.get(f"{TEAMS_URL}/deliveries", headers=teams.headers),
               teams.api.get("/api/v1/admin/audit", headers=teams.headers),
               teams.api.get("/api/v1/admin/health", headers=teams.headers)]
    assert [a.status_code for a in answers] == [200, 200, 422, 200, 200, 200, 200]
    for answer in answers:
        assert hook.path not in answer.text
    assert len(hook.cards) == 1
    assert hook.path not in caplog.text
