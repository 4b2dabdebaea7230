"""No `eval` needed (issue 19): the Content-Security-Policy has no 'unsafe-eval', server toasts still show, and
/api/docs works from this server's own files.

- A toast returned by an admin handler (LiteLLM "Refresh") and by an operator page's load (/monitoring?job=… for a
  job not in the plan) shows, with no CSP violation, and no websocket frame carries code (`_call_function`,
  `_call_script`); a reload does not show the last toast again.
- /api/docs draws Swagger UI with no CSP violation and no request to another origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import frames_text, save_shot, wait_hydrated

# CSP violations, and the text of every toast that appears (Sonner's list items), in order.
_WATCH = r"""
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
window.__toasts = [];
const seenToasts = new WeakSet();
new MutationObserver(() => {
  for (const toast of document.querySelectorAll('[data-sonner-toast]')) {
    if (!seenToasts.has(toast)) { seenToasts.add(toast); window.__toasts.push(toast.textContent.trim()); }
  }
}).observe(document, {subtree: true, childList: true});
"""


def _toasts(pg) -> list[str]:
    return pg.evaluate("window.__toasts")


def test_admin_toasts_show_without_eval_and_are_not_shown_again(signed_in_page, live_server, request):
    page = signed_in_page
    page.add_init_script(_WATCH)
    page.goto("/admin/litellm")
    wait_hydrated(page)
    policy = live_server.api("GET", "/admin/litellm").headers["content-security-policy"]
    assert "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    refresh = page.get_by_role("button", name="Refresh", exact=True)
    refresh.click()
    toast = page.locator("[data-sonner-toast]", has_text="Refreshed.")
    expect(toast).to_be_visible()
    assert _toasts(page) == ["Refreshed."]  # the observer sees toasts
    save_shot(page, "toast-refreshed", request)
    assert page.evaluate("window.__csp") == []
    received = frames_text(page.ws_frames, "received")
    assert "_call_function" not in received and "_call_script" not in received  # data came, not code
    page.reload()
    wait_hydrated(page)
    expect(refresh).to_be_visible()
    assert _toasts(page) == []  # the tab's last toast came back with its state: not shown again
    refresh.click()
    expect(toast).to_be_visible()
    assert _toasts(page) == ["Refreshed."]
    assert page.evaluate("window.__csp") == []


def test_an_operator_page_load_toast_shows(page, live_server, request):
    live_server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": None, "instances": []})
    page.add_init_script(_WATCH)
    page.goto("/monitoring?job=NO_SUCH_JOB")
    wait_hydrated(page)
    expect(page.locator("[data-sonner-toast]", has_text="not in the current plan")).to_be_visible()
    assert page.evaluate("window.__csp") == []
    assert "_call_function" not in frames_text(page.ws_frames, "received")


def test_api_docs_work_from_this_server_alone(page, live_server, request):
    origins: set[str] = set()
    page.on("request", lambda req: origins.add("{0.scheme}://{0.netloc}".format(urlsplit(req.url))))
    page.add_init_script(_WATCH)
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Resync console API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    health = page.locator(".swagger-ui .opblock", has=page.locator("[data-path='/api/v1/health']")).first
    health.locator(".opblock-summary").first.click()  # an operation opens (Swagger UI runs under the policy)
    expect(health.locator(".opblock-body")).to_be_visible()
    save_shot(page, "api-docs", request)
    assert page.evaluate("window.__csp") == []
    assert origins == {live_server.base_url}, origins
