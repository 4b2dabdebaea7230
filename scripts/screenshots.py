"""Screenshots of the admin pages (LiteLLM configuration and analytics, System Configuration) for docs/screenshots/.

    source scripts/env.sh && python scripts/screenshots.py [--rows 200000] [--days 90] [--out docs/screenshots]

Starts the app like `make run` (scripts/serve.sh) on a free port with a temporary data directory, from a private
copy of the work tree (the production build writes `.web/`, which a concurrent test session would rewrite under a
running server; the copy reuses `.venv`, `.tools` and the installed `.web/node_modules`), fills the
ledger with `python -m resync_app seed-demo`, points three providers at a loopback fake LLM server (so the
cards, the model browser and a provider test show real answers without any cloud call), sets small budgets so
the gauges and the alert history have something to show, signs in through /login in headless Chromium and saves
litellm-config.png, litellm-analytics.png and system-config.png. Everything it started is stopped at the end.
`--serve` skips the screenshots and keeps the seeded app running until interrupted (for a look by hand).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.llm_server import FakeLLMServer  # noqa: E402

CHROMIUM = os.environ.get("RESYNC_TEST_CHROMIUM", "/usr/bin/chromium")
FAKE_KEY = "sk-screenshot-" + secrets.token_hex(8)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_tree(target: Path) -> Path:
    """A copy of the work tree (tracked and new files, not ignored ones) plus the installed tools and frontend."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for name in (".venv", ".tools"):
        if (ROOT / name).exists():
            (target / name).symlink_to(ROOT / name)
    if (ROOT / ".web").exists():
        subprocess.run(["cp", "-a", str(ROOT / ".web"), str(target / ".web")], check=True)
        shutil.rmtree(target / ".web" / "build", ignore_errors=True)
    return target


def _env(data_dir: Path, port: int, password: str) -> dict[str, str]:
    from resync_app.config.catalogue import FIELDS

    env = dict(os.environ)
    for name in FIELDS:  # field-named variables would seed the configuration: keep the defaults
        env.pop(name.upper(), None)
    for var in ("RESYNC_REDIS_URL", "RESYNC_SECRET_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TOGETHERAI_API_KEY",
                "OPENROUTER_API_KEY", "NVIDIA_NIM_API_KEY", "OLLAMA_API_BASE"):
        env.pop(var, None)
    env.update({
        "RESYNC_HOST": "127.0.0.1", "RESYNC_PORT": str(port), "RESYNC_DATA_DIR": str(data_dir),
        "RESYNC_DATABASE_URL": f"sqlite:///{data_dir / 'resync.db'}", "RESYNC_ADMIN_USERNAME": "admin",
        "RESYNC_ADMIN_PASSWORD": password, "RESYNC_TWS_SIMULATOR": "0", "RESYNC_TIMEZONE": "UTC",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _wait_up(base: str, process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}); see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/api/v1/health", timeout=3).status_code == 200 and \
                    'id="username"' in httpx.get(base + "/login", timeout=3, follow_redirects=True).text:
                return
        time.sleep(0.5)
    raise SystemExit(f"the server did not come up within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _configure(base: str, password: str, fake: FakeLLMServer) -> None:
    """Providers on the fake server and small budgets, through the REST API (as an admin script would)."""
    auth = ("admin", password)
    with httpx.Client(base_url=base, auth=auth, timeout=60) as api:
        for pid, body in (
            ("openai", {"enabled": True, "api_key": FAKE_KEY, "api_base": fake.openai_base}),
            ("anthropic", {"enabled": True, "api_key": FAKE_KEY, "api_base": fake.base_url}),
            ("ollama", {"enabled": True, "api_base": fake.base_url}),
        ):
            answer = api.put(f"/api/v1/litellm/providers/{pid}", json=body)
            answer.raise_for_status()
        # budgets sized to the seeded spend: the month at ~85 % (past the 80 % alert), today at ~60 % (a
        # fixed $5 right after midnight, when today has no spend to speak of yet)
        costs = api.get("/api/v1/litellm/costs?days=1").json()
        today = costs["daily_budget"]["spent_usd"]
        daily = round(today / 0.6, 2) if today >= 0.5 else 5.0
        monthly = max(round(costs["monthly_budget"]["spent_usd"] / 0.85), 10.0)
        answer = api.post("/api/v1/system-config/update", json={"updates": {
            "LLM_BUDGET_DAILY_USD": daily, "LLM_BUDGET_MONTHLY_USD": monthly,
            "LLM_ROUTING_SIMPLE_MODEL": "gpt-4o-mini"}})
        answer.raise_for_status()


def _full_page(page, path: Path) -> Path:
    """A full-height screenshot taken with a window as tall as the page, so the sticky sidebar spans it."""
    page.evaluate("window.scrollTo(0, 0)")
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1440, "height": int(height)})
    page.wait_for_timeout(1200)  # charts re-layout to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})
    return path


