"""No state var that reaches the browser may hold a secret: checked on every state of the app, names and the
fields of the types they carry (the browser tests check the actual websocket frames too)."""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest

SECRETISH = re.compile(r"password|passwd|hash|token|secret|api_?key|cookie|credential|webhook", re.IGNORECASE)
ALLOWED = {"key_hint", "needs_key", "key_source", "tokens", "prompt_tokens", "completion_tokens", "tokens_used",
           "max_tokens", "max_output_tokens", "total_tokens", "avg_tokens", "tokens_label", "tokens_per_day"}


def _states():
    import resync_app.resync_app  # noqa: F401  (registers every page's state)
    from reflex.state import State

    def walk(state):
        yield state
        for sub in state.get_substates():
            yield from walk(sub)

    found = [s for s in walk(State) if s.get_full_name().startswith("reflex___state____state.resync_app")]
    return sorted(found, key=lambda s: s.get_full_name())  # one order in every process (pytest-xdist workers)


def _field_names(tp, seen=None) -> set[str]:
    """Field names of dataclasses (and pydantic models) inside a var's type, recursively."""
    seen = seen or set()
    names: set[str] = set()
    for arg in typing.get_args(tp) or ():
        names |= _field_names(arg, seen)
    if dataclasses.is_dataclass(tp) and tp not in seen:
        seen.add(tp)
        for f in dataclasses.fields(tp):
            names.add(f.name)
            names |= _field_names(f.type if not isinstance(f.type, str) else typing.get_type_hints(tp)[f.name], seen)
    return names


def test_app_has_states():
    assert len(_states()) >= 3


@pytest.mark.parametrize("state", _states(), ids=lambda s: s.__name__)
def test_public_vars_hold_no_secrets(state):
    public = dict(state.base_vars) | dict(state.computed_vars)
    for name, var in public.items():
        assert name in ALLOWED or not SECRETISH.search(name), f"{state.__name__}.{name} looks like a secret"
        for field in _field_names(var._var_type):
            assert field in ALLOWED or not SECRETISH.search(field), f"{state.__name__}.{name}.{field} looks secret"
