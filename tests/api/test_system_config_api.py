"""System configuration API (CONTRACT §5) through the real ASGI app."""

from __future__ import annotations

import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from resync_app.config.catalogue import CATEGORIES, FIELDS
from tests.support.dbutil import table_count

URL = "/api/v1/system-config"
NUMERIC = [f for f in FIELDS.values() if f.type in ("int", "float")]
CHOICES = [f for f in FIELDS.values() if f.options]


def post(api, headers, updates, **extra):
    return api.post(f"{URL}/update", headers=headers, json={"updates": updates, **extra})


def saved_values(api, headers):
    return {f["name"]: f["value"] for c in api.get(f"{URL}/categories", headers=headers).json() for f in c["fields"]}


def a_valid_other_value(spec):
    if spec.type == "bool":
        return not spec.default
    if spec.options:
        return next(o for o in spec.options if o != spec.default)
    if spec.type == "string":
        return "http://llm.internal:8003/v1" if spec.url else "other"
    if spec.name in CROSS_FIELD_SAFE:
        return CROSS_FIELD_SAFE[spec.name]
    return spec.max_value if spec.default != spec.max_value else spec.min_value


# Values that change a field without breaking a cross-field rule against the other fields' defaults.
CROSS_FIELD_SAFE = {"db_pool_min_size": 90, "db_pool_max_size": 50, "redis_pool_min_size": 10,
                    "redis_pool_max_size": 10, "tws_retention_days_full": 20, "tws_retention_days_summary": 60,
                    "tws_retention_days_patterns": 60}


def test_categories_shape(api, admin_headers):
    cats = api.get(f"{URL}/categories", headers=admin_headers).json()
    assert [c["name"] for c in cats] == [c.name for c in CATEGORIES] and len(cats) == 11
    fields = [f for c in cats for f in c["fields"]]
    assert len(fields) == 61
    keys = {"name", "value", "type", "description", "default", "min_value", "max_value", "options",
            "requires_restart", "category", "sensitive"}
    assert all(keys <= set(f) for f in fields)
    assert all(c["display_name"] and c["description"] for c in cats)


def test_every_default_is_served(api, admin_headers):
    assert saved_values(api, admin_headers) == {name: spec.default for name, spec in FIELDS.items()}


def test_one_category_and_unknown_404(api, admin_headers):
    body = api.get(f"{URL}/category/llm_budget", headers=admin_headers).json()
    assert [f["name"] for f in body["fields"]][:2] == ["LLM_BUDGET_DAILY_USD", "LLM_BUDGET_MONTHLY_USD"]
    missing = api.get(f"{URL}/category/nope", headers=admin_headers)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


@pytest.mark.parametrize("name", list(FIELDS))
def test_each_field_accepts_a_valid_value_and_persists_it(api, admin_headers, name):
    spec = FIELDS[name]
    value = a_valid_other_value(spec)
    response = post(api, admin_headers, {name: value})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] and body["updated_fields"] == [name] and body["version"] == 1
    assert body["requires_restart"] == spec.requires_restart
    assert saved_values(api, admin_headers)[name] == value


@pytest.mark.parametrize("name", [f.name for f in NUMERIC])
def test_each_numeric_bound_plus_minus_one_refused(api, admin_headers, name):
    spec = FIELDS[name]
    step = 1 if spec.type == "int" else 0.01
    for bad in (spec.min_value - step, spec.max_value + step):
        response = post(api, admin_headers, {name: bad})
        assert response.status_code == 422, (bad, response.text)
        assert name in response.json()["errors"] and response.json()["updated_fields"] == []
    assert table_count("config_versions") == 0


@pytest.mark.parametrize("name", list(FIELDS))
def test_each_field_refuses_a_wrong_type(api, admin_headers, name):
    spec = FIELDS[name]
    bad = {"int": "abc", "float": "abc", "bool": "yes please", "string": 123}[spec.type]
    response = post(api, admin_headers, {name: bad})
    assert response.status_code == 422
    assert response.json()["errors"][name]