def _shoot(base: str, password: str, out: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                           "--disable-component-update", "--disable-sync", "--disable-quic"])
        context = browser.new_context(base_url=base, viewport={"width": 1440, "height": 1000},
                                      device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto("/login?next=/admin/litellm")
        page.wait_for_selector("#username")
        page.wait_for_timeout(500)
        page.fill("#username", "admin")
        page.fill("#password", password)
        page.click("#sign-in")
        page.wait_for_url(lambda url: "/admin/litellm" in url)
        expect(page.locator("[data-provider=openai]")).to_be_visible()
        openai = page.locator("[data-provider=openai]")
        openai.locator("[data-action=test]").click()
        expect(openai.locator("[data-test=ok]")).to_be_visible()
        page.locator("#dry-question").fill("Why did job PAYROLL_DAILY abend last night and how do I fix it?")
        page.locator("#dry-run").click()
        expect(page.locator("#dry-model")).to_be_visible()
        page.locator("[data-model='gpt-4o-mini'] [data-action=test-model]").click()
        expect(page.locator("#model-test-answer")).to_be_visible()
        page.wait_for_timeout(1500)  # gauges draw
        saved.append(_full_page(page, out / "litellm-config.png"))

        page.goto("/admin/litellm-analytics")
        expect(page.locator("#top-models")).to_be_visible()
        page.locator("#range").get_by_role("radio", name="90 days").click()
        expect(page.locator("#range-label")).to_contain_text("90 days")
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 7")
        page.wait_for_timeout(1500)
        saved.append(_full_page(page, out / "litellm-analytics.png"))

        page.goto("/admin/system")
        page.locator("#cat-tws_monitoring").click()
        page.locator("#field-tws_polling_interval_seconds").fill("45")
        page.locator("#field-tws_job_late_threshold_minutes").fill("2")  # out of range: the inline error
        expect(page.locator("#error-tws_job_late_threshold_minutes")).to_be_visible()
        page.locator("#field-tws_job_late_threshold_minutes").fill("20")
        page.locator("#field-tws_polling_mode").click()
        page.get_by_role("option", name="adaptive").click()
        expect(page.locator("#config-diff")).to_contain_text("adaptive")
        page.wait_for_timeout(500)
        saved.append(_full_page(page, out / "system-config.png"))
        browser.close()
    return saved


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the app and the fake server too
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--serve", action="store_true", help="no screenshots: keep the app running")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="resync-shots-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    port = args.port or _free_port()
    base = f"http://127.0.0.1:{port}"
    password = "shots-" + secrets.token_urlsafe(12)
    env = _env(data_dir, port, password)
    log = ROOT / "test-results" / "screenshots-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fake = FakeLLMServer(api_key=FAKE_KEY, models=["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "llama3"]).start()
    fake.default_behavior.reply = "pong"
    process = None
    try:
        tree = _private_tree(tmp / "tree")
        subprocess.run([sys.executable, "-m", "resync_app", "migrate"], cwd=tree, env=env, check=True)
        print(f"seeding {args.rows:,} calls over {args.days} days …", flush=True)
        subprocess.run([sys.executable, "-m", "resync_app", "seed-demo", "--usage-rows", str(args.rows), "--days",
                        str(args.days)], cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
        with open(log, "wb") as handle:
            process = subprocess.Popen([str(tree / "scripts" / "serve.sh")], cwd=tree, env=env,
                                       stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        print(f"starting the app on {base} (log: {log}) …", flush=True)
        _wait_up(base, process, log)
        _configure(base, password, fake)
        if args.serve:
            print(f"serving {base}: sign in as admin / {password} (Ctrl-C stops)", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                process.wait()
            return 0
        for path in _shoot(base, password, out):
            print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    finally:
        if process is not None:
            _stop(process)
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
