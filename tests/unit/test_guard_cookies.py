"""The guard finds the session cookie in a Cookie header however badly the other cookies are formed (issue 10,
item 6): browsers send whatever other apps on the host set, and one malformed cookie must not hide ours."""

from __future__ import annotations

import pytest

from resync_app.auth.sessions import SESSION_COOKIE
from resync_app.state.guard import session_token

TOKEN = "Zx8-9_abcDEF0123456789"


@pytest.mark.parametrize("header", [
    f"{SESSION_COOKIE}={TOKEN}",
    f"prefs=a b; {SESSION_COOKIE}={TOKEN}",
    f'theme="dark; {SESSION_COOKIE}={TOKEN}; other=1',
    f"a=\\x; {SESSION_COOKIE}={TOKEN}",
    f"junk; ;=; {SESSION_COOKIE}={TOKEN}",
    f"{SESSION_COOKIE}={TOKEN}; tracking=[1,2,3]",
    f"x=é; {SESSION_COOKIE}={TOKEN}",
])
def test_the_session_cookie_survives_malformed_neighbours(header):
    assert session_token(header) == TOKEN


@pytest.mark.parametrize("header", ["", "prefs=a b", f"{SESSION_COOKIE}=", f"not_{SESSION_COOKIE}={TOKEN}"])
def test_no_session_cookie_means_none(header):
    assert session_token(header) is None