@pytest.mark.parametrize("name", [f.name for f in CHOICES])
def test_each_option_field_refuses_a_non_option(api, admin_headers, name):
    response = post(api, admin_headers, {name: "definitely-not-an-option"})
    assert response.status_code == 422 and "must be one of" in response.json()["errors"][name]


def test_mixed_batch_changes_nothing_and_audits_nothing(api, admin_headers):
    before = saved_values(api, admin_headers)
    response = post(api, admin_headers, {"log_level": "DEBUG", "tws_polling_interval_seconds": 301,
                                         "no_such_field": 1, "LLM_USE_CACHE": "maybe"})
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False and body["updated_fields"] == []
    assert set(body["errors"]) == {"tws_polling_interval_seconds", "no_such_field", "LLM_USE_CACHE"}
    assert saved_values(api, admin_headers) == before
    assert table_count("config_versions") == table_count("config_audit") == 0
    assert not [e for e in api.get("/api/v1/admin/audit", headers=admin_headers).json()
                if e["action"].startswith("config")]
    assert logging.getLogger().level != logging.DEBUG


@pytest.mark.parametrize("body", [{}, {"updates": {}}, {"updates": None}, {"updates": [1, 2]}, {"updates": "x"}])
def test_missing_or_empty_updates_422(api, admin_headers, body):
    response = api.post(f"{URL}/update", headers=admin_headers, json=body)
    assert response.status_code == 422 and "updates" in response.json()["errors"]


def test_not_json_object_422(api, admin_headers):
    response = api.post(f"{URL}/update", headers=admin_headers, content=b"[1]",
                        params={}, )
    assert response.status_code == 422


@pytest.mark.parametrize("updates,field", [
    ({"db_pool_min_size": 101}, "db_pool_min_size"),
    ({"db_pool_max_size": 10}, "db_pool_max_size"),
    ({"redis_pool_min_size": 30}, "redis_pool_min_size"),
    ({"tws_retention_days_full": 30, "tws_retention_days_summary": 20}, "tws_retention_days_full"),
    ({"tws_retention_days_summary": 90, "tws_retention_days_patterns": 60}, "tws_retention_days_patterns"),
])
def test_cross_field_rules(api, admin_headers, updates, field):
    response = post(api, admin_headers, updates)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert table_count("config_versions") == 0


def test_cross_field_rule_checked_after_the_batch(api, admin_headers):
    ok = post(api, admin_headers, {"db_pool_min_size": 80, "db_pool_max_size": 90})
    assert ok.status_code == 200
    assert post(api, admin_headers, {"db_pool_max_size": 70}).status_code == 422


def test_same_value_is_not_a_change(api, admin_headers):
    first = post(api, admin_headers, {"log_level": "WARNING", "tws_polling_interval_seconds": 30})
    assert first.json()["updated_fields"] == ["log_level"] and first.json()["version"] == 1
    again = post(api, admin_headers, {"log_level": "warning"})
    assert again.status_code == 200 and again.json()["updated_fields"] == [] and again.json()["version"] == 1
    assert table_count("config_versions") == 1 and table_count("config_audit") == 1


def test_audit_shape_newest_first(api, admin_headers):
    post(api, admin_headers, {"log_level": "ERROR"})
    post(api, admin_headers, {"tws_dashboard_theme": "dark", "log_level": "INFO"})
    rows = api.get(f"{URL}/audit?limit=10", headers=admin_headers).json()
    assert [(r["field"], r["version"]) for r in rows][0][1] == 2 and len(rows) == 3
    first = rows[-1]
    assert first["old_value"] == "INFO" and first["new_value"] == "ERROR" and first["actor"] == "admin"
    assert datetime.fromisoformat(first["timestamp"]).utcoffset() is not None
    assert len(api.get(f"{URL}/audit?limit=1", headers=admin_headers).json()) == 1
    assert api.get(f"{URL}/audit?limit=1001", headers=admin_headers).status_code == 422


