"""NUL characters and odd numbers where text enters (issue 10, item 9): the pure parts."""

from __future__ import annotations

import pytest

from resync_app.api.input_guard import has_nul
from resync_app.config.catalogue import FIELDS
from resync_app.config.validation import FieldError, coerce
from resync_app.state.input_filter import strip_nul
from resync_app.state.session import login_message


@pytest.mark.parametrize("retry", ["²", "٣", "1e3", "-5", "9" * 40, "", "abc", "60 "])
def test_the_login_page_message_never_fails_on_what_the_url_says(retry):
    assert login_message("locked", retry) == ("Too many failed sign-ins for this username. Try again in about "
                                             "15 minute(s).")


def test_the_login_page_message_uses_a_plain_number_of_seconds():
    assert "about 2 minute(s)" in login_message("locked", "120")
    assert "about 1 minute(s)" in login_message("locked", "5")


def test_websocket_payloads_lose_their_nul_characters():
    assert strip_nul({"value": "a\x00b", "form": {"k\x00": ["x\x00", 1, None]}}) == {
        "value": "ab", "form": {"k": ["x", 1, None]}}


def test_has_nul_looks_everywhere():
    assert has_nul({"a": [{"b": "c\x00"}]}) and has_nul({"a\x00": 1}) and not has_nul({"a": ["b", 1, None]})


def test_a_configuration_string_with_nul_is_refused():
    with pytest.raises(FieldError, match="NUL"):
        coerce(FIELDS["rag_service_url"], "http://rag.example/a\x00b")
