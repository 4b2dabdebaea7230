"""Text Resync did not write never becomes code (issue 15 item 1, CONTRACT §11), in headless Chromium against the
production build:

(a) a model answer (the loopback OpenAI-compatible provider) and a knowledge document (the loopback RAG service,
    shown by the fast path) carrying `<iframe srcdoc="<script>…">`, `<script>`, `<img onerror>`, a `javascript:`
    link and a remote image: none becomes an element, runs (a global flag stays unset, no admin is created through
    POST /api/v1/ui/users while an admin reads the answer) or is fetched (the loopback pixel server sees nothing);
(b) every page (CONTRACT §3 and every /admin sub-route), its assets and the API answer with a Content-Security-
    Policy without inline/remote script, and every page still hydrates under it with no CSP violation (Plotly
    charts drawn on the chart pages).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.assistant.rag_server import FakeRagServer
from tests.browser.conftest import wait_hydrated
from tests.browser.llm_provider import openai_provider
from tests.fakes.llm_server import Behavior

KEY = "rk-untrusted-text-0001"
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo"]
SLOW_MS = 45_000
CONTRACT_PAGES = ["/login", "/admin", "/", "/monitoring", "/realtime-dashboard", "/metrics/dashboard"]
CHART_PAGES = {"/metrics/dashboard", "/admin/litellm-analytics"}

# Records what the page could have run: CSP violations and a global flag any payload would set.
_WATCH = r"""
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


class PixelServer:
    """A loopback server that records every request (what a remote image or beacon would hit)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PixelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def payload(pixel_url: str, who: str) -> str:
    """Markdown with every way text could turn into code (under the 600 characters a RAG snippet keeps): each way
    would set `window.__pwned`, the frame would also create the admin `pwned_<who>`."""
    takeover = ("fetch('/api/v1/ui/users',{method:'POST',headers:{'Content-Type':'application/json'},"
                f"body:JSON.stringify({{username:'pwned_{who}',password:'Pwned-pass-1234',role:'admin'}})}})")
    return (
        f"Answer from the {who}.\n\n"
        f"<iframe srcdoc=\"<script>parent.__pwned='iframe';{takeover}</script>\"></iframe>\n\n"
        "<script>window.__pwned='script'</script>\n\n"
        "<img src=x onerror=\"window.__pwned='img'\">\n\n"
        "[click me](javascript:window.__pwned='link') [data](data:text/html,<script>alert(1)</script>)\n\n"
        f"![tracking pixel]({pixel_url}/pixel.png?from={who})\n\n"
        "A fine link: [HCL docs](https://help.hcl-software.com/workload-automation)\n\n"
        "[elsewhere](//evil.example/x) [also elsewhere](/\\evil.example/y) [in the app](/monitoring)\n"
    )


@pytest.fixture(scope="module")
def pixel():
    with PixelServer() as server:
        yield server


@pytest.fixture(scope="module")
def hostile_provider(live_server, pixel):
    behavior = Behavior(reply=payload(pixel.url, "model"), prompt_tokens=50, completion_tokens=60)
    with openai_provider(live_server, KEY, MODELS, behavior) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_rag(live_server, pixel):
    with FakeRagServer() as rag:
        rag.results = [{"id": "kb-evil", "title": "Runbook <img src=x onerror=\"window.__pwned='title'\">",
                        "text": payload(pixel.url, "rag"), "score": 9},
                       {"id": "kb-2", "title": f"![also]({pixel.url}/also.png) <b>bold</b>", "text": "x", "score": 1}]
        live_server.config_update({"rag_service_url": rag.url})
        yield rag
        live_server.reset_config()


def _ask(page, question: str):
    before = page.locator(".chat-assistant").count()
    page.locator("#chat-question").fill(question)
    page.locator("#chat-send").click()
    answer = page.locator(".chat-assistant").nth(before)
    expect(answer.locator(".chat-footer")).not_to_be_empty(timeout=SLOW_MS)
    return answer


def _users(live_server) -> set[str]:
    return {u["username"] for u in live_server.get_json("/api/v1/admin/users")}


def _assert_inert(page, answer, who: str, pixel, requests: list[str]) -> None:
    """Nothing of `payload(…, who)` became an element, ran or was fetched. The model's Markdown is rendered (its
    image shows as alt text); the knowledge service's text is escaped first, so its Markdown shows as written."""
    text = answer.locator(".chat-answer-text")
    expect(text).to_contain_text(f"Answer from the {who}.")
    # nothing became an element: no frame, script, image, object anywhere on the page; no event attribute
    for selector in ("iframe", "frame", "object", "embed", "img[src='x']", "[onerror]", "[srcdoc]"):
        assert page.locator(selector).count() == 0, selector
    assert text.locator("script").count() == 0 and text.locator("img").count() == 0
    # raw HTML is shown as the text it is
    expect(text).to_contain_text("<script>window.__pwned='script'</script>")
    expect(text).to_contain_text("<iframe srcdoc=")
    if who == "model":
        expect(text).to_contain_text("[image: tracking pixel]")
    else:
        expect(text).to_contain_text("![tracking pixel](")
    # links: only http(s) and this site's own paths, with rel=noopener noreferrer nofollow; the others (javascript:,
    # data:, protocol-relative //host) are text without an href
    links = text.locator("a").evaluate_all("els => els.map(a => [a.textContent, a.getAttribute('href'), a.rel])")
    assert any(href == "https://help.hcl-software.com/workload-automation" for _, href, _ in links), links
    assert all(href is None or re.match(r"^(?:https?://|/(?![/\\]))", href) for _, href, _ in links), links
    if who == "model":  # an in-app path stays a link (the knowledge service's Markdown is shown as written)
        assert ["in the app", "/monitoring"] in [[text, href] for text, href, _ in links], links
    origins = text.locator("a[href]").evaluate_all("els => els.map(a => new URL(a.href).host)")
    assert "evil.example" not in origins, origins  # no protocol-relative link leaves the site
    assert all(rel == "noopener noreferrer nofollow" for _, href, rel in links if href), links
    assert page.locator("a[href^='javascript' i], a[href^='data' i]").count() == 0
    # nothing ran, nothing was fetched
    assert page.evaluate("window.__pwned") is None
    assert not [r for r in requests if r.startswith(pixel.url)], requests
    assert pixel.requests == []


