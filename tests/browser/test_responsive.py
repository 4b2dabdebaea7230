"""Phone width and branding: at 390 px every operator page fits with its navigation in a menu, the admin sidebar
folds into a menu and the LiteLLM analytics cards fit; from 768 px the desktop layout is as before. The operator
frame's "signed in as … / Sign in" corner follows the server-side session. Every page carries the icon and logo.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from resync_app.components.layout import ADMIN_NAV, OPERATOR_NAV
from resync_app.components.responsive import PHONE_MAX_PX
from tests.browser.conftest import (SESSION_COOKIE, assert_no_sideways_scroll, fill_login_form, save_shot,
                                    wait_hydrated)
from tests.browser.test_litellm_pages import seeded_here  # noqa: F401  (fixture: synthetic LLM calls in the ledger)

OPERATOR_LABELS = {href: label for label, href, _icon in OPERATOR_NAV}
OPERATOR_TITLES = {"/": "Assistant", "/monitoring": "Job monitoring", "/realtime-dashboard": "Real-time",
                   "/metrics/dashboard": "Metrics"}
ADMIN_LINKS = [label for _section, links in ADMIN_NAV for label, _href, _icon in links]
ADMIN_SECTIONS = [section for section, _links in ADMIN_NAV]

# Every card of the page inside the screen, and everything in a card inside the card's content box (except what
# scrolls sideways inside it by design, e.g. a wide table, and the inside of an <svg>, which the svg clips: Plotly's
# drag handles reach past the plot on purpose).
_CARDS_OUTSIDE = r"""
(width) => {
  const insideScroller = (el, card) => {
    for (let p = el.parentElement; p && p !== card; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') return true;
    }
    return false;
  };
  const out = [];
  const cards = [...document.querySelectorAll('.rt-Card')].filter(c => c.getBoundingClientRect().width > 0);
  for (const card of cards) {
    const c = card.getBoundingClientRect();
    if (c.left < -0.5 || c.right > width + 0.5) out.push(`card [${c.left}..${c.right}]`);
    const style = getComputedStyle(card);
    const inner = c.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    for (const el of card.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || el.ownerSVGElement || insideScroller(el, card)) continue;
      if (r.right > inner + 0.5) {
        const owner = el.parentElement.closest('[id]');
        out.push(`${el.tagName} in #${owner ? owner.id : '?'} [${r.left}..${r.right}] past its card's edge ${inner}`);
      }
    }
  }
  return {cards: cards.length, out: out.slice(0, 10)};
}
"""


def _path(pg) -> str:
    return urlsplit(pg.url).path.rstrip("/") or "/"


def _open_menu(pg, button: str, sheet: str):
    pg.locator(button).tap()
    menu = pg.locator(sheet)
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= pg.viewport_size["width"], box
    return menu


def _mark_document(pg) -> None:
    """A marker on `window` that survives client-side navigation only (a reload would clear it)."""
    pg.evaluate("window.__sameDocument = true")


def _same_document(pg) -> bool:
    return pg.evaluate("window.__sameDocument === true")


# ---- operator pages on a phone ----------------------------------------------------------------------


@pytest.mark.parametrize("path", list(OPERATOR_LABELS))
def test_operator_page_fits_a_phone_and_its_menu_navigates(phone_page, live_server, request, path):
    pg = phone_page
    pg.goto(path)
    wait_hydrated(pg)
    nav = pg.locator("#operator-nav")
    expect(nav).to_be_visible()
    # The top links and the desktop corner are folded away; the menu button takes over.
    expect(pg.locator("#operator-menu-button")).to_be_visible()
    for label in OPERATOR_LABELS.values():
        expect(nav.locator(f"a[data-nav='{label}']")).to_be_hidden()
    expect(pg.locator("#viewer-corner")).to_be_hidden()
    assert_no_sideways_scroll(pg)
    if path == "/":
        save_shot(pg, "phone-operator", request)

    _mark_document(pg)
    menu = _open_menu(pg, "#operator-menu-button", "#operator-menu")
    for label in OPERATOR_LABELS.values():
        expect(menu.locator(f"a[data-nav='{label}']")).to_be_visible()
    expect(menu.locator(f"a[data-nav='{OPERATOR_LABELS[path]}']")).to_have_attribute("aria-current", "page")
    corner = menu.locator("#viewer-corner-menu")
    expect(corner).to_have_attribute("data-viewer", "anonymous")
    expect(corner).to_have_attribute("href", f"/login?next={path}")
    expect(menu.locator("a[data-nav='Admin']")).to_have_attribute("href", re.compile(r"^/admin/?$"))
    assert_no_sideways_scroll(pg)
    if path == "/":
        save_shot(pg, "phone-operator-menu", request)

    # Another page from the menu: client-side navigation, the menu closes, the new page fits too.
    target = next(p for p in OPERATOR_LABELS if p != path)
    menu.locator(f"a[data-nav='{OPERATOR_LABELS[target]}']").tap()
    pg.wait_for_url(lambda url: (urlsplit(url).path.rstrip("/") or "/") == target)
    expect(pg).to_have_title(re.compile(OPERATOR_TITLES[target]))
    expect(pg.locator("#operator-menu")).to_have_count(0)
    assert _same_document(pg), "the menu link reloaded the page instead of navigating inside it"
    expect(pg.locator("#operator-menu-button")).to_be_visible()
    assert_no_sideways_scroll(pg)


def test_sign_in_from_the_operator_menu_comes_back_signed_in(phone_page, live_server):
    pg = phone_page
    pg.goto("/monitoring")
    wait_hydrated(pg)
    menu = _open_menu(pg, "#operator-menu-button", "#operator-menu")
    menu.locator("#viewer-corner-menu[data-viewer=anonymous]").tap()
    pg.wait_for_url(re.compile(r"/login/?\?next=/monitoring$"))
    assert_no_sideways_scroll(pg)  # the sign-in page fits a phone too
    expect(pg.locator("input[name=next]")).to_have_value("/monitoring")
    fill_login_form(pg, live_server.admin_username, live_server.admin_password)
    pg.wait_for_url(lambda url: _path_of(url) == "/monitoring")

    wait_hydrated(pg)
    menu = _open_menu(pg, "#operator-menu-button", "#operator-menu")
    corner = menu.locator("#viewer-corner-menu")
    expect(corner).to_have_attribute("data-viewer", "signed-in")
    expect(corner).to_have_text(f"Signed in as {live_server.admin_username} (admin)")
    assert_no_sideways_scroll(pg)


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/") or "/"


def test_the_corner_follows_the_server_side_session(page, live_server):
    """A session cookie only counts while the server still knows the session: revoked → "Sign in" again."""
    cookie = live_server.open_session_cookie()
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_server.base_url,
                               "httpOnly": True, "sameSite": "Strict"}])
    page.goto("/realtime-dashboard")
    corner = page.locator("#viewer-corner")
    expect(corner).to_have_attribute("data-viewer", "signed-in")
    expect(corner).to_have_text(f"Signed in as {live_server.admin_username} (admin)")
    # Only the label travels: no admin state (its name var, the audit log, configuration) reaches the page.
    received = "\n".join(f.payload for f in page.ws_frames if f.direction == "received")
    assert "operator_frame_state" in received
    for admin_only in ('"admin_name_rx_state_":"admin"', "audit_state", "system_config_state", cookie):
        assert admin_only not in received, f"{admin_only!r} reached an operator page"

    live_server.close_session_cookie(cookie)
    page.reload()
    expect(corner).to_have_attribute("data-viewer", "anonymous")
    expect(corner).to_have_text("Sign in")
    expect(corner).to_have_attribute("href", "/login?next=/realtime-dashboard")


# ---- the admin shell on a phone ---------------------------------------------------------------------


def test_admin_sidebar_folds_into_a_menu_on_a_phone(phone_page, sign_in, live_server, request):
    pg = sign_in(phone_page)
    expect(pg.locator("#admin-sidebar")).to_be_hidden()
    expect(pg.locator("#admin-topbar")).to_be_visible()
    # The header's account controls stay on screen.
    for control in ("#admin-name", "#sign-out"):
        expect(pg.locator(control)).to_be_in_viewport()
    assert_no_sideways_scroll(pg)
    cards = pg.evaluate(_CARDS_OUTSIDE, pg.viewport_size["width"])  # the overview's link cards
    assert cards["cards"] >= len(ADMIN_LINKS) and not cards["out"], cards

    _mark_document(pg)
    menu = _open_menu(pg, "#admin-menu-button", "#admin-menu")
    for label in ADMIN_LINKS:
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()
    text = menu.inner_text()
    positions = [text.find(word) for word in [*ADMIN_SECTIONS, "Operator dashboards"]]
    assert -1 not in positions and positions == sorted(positions), text
    expect(menu.locator("a[aria-current=page]")).to_have_count(0)  # /admin itself is not in the menu
    assert_no_sideways_scroll(pg)
    save_shot(pg, "phone-admin-menu", request)

    menu.get_by_role("link", name="LiteLLM Analytics", exact=True).tap()
    pg.wait_for_url(re.compile(r"/admin/litellm-analytics/?$"))
    expect(pg.locator("#admin-menu")).to_have_count(0)
    assert _same_document(pg), "the menu link reloaded the page instead of navigating inside it"
    expect(pg.locator("#total-cost")).to_be_visible()
    menu = _open_menu(pg, "#admin-menu-button", "#admin-menu")
    expect(menu.locator("a[data-nav='LiteLLM Analytics']")).to_have_attribute("aria-current", "page")
    pg.keyboard.press("Escape")
    expect(pg.locator("#admin-menu")).to_have_count(0)


def test_every_admin_page_fits_a_phone(phone_page, sign_in):
    pg = sign_in(phone_page)
    problems = {}
    for path in ["/admin", *[href for _section, links in ADMIN_NAV for _label, href, _icon in links]]:
        pg.goto(path)
        wait_hydrated(pg)
        expect(pg.locator("#admin-name")).to_be_visible()  # the page's content is rendered
        try:
            assert_no_sideways_scroll(pg)
        except AssertionError as exc:
            problems[path] = str(exc)
    assert not problems, problems


def test_litellm_analytics_cards_fit_a_phone(phone_page, sign_in, seeded_here):  # noqa: F811
    pg = sign_in(phone_page)
    pg.goto("/admin/litellm-analytics")
    wait_hydrated(pg)
    expect(pg.locator("#top-models")).to_be_visible()  # the seeded calls are on the page
    pg.wait_for_function("() => document.getElementById('cost-trend')?.data !== undefined")
    assert_no_sideways_scroll(pg)
    # Plotly sizes a chart to its box after the first draw: wait (with a deadline) for the settled layout.
    width = pg.viewport_size["width"]
    with contextlib.suppress(PlaywrightTimeoutError):
        pg.wait_for_function(f"(w) => ({_CARDS_OUTSIDE})(w).out.length === 0", arg=width, timeout=10_000)
    cards = pg.evaluate(_CARDS_OUTSIDE, width)
    assert cards["cards"] >= 10, cards
    assert not cards["out"], cards["out"]
    # The wide table scrolls inside its own box (Radix's table scroll area or the page's box), not the page.
    scrollers = pg.locator("#top-models").evaluate("""(table) => {
      const around = [...table.querySelectorAll('*')];
      for (let el = table; el && el !== document.body; el = el.parentElement) around.push(el);
      return around.filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
                                 && el.scrollWidth > el.clientWidth)
                   .map(el => ({scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
                                right: el.getBoundingClientRect().right}));
    }""")
    assert scrollers, "the top-models table is wider than a phone, yet nothing around it scrolls sideways"
    assert all(box["right"] <= width + 0.5 for box in scrollers), scrollers


# ---- wider screens: the desktop layout as before ----------------------------------------------------


@pytest.mark.parametrize("width", [768, 1280])
def test_desktop_layout_from_768_px(page, sign_in, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page)
    sidebar = page.locator("#admin-sidebar")
    expect(sidebar).to_be_visible()
    box = sidebar.bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] >= 200, box
    for label in ADMIN_LINKS:
        expect(sidebar.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("#admin-topbar")).to_be_hidden()
    expect(page.locator("#admin-menu-button")).to_be_hidden()
    expect(page.locator("#admin-name")).to_be_visible()
    assert_no_sideways_scroll(page)

    page.goto("/monitoring")
    nav = page.locator("#operator-nav")
    for label in OPERATOR_LABELS.values():
        expect(nav.locator(f"a[data-nav='{label}']")).to_be_visible()
    expect(nav.locator("a[data-nav='Monitoring']")).to_have_attribute("aria-current", "page")
    expect(page.locator("#operator-menu-button")).to_be_hidden()
    corner = page.locator("#viewer-corner")
    expect(corner).to_have_attribute("data-viewer", "signed-in")
    expect(corner).to_be_visible()
    assert_no_sideways_scroll(page)


def test_phone_layout_up_to_767_px(page):
    page.set_viewport_size({"width": PHONE_MAX_PX, "height": 900})
    page.goto("/metrics/dashboard")
    wait_hydrated(page)
    expect(page.locator("#operator-menu-button")).to_be_visible()
    expect(page.locator("#operator-nav a[data-nav='Metrics']")).to_be_hidden()
    assert_no_sideways_scroll(page)


# ---- icon and logo ----------------------------------------------------------------------------------


def test_every_page_has_the_icon_and_the_logo(page, live_server):
    icons = {"/favicon.ico": (b"\x00\x00\x01\x00", "image/"), "/favicon.svg": (b"<svg", "image/svg+xml"),
             "/logo.svg": (b"<svg", "image/svg+xml"), "/apple-touch-icon.png": (b"\x89PNG", "image/png")}
    for path, (magic, content_type) in icons.items():
        answer = live_server.api("GET", path, auth=None)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(content_type), (path, answer.headers["content-type"])
        assert answer.content.startswith(magic), path
        assert len(answer.content) < 16_000, f"{path} is {len(answer.content)} bytes: keep the icons small"

    for path in [*OPERATOR_LABELS, "/login"]:
        page.goto(path)
        links = page.evaluate("() => [...document.querySelectorAll('head link[rel~=icon], head link[rel=apple-touch-icon]')]"
                              ".map(l => l.getAttribute('href'))")
        assert {"/favicon.svg", "/favicon.ico", "/apple-touch-icon.png"} <= set(links), (path, links)
        logo = page.locator("img.resync-mark").first
        expect(logo).to_be_visible()
        page.wait_for_function("() => { const i = document.querySelector('img.resync-mark');"
                               " return i && i.complete && i.naturalWidth > 0; }")
