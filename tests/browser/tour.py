"""A walk through every page as a new operator (signed out) and a new admin would see it: 1400 px and 390 px,
light and dark, one full-page screenshot each (test-results/tour/<width>-<scheme>/<page>.png), plus what the
browser reported (console errors, CSP violations, sideways overflow) in test-results/tour/report.json.

Not a test (it takes minutes): `python -m tests.browser.tour` before a release or after a UI change, then look at
the pictures. The server, its two simulated TWS instances and its LLM ledger are those of `bench/ui_latency.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.ui_latency import _instances, _server, browser_context
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, sideways_overflow, wait_hydrated

OUT = ROOT / "test-results" / "tour"
OPERATOR_PAGES = ("/", "/monitoring", "/realtime-dashboard", "/metrics/dashboard", "/login")
ADMIN_PAGES = ("/admin", "/admin/teams", "/admin/tws", "/admin/system", "/admin/litellm", "/admin/health",
               "/admin/proactive", "/admin/litellm-analytics", "/admin/learning", "/admin/users", "/admin/audit")
VIEWPORTS = {"1400": {"viewport": {"width": 1400, "height": 900}},
             "390": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                     "has_touch": True}}
_WATCH = r"""
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' +
                                                                            (e.blockedURI || '')));
"""


def _visit(context, server, pages, folder: Path, report: dict) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    for path in pages:
        errors.clear()
        page.goto(server.url(path))
        wait_hydrated(page)
        page.wait_for_timeout(2500)  # live parts (charts, pushes) settle before the picture
        name = path.strip("/").replace("/", "-") or "chat"
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        overflow = sideways_overflow(page)
        report[f"{folder.name}/{name}"] = {"console_errors": list(errors), "csp": page.evaluate("window.__csp"),
                                           "overflow": overflow["offenders"][:5]}
    page.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    report: dict = {}
    with _server() as server, _instances(server):
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for width, options in VIEWPORTS.items():
                    for scheme in ("light", "dark"):
                        folder = OUT / f"{width}-{scheme}"
                        folder.mkdir(parents=True, exist_ok=True)
                        print(f"  {width} px, {scheme}", flush=True)
                        operator, _ = browser_context(browser, server, _WATCH, color_scheme=scheme, **options)
                        _visit(operator, server, OPERATOR_PAGES, folder, report)
                        operator.close()
                        admin, login = browser_context(browser, server, _WATCH, sign_in=True, color_scheme=scheme,
                                                       **options)
                        login.close()
                        _visit(admin, server, ADMIN_PAGES, folder, report)
                        admin.close()
            finally:
                browser.close()
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    problems = {k: v for k, v in report.items() if any(v.values())}
    print(json.dumps(problems, indent=2))
    print(f"screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
