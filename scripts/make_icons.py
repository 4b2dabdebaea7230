"""Draw Resync's mark and write the icon files in assets/ (run by hand when the mark changes).

    source scripts/env.sh && python scripts/make_icons.py

The mark: two sync arrows around a node (a job that runs again), white on an indigo square (the app's accent).
Writes logo.svg (nav and sign-in page), favicon.svg (tab icon, strokes a little heavier for 16 px),
favicon.ico (16/32/48 px PNGs, for browsers without SVG icons) and apple-touch-icon.png (180 px, square: iOS
rounds it itself). The PNGs are rendered by Debian's Chromium (the browser the tests use), so no image library.
"""

from __future__ import annotations

import math
import os
import struct
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
CHROMIUM = os.environ.get("RESYNC_TEST_CHROMIUM", "/usr/bin/chromium")
INDIGO_FROM, INDIGO_TO = "#5b5bd6", "#3e63dd"  # Radix iris 9 → indigo 9


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def mark(*, stroke: float = 2.5, dot: float = 2.2, radius: float = 8.2, corner: float = 8.0) -> str:
    """The mark as a 32×32 SVG."""

    def point(deg: float) -> tuple[float, float]:
        a = math.radians(deg)
        return 16 + radius * math.cos(a), 16 - radius * math.sin(a)

    def arc(start: float, end: float) -> str:  # clockwise on screen
        (x0, y0), (x1, y1) = point(start), point(end)
        return f"M{_num(x0)} {_num(y0)}A{_num(radius)} {_num(radius)} 0 0 1 {_num(x1)} {_num(y1)}"

    def head(deg: float, ahead: float = 3.6, half: float = 3.3, back: float = 0.6) -> str:
        ex, ey = point(deg)
        a = math.radians(deg)
        dx, dy = math.sin(a), math.cos(a)  # direction of travel (clockwise)
        nx, ny = -dy, dx
        tip = (ex + dx * ahead, ey + dy * ahead)
        bx, by = ex - dx * back, ey - dy * back
        corners = [tip, (bx + nx * half, by + ny * half), (bx - nx * half, by - ny * half)]
        return "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in corners) + "Z"

    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{INDIGO_FROM}"/><stop offset="1" stop-color="{INDIGO_TO}"/>'
        "</linearGradient></defs>"
        f'<rect width="32" height="32" rx="{_num(corner)}" fill="url(#g)"/>'
        f'<path d="{arc(205, 62)}{arc(25, -118)}" fill="none" stroke="#fff" stroke-width="{_num(stroke)}" '
        'stroke-linecap="round"/>'
        f'<path d="{head(62)}{head(-118)}" fill="#fff" stroke="#fff" stroke-width="0.8" stroke-linejoin="round"/>'
        f'<circle cx="16" cy="16" r="{_num(dot)}" fill="#fff"/></svg>\n'
    )


def _render_pngs(svg: str, sizes: list[int]) -> dict[int, bytes]:
    from playwright.sync_api import sync_playwright

    pngs = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            for size in sizes:
                page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
                sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
                page.set_content(f'<body style="margin:0">{sized}</body>')
                pngs[size] = page.screenshot(clip={"x": 0, "y": 0, "width": size, "height": size}, omit_background=True)
                page.close()
        finally:
            browser.close()
    return pngs


def _ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding PNG images (every browser reads PNG-in-ICO)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return header + entries + blobs


def main() -> int:
    ASSETS.mkdir(exist_ok=True)
    logo = mark()
    favicon = mark(stroke=2.9, dot=2.5, corner=7)
    (ASSETS / "logo.svg").write_text(logo)
    (ASSETS / "favicon.svg").write_text(favicon)
    (ASSETS / "favicon.ico").write_bytes(_ico(_render_pngs(favicon, [16, 32, 48])))
    (ASSETS / "apple-touch-icon.png").write_bytes(_render_pngs(mark(corner=0), [180])[180])
    for name in ("logo.svg", "favicon.svg", "favicon.ico", "apple-touch-icon.png"):
        print(f"{ASSETS / name}: {(ASSETS / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