def test_model_and_knowledge_answers_never_become_code(signed_in_page, live_server, pixel, hostile_provider,
                                                       hostile_rag, screenshot):
    """An admin reads both answers: no element, no script, no fetch, no new admin."""
    page = signed_in_page
    page.add_init_script(_WATCH)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    users_before = _users(live_server)
    page.goto("/")
    wait_hydrated(page)
    page.locator("#chat-new").click()

    from_model = _ask(page, "why is the whole plan so slow tonight?")
    assert hostile_provider.requests, "the question did not reach the model"
    _assert_inert(page, from_model, "model", pixel, requests)

    from_rag = _ask(page, "what does ABEND mean?")
    expect(from_rag.locator(".chat-footer")).to_have_text("answered from the knowledge base, no model used")
    expect(from_rag).to_contain_text("From the knowledge service (RAG)")
    assert hostile_rag.searches(), "the question did not reach the knowledge service"
    _assert_inert(page, from_rag, "rag", pixel, requests)
    expect(from_rag).to_contain_text("Runbook <img src=x")  # the title too, as text
    screenshot("hostile-answers-as-text")

    # after a reload (the answers come back from the database) it is still only text
    page.reload()
    wait_hydrated(page)
    expect(page.locator(".chat-assistant")).to_have_count(2)
    for index, who in enumerate(("model", "rag")):
        _assert_inert(page, page.locator(".chat-assistant").nth(index), who, pixel, requests)
    assert _users(live_server) == users_before
    assert page.evaluate("window.__csp") == []


# ---- Content-Security-Policy ---------------------------------------------------------------------------


