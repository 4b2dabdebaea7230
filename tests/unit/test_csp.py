"""The Content-Security-Policy (`resync_app/web/csp.py`): hashes of the build's inline scripts, recomputed when the
build changes, the event socket's origins from env.json, the header on every API answer; and no page source uses
what the policy forbids or what turns text into HTML (the browser test checks the pages themselves)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

from resync_app.web import csp

ROOT = Path(__file__).resolve().parents[2]


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_inline_scripts_are_hashed_and_scripts_with_src_are_not():
    html = (b"<html><head><script>window.a=1</script><script type=\"module\" async>import '/x.js';</script>"
            b"<script src=\"/assets/app.js\"></script><SCRIPT>window.a=1</SCRIPT></head></html>")
    assert csp.script_hashes(html) == [_sha("window.a=1"), _sha("import '/x.js';")]


def test_the_build_policy_follows_the_build(tmp_path):
    static, env_json = tmp_path / "client", tmp_path / "env.json"
    static.mkdir()
    (static / "index.html").write_text("<script>one()</script>")
    (static / "admin").mkdir()
    (static / "admin" / "users.html").write_text("<script>two()</script><script>one()</script>")
    env_json.write_text(json.dumps({"EVENT": "ws://localhost:8000/_event", "PING": "http://localhost:8000/ping",
                                    "TRANSPORT": "websocket", "TEST_MODE": False}))
    build = csp.BuildPolicy(static, env_json)
    value = build.value()
    script_src = re.search(r"script-src ([^;]*)", value).group(1).split()
    assert script_src[0] == "'self'" and "'unsafe-eval'" not in value  # no code strings evaluated (issue 19)
    assert sorted(script_src[1:]) == sorted([_sha("one()"), _sha("two()")])
    assert "connect-src 'self' ws://localhost:8000 http://localhost:8000;" in value
    for directive in ("frame-src 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
                      "img-src 'self' data:", "default-src 'self'"):
        assert directive in value
    assert "'unsafe-inline'" not in value.split("style-src")[0] and "http" not in value.split("style-src")[0]
    # a rebuild replaces the directory: the new pages' scripts are allowed, the old ones no longer
    shutil.rmtree(static)
    static.mkdir()
    (static / "index.html").write_text("<script>three()</script>")
    assert re.search(r"script-src ([^;]*)", build.value()).group(1).split() == ["'self'", _sha("three()")]
    shutil.rmtree(static)  # no build at all (backend only): the bundle alone
    assert re.search(r"script-src ([^;]*)", build.value()).group(1).split() == ["'self'"]


def test_a_page_that_vanishes_during_a_rebuild_is_skipped_not_a_500(tmp_path):
    static, env_json = tmp_path / "client", tmp_path / "env.json"
    static.mkdir()
    (static / "index.html").write_text("<script>one()</script>")
    (static / "gone.html").symlink_to(tmp_path / "removed-by-the-rebuild.html")  # listed, but reading it fails
    value = csp.BuildPolicy(static, env_json).value()
    assert re.search(r"script-src ([^;]*)", value).group(1).split() == ["'self'", _sha("one()")]


def test_every_api_answer_has_the_headers(api):
    for path, status in (("/api/v1/health", 200), ("/api/v1/no-such-route", 404), ("/api/v1/admin/users", 401)):
        answer = api.get(path)
        assert answer.status_code == status, path
        assert "frame-src 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-content-type-options"] == "nosniff", path
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert docs.headers["content-security-policy"] == api.get("/api/v1/health").headers["content-security-policy"]
    assert re.findall(r"<script>(.*?)</script>", docs.text, re.S) == []  # no inline script to allow
    assert "http" not in docs.text  # Swagger UI from this server, not from a CDN
    sources = re.findall(r'(?:src|href)="(/[^"]+)"', docs.text)
    assert "/api/docs/assets/swagger-ui-bundle.js" in sources and "/api/docs/start.js" in sources
    for source in (s for s in sources if s.startswith("/api/")):  # the files the page names are served here
        answer = api.get(source)
        assert answer.status_code == 200 and answer.content, source
    assert "SwaggerUIBundle(" in api.get("/api/docs/start.js").text and "/api/openapi.json" in api.get(
        "/api/docs/start.js").text
    assert api.get("/api/docs/assets/index.html").status_code == 404  # the package's files, but only those two


def test_no_page_source_renders_raw_html_or_evaluates_strings():
    """`rx.markdown` renders raw HTML, `rx.html` is HTML, `rx.call_script` and a server handler's `rx.toast…` need
    eval (refused by the policy): pages use `safe_markdown` and `call_js`, handlers `state.toast`, instead."""
    offenders = []
    for path in (ROOT / "resync_app").rglob("*.py"):
        if "tws_simulator" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(?<!`)rx\.(markdown|html|call_script|script)\(|(?<!`)rx\.toast\b|dangerouslySetInnerHTML|"
                         r"_call_script", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
