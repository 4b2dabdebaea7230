"""Coercion and validation of system-configuration values (pure, no I/O).

Coercion rules (``coerce`` raises ``FieldError`` with one human message):

- ``int``: an int, an integral float (``30.0`` → ``30``) or a string holding
  one (``"30"``, ``" 30 "``, ``"30.0"``, ``"3e1"``).  ``30.5``, ``"abc"``,
  NaN/infinity and booleans (``true`` is not ``1``) are refused.
- ``float``: an int, a float or a numeric string, returned as a float.
  NaN, ±infinity, non-numeric strings and booleans are refused.
- ``bool``: only true/false - JSON booleans or the strings ``"true"`` /
  ``"false"`` in any case.  ``1``, ``"1"``, ``"yes"`` are refused.
- ``string``: must be a str; surrounding whitespace is stripped; at most
  2048 characters.  Options match case-sensitively, except fields marked
  ``ignore_case`` (``log_level``: ``"debug"`` → ``"DEBUG"``).  Fields marked
  ``dynamic_options`` (the four model fields) also accept the extra values
  the caller passes (models the configured providers serve).  Fields marked
  ``url`` must be http(s) URLs with a host.
- Ranges are inclusive.

Cross-field rules (``catalogue.CROSS_FIELD_RULES``, pairs ``left ≤ right``)
are checked by ``validate_batch`` on the configuration as it would be after
the batch; a broken rule puts an error on each of its fields in the batch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from resync_app.config.catalogue import CROSS_FIELD_RULES, FIELDS, FieldSpec

MAX_STRING_LENGTH = 2048
_MAX_NUMBER_TEXT = 100
_INT_RE = re.compile(r"[+-]?\d+", re.ASCII)
_NUM_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class FieldError(ValueError):
    """A value refused for one field; ``str(exc)`` is the human message."""


# --- display helpers ---------------------------------------------------------


def _show(raw: Any) -> str:
    """A short, JSON-flavoured rendering of a submitted value for messages."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    try:
        text = repr(raw)
    except ValueError:  # ints too long to render
        return "a very large number"
    return text if len(text) <= 60 else text[:57] + "..."


def _range_text(spec: FieldSpec) -> str:
    lo, hi = spec.min_value, spec.max_value
    if lo is not None and hi is not None:
        return f" between {lo!r} and {hi!r}"
    if lo is not None:
        return f" of at least {lo!r}"
    if hi is not None:
        return f" of at most {hi!r}"
    return ""


# --- per-type coercion -------------------------------------------------------