def test_stale_base_version_409_and_nothing_applied(api, admin_headers):
    post(api, admin_headers, {"tws_polling_interval_seconds": 60})          # version 1 by admin
    stale = post(api, admin_headers, {"tws_polling_interval_seconds": 90, "log_level": "DEBUG"}, base_version=0)
    assert stale.status_code == 409
    message = stale.json()["errors"]["tws_polling_interval_seconds"]
    assert message.startswith("changed by admin at ") and message.endswith("reload")
    assert "log_level" not in stale.json()["errors"]
    assert saved_values(api, admin_headers)["tws_polling_interval_seconds"] == 60
    assert table_count("config_versions") == 1
    other_field = post(api, admin_headers, {"log_level": "DEBUG"}, base_version=0)
    assert other_field.status_code == 200  # a different field is not a conflict
    current = post(api, admin_headers, {"tws_polling_interval_seconds": 90}, base_version=2)
    assert current.status_code == 200


@pytest.mark.parametrize("base", [-1, "1", True, 99])
def test_bad_base_version_422(api, admin_headers, base):
    assert post(api, admin_headers, {"log_level": "DEBUG"}, base_version=base).status_code == 422


def test_rollback_restores_whole_configuration_as_new_version(api, admin_headers):
    post(api, admin_headers, {"log_level": "DEBUG"})                          # v1
    post(api, admin_headers, {"tws_polling_interval_seconds": 120})           # v2
    post(api, admin_headers, {"log_level": "ERROR", "LLM_USE_CACHE": False})  # v3
    response = api.post(f"{URL}/rollback", headers=admin_headers, json={"version": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] and body["version"] == 4 and body["restored_from"] == 1
    assert set(body["updated_fields"]) == {"log_level", "tws_polling_interval_seconds", "LLM_USE_CACHE"}
    values = saved_values(api, admin_headers)
    assert (values["log_level"], values["tws_polling_interval_seconds"], values["LLM_USE_CACHE"]) == ("DEBUG", 30, True)
    audit = api.get(f"{URL}/audit", headers=admin_headers).json()
    assert {r["field"] for r in audit if r["version"] == 4} == set(body["updated_fields"])
    general = api.get("/api/v1/admin/audit", headers=admin_headers).json()
    assert general[0]["action"] == "config.rollback" and general[0]["detail"]["restored_from"] == 1


@pytest.mark.parametrize("body,status", [({"version": 7}, 404), ({"version": -1}, 404), ({"version": "x"}, 422),
                                         ({}, 422), (None, 422)])
def test_rollback_bad_requests(api, admin_headers, body, status):
    assert api.post(f"{URL}/rollback", headers=admin_headers, json=body).status_code == status


def test_rollback_to_zero_restores_defaults(api, admin_headers):
    post(api, admin_headers, {"log_level": "DEBUG", "db_pool_max_size": 500})
    assert api.post(f"{URL}/rollback", headers=admin_headers, json={"version": 0}).status_code == 200
    assert saved_values(api, admin_headers) == {n: s.default for n, s in FIELDS.items()}


def test_pending_restart_lists_only_restart_fields_that_differ(api, admin_headers):
    assert api.get(f"{URL}/pending-restart", headers=admin_headers).json() == {"fields": []}
    response = post(api, admin_headers, {"log_format": "text", "log_level": "WARNING"})
    assert response.json()["requires_restart"] is True
    pending = api.get(f"{URL}/pending-restart", headers=admin_headers).json()["fields"]
    assert pending == [{"name": "log_format", "running_value": "json", "saved_value": "text"}]
    post(api, admin_headers, {"log_format": "json"})
    assert api.get(f"{URL}/pending-restart", headers=admin_headers).json() == {"fields": []}


def test_values_survive_a_restart_and_restart_fields_take_effect(api, admin_headers, clean_db):
    from resync_app.config import store

    post(api, admin_headers, {"LLM_BUDGET_DAILY_USD": 42.5, "MIGRATION_USE_NEW_TWS": True})
    assert store.get_store().get("MIGRATION_USE_NEW_TWS") is False  # restart-only: not live
    store.reset_store()  # a new process
    restarted = store.get_store()
    assert restarted.get("LLM_BUDGET_DAILY_USD") == 42.5
    assert restarted.get("MIGRATION_USE_NEW_TWS") is True
    assert restarted.pending_restart() == []


def test_log_level_switches_live(api, admin_headers):
    """What the app's own log handler writes follows log_level at once (no test fixture sets a level here:
    the probe logger has none of its own, so the root level the store applied decides)."""
    from resync_app import logging_setup

    probe = logging.getLogger("resync.probe")
    assert probe.level == logging.NOTSET
    buffer = io.StringIO()
    old_stream = logging_setup._handler.setStream(buffer)
    try:
        post(api, admin_headers, {"log_level": "WARNING"})
        probe.info("hidden-while-warning")
        probe.warning("shown-while-warning")
        post(api, admin_headers, {"log_level": "DEBUG"})
        probe.debug("visible-at-debug")
        post(api, admin_headers, {"log_level": "INFO"})
        probe.debug("hidden-at-info")
    finally:
        logging_setup._handler.setStream(old_stream)
    written = buffer.getvalue()
    assert "shown-while-warning" in written and "visible-at-debug" in written
    assert "hidden-while-warning" not in written and "hidden-at-info" not in written


def test_twenty_concurrent_updates_of_different_fields(api, admin_headers):
    candidates = [f for f in FIELDS.values() if f.type == "bool" and not f.requires_restart]
    candidates += [FIELDS[n] for n in ("tws_polling_interval_seconds", "log_level", "rag_service_timeout",
                                       "tws_job_late_threshold_minutes", "rate_limit_public_per_minute",
                                       "LLM_CACHE_TTL_SECONDS", "LITELLM_NUM_RETRIES", "tws_dashboard_theme")]
    chosen = candidates[:20]
    assert len({f.name for f in chosen}) == 20
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda s: post(api, admin_headers, {s.name: a_valid_other_value(s)}), chosen))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    assert sorted(a.json()["version"] for a in answers) == list(range(1, 21))
    values = saved_values(api, admin_headers)
    assert all(values[s.name] == a_valid_other_value(s) for s in chosen)
    audit = api.get(f"{URL}/audit?limit=100", headers=admin_headers).json()
    assert sorted(r["field"] for r in audit) == sorted(s.name for s in chosen)


