"""The app's own origins (issue 10, item 7): RESYNC_PUBLIC_URL, or those of RESYNC_HOST:RESYNC_PORT."""

from __future__ import annotations

import socket

import pytest

from resync_app.settings import allowed_origins_from, origin_of


def test_default_is_the_loopback_origins_of_host_and_port():
    public, origins = allowed_origins_from({"RESYNC_HOST": "127.0.0.1", "RESYNC_PORT": "8123"})
    assert public == () and origins == ("http://127.0.0.1:8123", "http://localhost:8123", "http://[::1]:8123")
    assert allowed_origins_from({})[1][0] == "http://127.0.0.1:8000"


def test_a_named_host_is_its_own_origin_only():
    assert allowed_origins_from({"RESYNC_HOST": "console.example", "RESYNC_PORT": "9000"})[1] == (
        "http://console.example:9000",)


def test_all_interfaces_add_the_machine_names():
    origins = allowed_origins_from({"RESYNC_HOST": "0.0.0.0", "RESYNC_PORT": "8000"})[1]
    assert "http://localhost:8000" in origins and f"http://{socket.gethostname().lower()}:8000" in origins


def test_public_url_replaces_the_default_and_is_normalised():
    public, origins = allowed_origins_from({"RESYNC_HOST": "127.0.0.1", "RESYNC_PORT": "8000",
                                            "RESYNC_PUBLIC_URL": "https://Resync.Example.com/, http://10.0.0.5:8000/x"})
    assert public == origins == ("https://resync.example.com", "http://10.0.0.5:8000")


@pytest.mark.parametrize("bad", ["ftp://x.example", "resync.example", "http://"])
def test_a_public_url_that_is_not_http_stops_the_start(bad):
    with pytest.raises(SystemExit):
        allowed_origins_from({"RESYNC_PUBLIC_URL": bad})


@pytest.mark.parametrize("url,origin", [("http://a.example:80/", "http://a.example"),
                                        ("https://a.example:443", "https://a.example"),
                                        ("HTTP://A.example:8080", "http://a.example:8080"),
                                        ("null", None), ("http://a.example:99999", None)])
def test_origin_of(url, origin):
    assert origin_of(url) == origin