def _to_number(raw: Any) -> int | float | None:
    """A finite int/float from a JSON number or numeric string, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else None
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > _MAX_NUMBER_TEXT:
            return None
        if _INT_RE.fullmatch(text):
            return int(text)
        if _NUM_RE.fullmatch(text):
            value = float(text)
            return value if math.isfinite(value) else None
    return None


def _check_range(spec: FieldSpec, value: int | float) -> None:
    if spec.min_value is not None and value < spec.min_value:
        raise FieldError(f"must be at least {spec.min_value!r} (got {_show(value)})")
    if spec.max_value is not None and value > spec.max_value:
        raise FieldError(f"must be at most {spec.max_value!r} (got {_show(value)})")


def _coerce_int(spec: FieldSpec, raw: Any) -> int:
    number = _to_number(raw)
    if isinstance(number, float):
        number = int(number) if number.is_integer() else None
    if number is None:
        raise FieldError(f"must be an integer{_range_text(spec)} (got {_show(raw)})")
    _check_range(spec, number)
    return number


def _coerce_float(spec: FieldSpec, raw: Any) -> float:
    number = _to_number(raw)
    if number is None:
        raise FieldError(f"must be a number{_range_text(spec)} (got {_show(raw)})")
    _check_range(spec, number)  # before float(): huge ints would overflow
    return float(number)


def _coerce_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise FieldError(f"must be true or false (got {_show(raw)})")


def _is_http_url(value: str) -> bool:
    if not value.isprintable() or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _allowed_options(spec: FieldSpec, extra: Iterable[str]) -> list[str]:
    allowed = list(spec.options or ())
    if spec.dynamic_options:
        for option in extra:
            if isinstance(option, str) and option.strip() and option.strip() not in allowed:
                allowed.append(option.strip())
    return allowed


def _coerce_string(spec: FieldSpec, raw: Any, extra: Iterable[str]) -> str:
    allowed = _allowed_options(spec, extra) if spec.options is not None else None
    if allowed is not None:
        expected = "must be one of: " + ", ".join(allowed)
    elif spec.url:
        expected = f"must be an http(s) URL with a host, e.g. {spec.default}"
    else:
        expected = "must be a string"
    if not isinstance(raw, str):
        raise FieldError(f"{expected} (got {_show(raw)})")
    if "\x00" in raw:
        raise FieldError("must not contain NUL characters")
    value = raw.strip()
    if len(value) > MAX_STRING_LENGTH:
        raise FieldError(f"must be at most {MAX_STRING_LENGTH} characters (got {len(value)})")
    if allowed is not None:
        if value in allowed:
            return value
        if spec.ignore_case:
            for option in allowed:
                if option.casefold() == value.casefold():
                    return option
        raise FieldError(f"{expected} (got {_show(raw)})")
    if spec.url and not _is_http_url(value):
        raise FieldError(f"{expected} (got {_show(raw)})")
    return value


def coerce(spec: FieldSpec, raw: Any, extra_options: Iterable[str] = ()) -> Any:
    """``raw`` converted to ``spec``'s type and checked, or ``FieldError``.

    ``extra_options`` are accepted in addition to ``spec.options`` when the
    field has ``dynamic_options`` (ignored otherwise).
    """
    if spec.type == "int":
        return _coerce_int(spec, raw)
    if spec.type == "float":
        return _coerce_float(spec, raw)
    if spec.type == "bool":
        return _coerce_bool(raw)
    return _coerce_string(spec, raw, extra_options)


# --- batches and cross-field rules -------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_cross_field(
    config: Mapping[str, Any], batch: Iterable[str] = (), skip: Iterable[str] = ()
) -> dict[str, str]:
    """Errors of ``CROSS_FIELD_RULES`` broken in ``config`` (missing fields = defaults).

    Each broken rule yields an error on each of its fields in ``batch`` (on its
    left field if none is).  Rules involving a field in ``skip`` (already
    invalid) are not checked.
    """
    batch, skip = set(batch), set(skip)
    errors: dict[str, str] = {}
    for left, right in CROSS_FIELD_RULES:
        if left in skip or right in skip:
            continue
        lval = config.get(left, FIELDS[left].default)
        rval = config.get(right, FIELDS[right].default)
        if not (_is_number(lval) and _is_number(rval)) or lval <= rval:
            continue
        messages = {left: f"must be at most {right} ({_show(rval)})",
                    right: f"must be at least {left} ({_show(lval)})"}
        targets = [name for name in (left, right) if name in batch] or [left]
        for name in targets:
            errors[name] = f"{errors[name]}; {messages[name]}" if name in errors else messages[name]
    return errors


def validate_batch(
    updates: Mapping[str, Any],
    current: Mapping[str, Any],
    extra_options: Mapping[str, Iterable[str]] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce every update and check cross-field rules on ``current`` + batch.

    Returns ``(coerced values of the updates that passed their own checks,
    {field: message})``; all problems are reported at once.  The batch is
    acceptable iff the errors are empty.
    """
    extra_options = extra_options or {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in updates.items():
        spec = FIELDS.get(name)
        if spec is None:
            errors[name] = "unknown field"
            continue
        try:
            values[name] = coerce(spec, raw, extra_options.get(name, ()))
        except FieldError as exc:
            errors[name] = str(exc)
    after = {**current, **values}
    for name, message in check_cross_field(after, batch=values, skip=errors).items():
        errors[name] = message
    return values, errors


# --- documentation -----------------------------------------------------------


def _rule_chains() -> list[list[str]]:
    chains: list[list[str]] = []
    for left, right in CROSS_FIELD_RULES:
        if chains and chains[-1][-1] == left:
            chains[-1].append(right)
        else:
            chains.append([left, right])
    return chains


def describe_rules() -> str:
    """A markdown paragraph describing the coercion and cross-field rules."""
    def names(flag: str) -> str:
        return ", ".join(f"`{f.name}`" for f in FIELDS.values() if getattr(f, flag))

    rules = "; ".join(" ≤ ".join(f"`{n}`" for n in chain) for chain in _rule_chains())
    return (
        "**Values.** Integer fields take a whole number or a string holding one "
        "(`30`, `\"30\"`, `30.0`); `30.5`, `\"abc\"` and booleans are refused. "
        "Decimal fields take any finite number or numeric string (NaN and infinity are refused). "
        "Boolean fields take only `true` or `false` (JSON booleans, or those words in any case); "
        "`1`, `\"1\"` and `\"yes\"` are refused. "
        f"Text fields take a string of at most {MAX_STRING_LENGTH} characters, "
        "with surrounding whitespace removed. "
        f"Options are matched exactly, except {names('ignore_case')}, which is matched in any case "
        "and saved in the listed spelling (`debug` → `DEBUG`); "
        f"{names('dynamic_options')} also accept the models the configured LLM providers serve. "
        f"{names('url')} must be http(s) URLs with a host. Ranges are inclusive. "
        "**Cross-field rules**, checked on the configuration as it would be after the update: "
        f"{rules}."
    )