def test_environment_seeds_first_version_only(clean_db, caplog):
    from resync_app.config import store

    first = store.get_store()
    result = first.seed_from_environment({"LOG_LEVEL": "warning", "LLM_BUDGET_DAILY_USD": "12.5",
                                          "TWS_POLLING_INTERVAL_SECONDS": "1"})
    assert result.version == 1 and set(result.updated_fields) == {"log_level", "LLM_BUDGET_DAILY_USD"}
    assert first.audit()[0]["actor"] == "environment"
    store.reset_store()
    second = store.get_store()
    with caplog.at_level(logging.WARNING):
        assert second.seed_from_environment({"LOG_LEVEL": "ERROR"}) is None
    assert second.get("log_level") == "WARNING" and second.version == 1
    assert "LOG_LEVEL is ignored" in caplog.text


def test_resources(api, admin_headers):
    body = api.get(f"{URL}/resources", headers=admin_headers).json()
    assert body["process"]["memory_rss_mb"] > 0 and body["process"]["uptime_seconds"] >= 0
    assert body["host"]["disk_total_gb"] > 0 and 0 <= body["host"]["cpu_percent"] <= 100 * body["host"]["cpu_count"]


def test_history_lists_versions_with_changes(api, admin_headers):
    post(api, admin_headers, {"log_level": "DEBUG", "tws_dashboard_theme": "dark"})
    history = api.get(f"{URL}/history", headers=admin_headers).json()
    assert history[0]["version"] == 1 and history[0]["actor"] == "admin"
    assert history[0]["changes"] == [
        {"field": "log_level", "old_value": "INFO", "new_value": "DEBUG"},
        {"field": "tws_dashboard_theme", "old_value": "auto", "new_value": "dark"}]
    assert json.dumps(history)