def _routes() -> list[str]:
    import resync_app.resync_app as app_module

    pages = {"/" if route == "index" else "/" + route for route in app_module.app._unevaluated_pages}
    assert set(CONTRACT_PAGES) <= pages, pages
    admin = sorted(p for p in pages if p.startswith("/admin/"))
    assert len(admin) >= 9, admin
    return CONTRACT_PAGES + admin


def _directives(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


def _check_policy(header: str | None, where: str, port: int) -> None:
    assert header, f"{where}: no Content-Security-Policy"
    d = _directives(header)
    scripts = d.get("script-src", [])
    assert scripts[:2] == ["'self'", "'unsafe-eval'"], f"{where}: {header}"  # eval: Reflex's server-sent toasts
    assert all(s.startswith("'sha256-") for s in scripts[2:]), f"{where}: script-src {scripts}"  # no host, no inline
    assert d.get("frame-src") == ["'none'"] and d.get("object-src") == ["'none'"], where
    assert d.get("base-uri") == ["'self'"] and d.get("form-action") == ["'self'"], where
    assert d.get("img-src") == ["'self'", "data:"], where
    assert d.get("default-src") == ["'self'"], where
    connect = d.get("connect-src", [])
    # the page's own origin, and the origins the build's event socket and pings use (this server, under the name
    # the build knows it by)
    assert connect[0] == "'self'" and all(re.match(rf"^(ws|http)s?://(127\.0\.0\.1|localhost):{port}$", c)
                                          for c in connect[1:]), f"{where}: connect-src {connect}"


def test_every_page_asset_and_api_answer_has_the_policy(live_server):
    routes, port = _routes(), live_server.port
    with httpx.Client(base_url=live_server.base_url, timeout=30, follow_redirects=True) as client:
        for route in routes:
            answer = client.get(route)
            assert answer.status_code == 200 and "text/html" in answer.headers["content-type"], route
            for hop in answer.history:  # /login → /login/: the redirect carries the policy too
                _check_policy(hop.headers.get("content-security-policy"), f"{route} ({hop.status_code})", port)
            _check_policy(answer.headers.get("content-security-policy"), route, port)
            assert answer.headers.get("x-content-type-options") == "nosniff", route
            # every inline script of the page is allowed by its hash (or the page would not start)
            from resync_app.web.csp import script_hashes

            allowed = set(_directives(answer.headers["content-security-policy"])["script-src"])
            missing = set(script_hashes(answer.content)) - allowed
            assert not missing, f"{route}: inline scripts not in the policy: {missing}"
        page = client.get("/")
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', page.text)
        assert assets, "no bundle asset in the page"
        for asset in assets[:3]:
            _check_policy(client.get(asset).headers.get("content-security-policy"), asset, port)
        for path in ("/api/v1/health", "/no-such-page", "/favicon.ico"):
            _check_policy(client.get(path).headers.get("content-security-policy"), path, port)
        docs = client.get("/api/docs").headers.get("content-security-policy", "")
        assert "frame-src 'none'" in docs and "'unsafe-inline'" not in _directives(docs)["script-src"]


def test_every_page_works_under_the_policy_without_violations(signed_in_page, live_server):
    """Signed in as an admin (so the admin pages render, not the login redirect), each page hydrates (the event
    websocket works under connect-src), shows its content and reports no CSP violation; the chart pages draw
    their Plotly charts."""
    page = signed_in_page
    page.add_init_script(_WATCH)
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    for route in _routes():
        page.goto(route)
        wait_hydrated(page)
        expect(page.locator("h1:visible").first).to_be_visible()  # the page rendered (its title)
        if route in CHART_PAGES:
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=SLOW_MS)
        assert page.evaluate("window.__csp") == [], f"{route}: {page.evaluate('window.__csp')}"
        assert page.evaluate("window.__pwned") is None
    assert console == [], console
    # the policy is enforced, not only sent: an inline script put into the page is refused and reported
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = \"window.__pwned = 'x'\";"
                  " document.body.appendChild(s); }")
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("window.__pwned") is None and "script-src" in page.evaluate("window.__csp")[0]
