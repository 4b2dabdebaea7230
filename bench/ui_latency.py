"""Click → new data on screen: the latency of every filter, sort, page turn and tab switch, in headless Chromium.

The production server is started as `make run` does (`scripts/serve.sh`, its own data directory, a known admin
password: the browser tests' machinery in `tests/browser/conftest.py`), with two bundled HWA simulators as TWS
instances (the primary holds BENCH_UI_JOBS jobs, default 2 000) and a seeded LLM ledger. Each interaction is
clicked BENCH_UI_REPEATS times (default 20), alternating between two targets so that every click changes what the
page shows (e.g. the SUCC chip, then the HOLD chip).

What is timed happens inside the page, not through Playwright: `performance.now()` just before the element's
`click()`, then a MutationObserver until the DOM shows the new data (a predicate per target: the chip is active
AND every row has its status; the page label says 51–100; only the category's fields are visible …). A probe on
the page's WebSocket stamps every frame, which splits the time into
  - `send`: click → the event leaves on the websocket (Reflex's client queue);
  - `server`: → the first frame back (the event handler, its SQL, the state delta, the network);
  - `render`: the last frame → the DOM shows it (React);
and counts the bytes that came back (the size of the state delta). An interaction answered in the browser alone
sends nothing (`frames_out` = 0).

`python -m bench.ui_latency` → bench/results-ui-latency.json (also run by `make bench`). Goal: p50 ≤ 50 ms for
every interaction.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results-ui-latency.json"
GOAL_MS = 50.0
REPEATS = max(4, int(os.environ.get("BENCH_UI_REPEATS", "20")))
JOBS = max(200, int(os.environ.get("BENCH_UI_JOBS", "2000")))
TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1400, "height": 900}

# Stamps every websocket frame of the page (direction, time, size) in window.__uiFrames.
_FRAME_PROBE = r"""
(() => {
  if (window.__uiFrames) return;
  window.__uiFrames = [];
  const Native = window.WebSocket;
  const size = (d) => typeof d === 'string' ? d.length : (d && (d.byteLength || d.size)) || 0;
  class Stamped extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => window.__uiFrames.push({dir: 'in', t: performance.now(),
                                                                        n: size(ev.data)}));
    }
    send(data) { window.__uiFrames.push({dir: 'out', t: performance.now(), n: size(data)}); return super.send(data); }
  }
  window.WebSocket = Stamped;
})();
"""

# Clicks `selector` and resolves when `done()` holds; `before` is evaluated first (for predicates that compare).
_TIMED_CLICK = r"""
async ([selector, timeoutMs]) => {
  const el = document.querySelector(selector);
  if (!el) throw new Error('nothing matches ' + selector);
  const before = (%(before)s);
  const done = () => { try { return !!(%(predicate)s); } catch (e) { return false; } };
  if (done()) throw new Error('already showing what ' + selector + ' should bring');
  const frames = window.__uiFrames, first = frames.length;
  return await new Promise((resolve, reject) => {
    let t0 = 0, finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const t1 = performance.now();
      observer.disconnect();
      clearTimeout(timer);
      const seen = frames.slice(first).filter((f) => f.t <= t1);
      const out = seen.filter((f) => f.dir === 'out'), inn = seen.filter((f) => f.dir === 'in');
      resolve({total: t1 - t0, send: out.length ? out[0].t - t0 : null,
               first_in: inn.length ? inn[0].t - t0 : null, last_in: inn.length ? inn[inn.length - 1].t - t0 : null,
               frames_out: out.length, frames_in: inn.length, bytes_in: inn.reduce((s, f) => s + f.n, 0),
               bytes_out: out.reduce((s, f) => s + f.n, 0)});
    };
    const observer = new MutationObserver(() => { if (done()) finish(); });
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error('timed out: ' + selector)); },
                             timeoutMs);
    t0 = performance.now();
    el.click();
    if (done()) finish();  // answered synchronously (in the browser alone)
  });
}
"""


@dataclass
class Target:
    """One click and what the page shows once it has answered (a JavaScript expression)."""

    selector: str
    predicate: str
    before: str = "null"


@dataclass
class Interaction:
    name: str
    kind: str  # filter | sort | page | tab
    path: str
    admin: bool
    targets: list[Target]
    ready: str = "true"  # what the page shows once loaded (a JavaScript expression)
    samples: list[dict[str, Any]] = field(default_factory=list)


def _js(value: Any) -> str:
    return json.dumps(value)


def _rows_all(status: str) -> str:
    return (f"(() => {{ const rows = [...document.querySelectorAll('#jobs-table tbody tr')]; return rows.length > 0 "
            f"&& rows.every((r) => r.dataset.status === {_js(status)}); }})()")


def _chip(status: str) -> Target:
    return Target(f'[data-chip="{status}"]',
                  f"document.querySelector('[data-chip=\"{status}\"]').dataset.active === 'true' && {_rows_all(status)}")


def _visible_fields(names: list[str]) -> str:
    return (f"(() => {{ const shown = [...document.querySelectorAll('[data-field]')].filter((e) => e.offsetParent "
            f"!== null).map((e) => e.dataset.field).sort(); return JSON.stringify(shown) === "
            f"{_js(json.dumps(sorted(names), separators=(',', ':')))}; }})()")


def _item(root_id: str, position: int) -> str:
    return f"#{root_id} > button:nth-of-type({position})"


def _segment(root_id: str, position: int, changed_text_id: str | None = None) -> Target:
    """A segmented-control item (Radix renders no value attribute: its position): on, and the text of
    `changed_text_id` is no longer what it was."""
    selector = _item(root_id, position)
    on = f"document.querySelector({_js(selector)}).dataset.state === 'on'"
    if changed_text_id is None:
        return Target(selector, on)
    text = f"(document.querySelector('#{changed_text_id}') || {{}}).textContent"
    return Target(selector, f"{on} && {text} !== before", before=text)


def interactions(server, summary: dict, categories: list[dict]) -> list[Interaction]:
    """The interactions timed, with targets taken from what the server holds (the plan's two largest statuses,
    the configuration's first two categories)."""
    counts = sorted(((n, s) for s, n in summary["status_counts"].items() if n), reverse=True)
    first, second = counts[0][1], counts[1][1]
    cat_a, cat_b = categories[0], categories[1]
    fields = {c["name"]: [f["name"] for f in c["fields"]] for c in categories}
    label = "document.querySelector('#page-label').textContent"
    sorted_attr = "document.querySelector('[data-sort=start]').dataset.sorted"
    monitoring_ready = "document.querySelectorAll('#jobs-table tbody tr').length === 50"
    return [
        Interaction("monitoring: status chip", "filter", "/monitoring", False, [_chip(first), _chip(second)],
                    ready=monitoring_ready),
        Interaction("monitoring: sort by start", "sort", "/monitoring", False, [
            Target("[data-sort=start]", f"{sorted_attr} === 'desc'"),
            Target("[data-sort=start]", f"{sorted_attr} === 'asc'")], ready=monitoring_ready),
        Interaction("monitoring: next / previous page", "page", "/monitoring", False, [
            Target("#page-next", f"{label}.startsWith('51')"), Target("#page-prev", f"{label}.startsWith('1–')")],
            ready=monitoring_ready),
        Interaction("system config: category tab", "tab", "/admin/system", True, [
            Target(f"#cat-{cat_b['name']}", _visible_fields(fields[cat_b["name"]])),
            Target(f"#cat-{cat_a['name']}", _visible_fields(fields[cat_a["name"]]))],
            ready=_visible_fields(fields[cat_a["name"]])),
        Interaction("metrics: window", "filter", "/metrics/dashboard", False, [
            _segment("metrics-window", 3, "metrics-window-label"),
            _segment("metrics-window", 2, "metrics-window-label")],
            ready="document.querySelector('#metrics-window-label').textContent.length > 0"),
        Interaction("LLM analytics: range", "filter", "/admin/litellm-analytics", True, [
            _segment("range", 1, "range-label"), _segment("range", 2, "range-label")],
            ready="document.querySelector('#range-label').textContent.length > 0"),
        Interaction("LLM analytics: stack by", "tab", "/admin/litellm-analytics", True, [
            _segment("stack-by", 2), _segment("stack-by", 1)],
            ready="document.querySelector('#range-label').textContent.length > 0"),
        Interaction("learning: status filter", "filter", "/admin/learning", True, [
            _segment("learning-filter", 4), _segment("learning-filter", 1)]),
    ]


# ---- the server, its instances and data ---------------------------------------------------------------


@contextlib.contextmanager
def _server():
    """The production server on a free port (the browser tests' machinery), its ledger seeded first."""
    from tests.browser import conftest as bt

    password = "bench-ui-" + secrets.token_urlsafe(12)
    with bt._checkout_lock():
        tmp = Path(tempfile.mkdtemp(prefix="resync-bench-ui-"))
        data_dir = tmp / "data"
        data_dir.mkdir()
        port = bt._free_port()
        env = bt._server_env(data_dir, port, password)
        env["RESYNC_REFLEX_LOGLEVEL"] = "warning"
        for command in (["migrate"], ["seed-demo", "--usage-rows", "5000", "--days", "30"]):
            subprocess.run([sys.executable, "-m", "resync_app", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        log_path = bt.RESULTS / "ui-latency-server.log"
        bt.RESULTS.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            process = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env,
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        server = bt.LiveServer(base_url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, data_dir=data_dir,
                               log_path=log_path, admin_username=bt.ADMIN_USERNAME, admin_password=password,
                               process=process)
        try:
            bt._wait_until_up(server)
            yield server
        finally:
            server.close()
            bt._stop(process)
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _instances(server):
    """Two simulators as TWS instances (the primary one listed second), polled once; yields the primary's
    summary."""
    from resync_app.tws_simulator.simulator import Simulator

    start = (datetime.now(timezone.utc) - timedelta(hours=6)).replace(second=0, microsecond=0)
    big = Simulator(jobs=JOBS, seed=19, start=start, abend_rate=0.05, stuck_rate=0.01, late_rate=0.03).start()
    small = Simulator(jobs=200, seed=5, start=start).start()
    try:
        instances = [{"name": "second", "display_name": "Second engine", "base_url": small.base_url,
                      "username": small.username, "password": small.password},
                     {"name": "primary", "display_name": "Primary engine", "base_url": big.base_url,
                      "username": big.username, "password": big.password}]
        answer = server.api("PUT", "/api/v1/admin/tws-config", json={"primary_instance": "primary",
                                                                     "instances": instances})
        assert answer.status_code == 200, answer.text
        server.config_update({"tws_polling_interval_seconds": 300})
        deadline = time.monotonic() + 120
        for name in ("primary", "second"):
            while not server.get_json(f"/api/v1/tws/summary?instance={name}", auth=None)["as_of"]:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server never polled instance {name}")
                time.sleep(0.5)  # waiting for the background poller
        yield server.get_json("/api/v1/tws/summary?instance=primary", auth=None)
    finally:
        big.stop()
        small.stop()


# ---- timing ---------------------------------------------------------------------------------------------


def _summary(samples: list[dict[str, Any]], key: str) -> float | None:
    values = [s[key] for s in samples if s.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def _result(item: Interaction) -> dict[str, Any]:
    totals = sorted(s["total"] for s in item.samples)
    render = [s["total"] - s["last_in"] for s in item.samples if s.get("last_in") is not None]
    server = [s["first_in"] - s["send"] for s in item.samples if s.get("first_in") is not None
              and s.get("send") is not None]
    return {
        "kind": item.kind, "path": item.path, "clicks": len(totals),
        "p50_ms": round(statistics.median(totals), 1), "min_ms": round(totals[0], 1), "max_ms": round(totals[-1], 1),
        "p90_ms": round(totals[max(0, int(len(totals) * 0.9) - 1)], 1),
        "send_ms": _summary(item.samples, "send"),
        "server_ms": round(statistics.median(server), 1) if server else None,
        "render_ms": round(statistics.median(render), 1) if render else None,
        "frames_out": _summary(item.samples, "frames_out"), "frames_in": _summary(item.samples, "frames_in"),
        "bytes_in": _summary(item.samples, "bytes_in"), "ok": statistics.median(totals) <= GOAL_MS,
    }


def _open(page, server, path: str, ready: str) -> None:
    from tests.browser.conftest import wait_hydrated

    page.goto(server.url(path))
    wait_hydrated(page)
    page.wait_for_function(f"() => {{ try {{ return !!({ready}); }} catch (e) {{ return false; }} }}",
                           timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # let the page's own start-up events (on_mount, live refresh) settle


def _measure(page, item: Interaction) -> None:
    for i in range(REPEATS):
        target = item.targets[i % len(item.targets)]
        script = _TIMED_CLICK % {"predicate": target.predicate, "before": target.before}
        try:
            item.samples.append(page.evaluate(script, [target.selector, TIMEOUT_MS]))
        except Exception:
            root = target.selector.split(" ")[0]
            print(page.evaluate(f"(document.querySelector({_js(root)}) || document.body).outerHTML")[:3000])
            raise
        page.wait_for_timeout(150)  # the next click on a quiet page


def browser_context(browser, server, *scripts: str, sign_in: bool = False, **options):
    """A browser context with the hydration probe and `scripts` installed; with `sign_in`, its page after signing
    in as the admin (else None)."""
    from tests.browser.conftest import _HYDRATION_PROBE, fill_login_form

    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    for script in (_HYDRATION_PROBE, *scripts):
        context.add_init_script(script)
    if not sign_in:
        return context, None
    page = context.new_page()
    page.goto(server.url("/login"))
    fill_login_form(page, server.admin_username, server.admin_password)
    page.wait_for_url("**/admin**")
    return context, page


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with _server() as server, _instances(server) as summary:
        categories = server.get_json("/api/v1/system-config/categories")
        items = interactions(server, summary, categories)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                _context, page = browser_context(browser, server, _FRAME_PROBE, sign_in=True, viewport=VIEWPORT)
                only = os.environ.get("BENCH_UI_ONLY", "")
                for item in items:
                    if only and only not in item.name:
                        continue
                    print(f"  {item.name} ({item.path}) x {REPEATS}", flush=True)
                    _open(page, server, item.path, item.ready)
                    _measure(page, item)
            finally:
                browser.close()
    return {"command": "python -m bench.ui_latency", "timestamp": datetime.now(timezone.utc).isoformat(),
            "jobs": JOBS, "repeats": REPEATS, "goal_p50_ms": GOAL_MS, "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "interactions": {item.name: _result(item) for item in items if item.samples}}


def rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Lines for `python -m bench`'s table."""
    out = []
    for name, r in result.get("interactions", {}).items():
        split = f"send {r['send_ms']} / server {r['server_ms']} / render {r['render_ms']} ms, {r['bytes_in']} B"
        out.append((f"UI {name}", f"{r['p50_ms']:.1f} ms", f"<= {GOAL_MS:.0f} ms", ("ok" if r["ok"] else "MISSED")
                    + f" ({split})"))
    return out


def main() -> int:
    print(f"UI latency: {REPEATS} clicks per interaction, {JOBS:,}-job plan", flush=True)
    result = run()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    width = max(len(n) for n in result["interactions"])
    print(f"{'interaction'.ljust(width)} |   p50 |   min |   max |  send | server | render | bytes in")
    for name, r in result["interactions"].items():
        print(f"{name.ljust(width)} | {r['p50_ms']:5.1f} | {r['min_ms']:5.1f} | {r['max_ms']:5.1f} | "
              f"{r['send_ms'] if r['send_ms'] is not None else '-':>5} | "
              f"{r['server_ms'] if r['server_ms'] is not None else '-':>6} | "
              f"{r['render_ms'] if r['render_ms'] is not None else '-':>6} | {r['bytes_in']}")
    print(f"written: {RESULTS}")
    return 0 if all(r["ok"] for r in result["interactions"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
