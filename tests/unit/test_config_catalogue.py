"""The system-configuration catalogue against the spec, and its validator."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from resync_app.config.catalogue import (
    CATEGORIES,
    CROSS_FIELD_RULES,
    FIELDS,
    FieldSpec,
    category,
    defaults,
    fields_in,
)
from resync_app.config.validation import (
    MAX_STRING_LENGTH,
    FieldError,
    check_cross_field,
    coerce,
    describe_rules,
    validate_batch,
)

SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "system-config-fields.json").read_text())
SPEC_FIELDS = [{**f, "category": c["name"]} for c in SPEC for f in c["fields"]]
ALL = list(FIELDS.values())
NUMERIC = [f for f in ALL if f.type in ("int", "float")]
BOOLS = [f for f in ALL if f.type == "bool"]
STRINGS = [f for f in ALL if f.type == "string"]
OPTION_FIELDS = [f for f in ALL if f.options]
URL_FIELDS = [f for f in ALL if f.url]
MODEL_FIELDS = {"auditor_model_name", "agent_model_name", "LLM_ROUTING_SIMPLE_MODEL",
                "LLM_ROUTING_COMPLEX_MODEL", "LLM_ROUTING_FALLBACK_MODEL"}


def _ids(f: FieldSpec) -> str:
    return f.name


def _refused(spec: FieldSpec, raw: Any, extra: tuple[str, ...] = ()) -> str:
    with pytest.raises(FieldError) as info:
        coerce(spec, raw, extra)
    return str(info.value)


def _sample(spec: FieldSpec) -> Any:
    """A valid value different from the default (and keeping the cross-field rules)."""
    if spec.type == "bool":
        return not spec.default
    if spec.options:
        return next(o for o in spec.options if o != spec.default)
    if spec.type == "string":
        return "https://llm.example.com:8443/v2"
    if spec.type == "int":
        return spec.default + 1 if spec.default < spec.max_value else spec.default - 1
    bound = spec.max_value if spec.default < spec.max_value else spec.min_value
    return (spec.default + bound) / 2


# --- the catalogue equals the spec -------------------------------------------


def test_counts() -> None:
    assert len(CATEGORIES) == 11
    assert len(FIELDS) == 61
    assert len(SPEC) == 11 and len(SPEC_FIELDS) == 61


def test_categories_match_spec() -> None:
    assert [(c.name, c.display_name) for c in CATEGORIES] == [(c["name"], c["display_name"]) for c in SPEC]
    for c in CATEGORIES:
        assert c.description.strip().endswith(".") and len(c.description) > 20
        assert category(c.name) is c


def test_field_order_matches_spec() -> None:
    assert list(FIELDS) == [f["name"] for f in SPEC_FIELDS]
    assert all(name == spec.name for name, spec in FIELDS.items())


@pytest.mark.parametrize("expected", SPEC_FIELDS, ids=[f["name"] for f in SPEC_FIELDS])
def test_field_matches_spec(expected: dict[str, Any]) -> None:
    spec = FIELDS[expected["name"]]
    actual = {
        "name": spec.name, "category": spec.category, "type": spec.type, "default": spec.default,
        "min_value": spec.min_value, "max_value": spec.max_value,
        "options": list(spec.options) if spec.options is not None else None,
        "requires_restart": spec.requires_restart, "description": spec.description,
    }
    assert actual == expected
    # True == 1 and 60 == 60.0 in Python: also compare the exact types.
    for key in ("default", "min_value", "max_value"):
        assert type(getattr(spec, key)) is type(expected[key]), key
    assert spec.sensitive is False


@pytest.mark.parametrize("cat", SPEC, ids=[c["name"] for c in SPEC])
def test_fields_in(cat: dict[str, Any]) -> None:
    assert [f.name for f in fields_in(cat["name"])] == [f["name"] for f in cat["fields"]]


def test_fields_in_unknown_category() -> None:
    with pytest.raises(KeyError):
        fields_in("nope")


def test_defaults_is_a_fresh_dict() -> None:
    first = defaults()
    assert first == {f["name"]: f["default"] for f in SPEC_FIELDS}
    assert list(first) == list(FIELDS)
    first["log_level"] = "DEBUG"
    assert defaults()["log_level"] == "INFO"


def test_flags() -> None:
    assert {f.name for f in ALL if f.dynamic_options} == MODEL_FIELDS
    assert {f.name for f in ALL if f.url} == {"rag_service_url", "llm_endpoint"}
    assert {f.name for f in ALL if f.ignore_case} == {"log_level"}
    assert not any(f.sensitive for f in ALL)


def test_field_spec_is_frozen_and_serialisable() -> None:
    spec = FIELDS["tws_polling_mode"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.default = "adaptive"  # type: ignore[misc]
    data = spec.to_dict()
    assert data["options"] == ["fixed", "adaptive", "scheduled"]
    assert json.loads(json.dumps(data)) == data


def test_rules_name_real_numeric_fields() -> None:
    for left, right in CROSS_FIELD_RULES:
        assert FIELDS[left].type == FIELDS[right].type == "int"


# --- every field -------------------------------------------------------------


@pytest.mark.parametrize("spec", ALL, ids=_ids)
def test_default_passes(spec: FieldSpec) -> None:
    value = coerce(spec, spec.default)
    assert value == spec.default and type(value) is type(spec.default)
    assert validate_batch({spec.name: spec.default}, defaults()) == ({spec.name: spec.default}, {})


@pytest.mark.parametrize("spec", ALL, ids=_ids)
def test_non_default_value_accepted(spec: FieldSpec) -> None:
    value = _sample(spec)
    assert value != spec.default
    values, errors = validate_batch({spec.name: value}, defaults())
    assert errors == {}
    assert values == {spec.name: value} and type(values[spec.name]) is type(spec.default)


@pytest.mark.parametrize("spec", NUMERIC, ids=_ids)
def test_numeric_bounds(spec: FieldSpec) -> None:
    step = 1 if spec.type == "int" else 0.01
    assert coerce(spec, spec.min_value) == spec.min_value
    assert coerce(spec, spec.max_value) == spec.max_value
    assert _refused(spec, spec.min_value - step).startswith(f"must be at least {spec.min_value!r} (got ")
    assert _refused(spec, spec.max_value + step).startswith(f"must be at most {spec.max_value!r} (got ")


@pytest.mark.parametrize("spec", NUMERIC, ids=_ids)
def test_numeric_accepts_numeric_strings(spec: FieldSpec) -> None:
    value = coerce(spec, f" {spec.default} ")
    assert value == spec.default and type(value) is type(spec.default)


@pytest.mark.parametrize("spec", NUMERIC, ids=_ids)
@pytest.mark.parametrize("raw", ["abc", "", True, False, None, [1], {"v": 1}, float("nan"), float("inf"), "nan"])
def test_numeric_wrong_type_refused(spec: FieldSpec, raw: Any) -> None:
    kind = "an integer" if spec.type == "int" else "a number"
    message = _refused(spec, raw)
    assert message.startswith(f"must be {kind} between {spec.min_value!r} and {spec.max_value!r} (got ")


@pytest.mark.parametrize("spec", BOOLS, ids=_ids)
@pytest.mark.parametrize("raw", ["yes please", "yes", "no", 1, 0, "1", "0", None, "", 1.0])
def test_bool_wrong_value_refused(spec: FieldSpec, raw: Any) -> None:
    assert _refused(spec, raw).startswith("must be true or false (got ")


@pytest.mark.parametrize("spec", BOOLS, ids=_ids)
def test_bool_accepts_true_false_words(spec: FieldSpec) -> None:
    assert coerce(spec, "TRUE") is True and coerce(spec, " false ") is False
    assert coerce(spec, True) is True and coerce(spec, False) is False


@pytest.mark.parametrize("spec", STRINGS, ids=_ids)
@pytest.mark.parametrize("raw", [123, None, True, ["x"]])
def test_string_wrong_type_refused(spec: FieldSpec, raw: Any) -> None:
    assert "(got " in _refused(spec, raw)


@pytest.mark.parametrize("spec", OPTION_FIELDS, ids=_ids)
def test_option_fields_refuse_non_options(spec: FieldSpec) -> None:
    assert _refused(spec, "not-an-option") == f"must be one of: {', '.join(spec.options)} (got 'not-an-option')"
    assert _refused(spec, "").startswith("must be one of: ")
    for option in spec.options:
        assert coerce(spec, f"  {option} ") == option


@pytest.mark.parametrize("spec", [f for f in OPTION_FIELDS if not f.ignore_case], ids=_ids)
def test_options_are_case_sensitive(spec: FieldSpec) -> None:
    for option in spec.options:
        assert option.swapcase() != option
        _refused(spec, option.swapcase())


@pytest.mark.parametrize("spec", URL_FIELDS, ids=_ids)
@pytest.mark.parametrize("raw", ["", "localhost:8003", "ftp://example.com", "http://", "http://:8003",
                                 "https://exa mple.com", "http://example.com:99999", "example.com/v1",
                                 "http://h/" + "a" * MAX_STRING_LENGTH])
def test_url_fields_refuse_non_urls(spec: FieldSpec, raw: str) -> None:
    _refused(spec, raw)


@pytest.mark.parametrize("spec", URL_FIELDS, ids=_ids)
def test_url_fields_accept_http_urls(spec: FieldSpec) -> None:
    assert coerce(spec, "  http://10.0.0.5:8003 ") == "http://10.0.0.5:8003"
    assert coerce(spec, "https://api.example.com/v1") == "https://api.example.com/v1"
    assert _refused(spec, "ftp://x") == f"must be an http(s) URL with a host, e.g. {spec.default} (got 'ftp://x')"


# --- specific coercion rules -------------------------------------------------


def test_messages_read_as_documented() -> None:
    interval, mode = FIELDS["tws_polling_interval_seconds"], FIELDS["tws_polling_mode"]
    assert _refused(interval, "abc") == "must be an integer between 5 and 300 (got 'abc')"
    assert _refused(interval, 301) == "must be at most 300 (got 301)"
    assert _refused(interval, 4) == "must be at least 5 (got 4)"
    assert _refused(mode, "fast") == "must be one of: fixed, adaptive, scheduled (got 'fast')"
    assert _refused(FIELDS["tws_polling_enabled"], "yes please") == "must be true or false (got 'yes please')"
    assert _refused(FIELDS["tws_polling_enabled"], 1) == "must be true or false (got 1)"
    assert _refused(FIELDS["llm_timeout"], "x") == "must be a number between 10.0 and 300.0 (got 'x')"


@pytest.mark.parametrize(("raw", "expected"), [("debug", "DEBUG"), ("Warning", "WARNING"),
                                                (" critical ", "CRITICAL"), ("INFO", "INFO")])
def test_log_level_case_normalised(raw: str, expected: str) -> None:
    assert coerce(FIELDS["log_level"], raw) == expected
    assert validate_batch({"log_level": raw}, defaults()) == ({"log_level": expected}, {})


def test_log_level_refuses_unknown_level() -> None:
    assert _refused(FIELDS["log_level"], "verbose").startswith("must be one of: DEBUG, INFO")


@pytest.mark.parametrize(("raw", "expected"), [("30", 30), (" 30 ", 30), (30.0, 30), ("30.0", 30),
                                                ("+30", 30), ("3e1", 30)])
def test_int_accepts_integral_values(raw: Any, expected: int) -> None:
    value = coerce(FIELDS["tws_polling_interval_seconds"], raw)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("raw", [30.5, "30.5", "30abc", "1_000", float("nan"), "inf", "٣٠", True])
def test_int_refuses_non_integral(raw: Any) -> None:
    _refused(FIELDS["tws_polling_interval_seconds"], raw)


@pytest.mark.parametrize(("raw", "expected"), [(45, 45.0), ("45", 45.0), ("0.25e2", 25.0), (12.5, 12.5)])
def test_float_coercion(raw: Any, expected: float) -> None:
    value = coerce(FIELDS["llm_timeout"], raw)
    assert value == expected and type(value) is float


@pytest.mark.parametrize("raw", [float("nan"), float("-inf"), "NaN", "Infinity", "1e999", 10 ** 400])
def test_float_refuses_non_finite(raw: Any) -> None:
    _refused(FIELDS["LLM_BUDGET_DAILY_USD"], raw)


def test_nan_refused_everywhere_numeric() -> None:
    for spec in NUMERIC:
        assert not math.isnan(coerce(spec, spec.default))
        _refused(spec, float("nan"))


def test_string_length_limit() -> None:
    spec = FIELDS["llm_endpoint"]
    url = "https://h.example/" + "a" * (MAX_STRING_LENGTH - len("https://h.example/"))
    assert coerce(spec, url) == url
    assert _refused(spec, url + "a") == f"must be at most {MAX_STRING_LENGTH} characters (got {MAX_STRING_LENGTH + 1})"


@pytest.mark.parametrize("name", sorted(MODEL_FIELDS))
def test_dynamic_options_accept_provider_models(name: str) -> None:
    spec = FIELDS[name]
    _refused(spec, "mistral-large-latest")
    assert coerce(spec, "mistral-large-latest", ("mistral-large-latest",)) == "mistral-large-latest"
    assert coerce(spec, spec.options[0], ("mistral-large-latest",)) == spec.options[0]
    extra = {name: ["mistral-large-latest"]}
    assert validate_batch({name: "mistral-large-latest"}, defaults(), extra) == ({name: "mistral-large-latest"}, {})
    assert validate_batch({name: "other"}, defaults(), extra)[1][name].endswith(
        "mistral-large-latest (got 'other')")


def test_extra_options_ignored_for_static_option_fields() -> None:
    _refused(FIELDS["log_format"], "xml", ("xml",))
    assert "log_format" in validate_batch({"log_format": "xml"}, defaults(), {"log_format": ["xml"]})[1]


# --- cross-field rules -------------------------------------------------------

# (left, right, left value, right value) with left > right, each within its own range.
BROKEN = [
    ("db_pool_min_size", "db_pool_max_size", 50, 10),
    ("redis_pool_min_size", "redis_pool_max_size", 30, 10),
    ("tws_retention_days_full", "tws_retention_days_summary", 20, 10),
    ("tws_retention_days_summary", "tws_retention_days_patterns", 60, 40),
]
RULE_IDS = [f"{b[0]}<={b[1]}" for b in BROKEN]


def test_broken_table_covers_every_rule() -> None:
    assert [(b[0], b[1]) for b in BROKEN] == list(CROSS_FIELD_RULES)
    for left, right, lv, rv in BROKEN:
        assert lv > rv
        for name in (left, right):
            for value in (lv, rv):
                assert coerce(FIELDS[name], value) == value


def test_defaults_keep_every_rule() -> None:
    assert check_cross_field(defaults()) == {}


@pytest.mark.parametrize(("left", "right", "lv", "rv"), BROKEN, ids=RULE_IDS)
def test_rule_broken_within_batch(left: str, right: str, lv: int, rv: int) -> None:
    values, errors = validate_batch({left: lv, right: rv}, defaults())
    assert errors == {left: f"must be at most {right} ({rv})", right: f"must be at least {left} ({lv})"}
    assert values == {left: lv, right: rv}


@pytest.mark.parametrize(("left", "right", "lv", "rv"), BROKEN, ids=RULE_IDS)
def test_rule_broken_against_current_value(left: str, right: str, lv: int, rv: int) -> None:
    current = {**defaults(), right: rv}
    assert validate_batch({left: lv}, current)[1] == {left: f"must be at most {right} ({rv})"}
    current = {**defaults(), left: lv}
    assert validate_batch({right: rv}, current)[1] == {right: f"must be at least {left} ({lv})"}


@pytest.mark.parametrize(("left", "right", "lv", "rv"), BROKEN, ids=RULE_IDS)
def test_rule_valid_combinations_pass(left: str, right: str, lv: int, rv: int) -> None:
    assert validate_batch({left: rv, right: rv}, defaults()) == ({left: rv, right: rv}, {})  # equal is fine
    assert validate_batch({left: rv, right: lv}, defaults()) == ({left: rv, right: lv}, {})
    assert validate_batch({left: rv}, {**defaults(), right: lv}) == ({left: rv}, {})


def test_both_sides_moved_consistently_pass() -> None:
    current = {**defaults(), "db_pool_min_size": 10, "db_pool_max_size": 30}
    # Either change alone would break the rule; together they keep it.
    assert validate_batch({"db_pool_min_size": 50}, current)[1] != {}
    assert validate_batch({"db_pool_max_size": 5}, {**current, "db_pool_min_size": 50})[1] != {}
    assert validate_batch({"db_pool_min_size": 50, "db_pool_max_size": 200}, current)[1] == {}
    retention = {"tws_retention_days_full": 25, "tws_retention_days_summary": 80,
                 "tws_retention_days_patterns": 300}
    assert validate_batch(retention, defaults()) == (retention, {})


def test_retention_chain_checked_through_current_values() -> None:
    current = {**defaults(), "tws_retention_days_summary": 10}
    assert validate_batch({"tws_retention_days_full": 11}, current)[1] == {
        "tws_retention_days_full": "must be at most tws_retention_days_summary (10)"}
    assert validate_batch({"tws_retention_days_full": 10}, current)[1] == {}


def test_invalid_value_does_not_add_cross_field_error() -> None:
    assert validate_batch({"db_pool_max_size": "abc"}, defaults())[1] == {
        "db_pool_max_size": "must be an integer between 1 and 1000 (got 'abc')"}
    assert validate_batch({"db_pool_min_size": 50, "db_pool_max_size": 0}, defaults())[1] == {
        "db_pool_max_size": "must be at least 1 (got 0)"}
    # The rule is not judged against the old value of a side the batch fails to change.
    current = {**defaults(), "db_pool_min_size": 5, "db_pool_max_size": 10}
    assert validate_batch({"db_pool_min_size": 50, "db_pool_max_size": "lots"}, current)[1] == {
        "db_pool_max_size": "must be an integer between 1 and 1000 (got 'lots')"}


def test_missing_current_values_fall_back_to_defaults() -> None:
    assert validate_batch({"db_pool_max_size": 10}, {})[1] == {
        "db_pool_max_size": "must be at least db_pool_min_size (20)"}


def test_broken_current_config_reported_on_first_field() -> None:
    current = {**defaults(), "db_pool_min_size": 50, "db_pool_max_size": 10}
    assert validate_batch({"log_level": "INFO"}, current)[1] == {
        "db_pool_min_size": "must be at most db_pool_max_size (10)"}


# --- batches -----------------------------------------------------------------


def test_mixed_batch_reports_every_error_at_once() -> None:
    values, errors = validate_batch({
        "tws_polling_interval_seconds": "60",
        "tws_polling_mode": "fast",
        "log_level": "debug",
        "LLM_USE_CACHE": "yes please",
        "nope": 1,
        "llm_timeout": 45,
        "rag_service_max_retries": 11,
    }, defaults())
    assert values == {"tws_polling_interval_seconds": 60, "log_level": "DEBUG", "llm_timeout": 45.0}
    assert errors == {
        "tws_polling_mode": "must be one of: fixed, adaptive, scheduled (got 'fast')",
        "LLM_USE_CACHE": "must be true or false (got 'yes please')",
        "nope": "unknown field",
        "rag_service_max_retries": "must be at most 10 (got 11)",
    }


def test_valid_batch_has_no_errors() -> None:
    batch = {spec.name: _sample(spec) for spec in ALL}
    values, errors = validate_batch(batch, defaults())
    assert errors == {}
    assert values == batch


def test_empty_batch() -> None:
    assert validate_batch({}, defaults()) == ({}, {})


def test_describe_rules() -> None:
    text = describe_rules()
    assert "\n\n" not in text
    for left, right in CROSS_FIELD_RULES:
        assert f"`{left}` ≤ `{right}`" in text
    for name in ("log_level", "rag_service_url", "llm_endpoint", *MODEL_FIELDS):
        assert f"`{name}`" in text
    assert "2048" in text
