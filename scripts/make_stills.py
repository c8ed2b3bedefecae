"""Small stills of each chapter's first figure, for the home page's map of the book.

usage: .venv/bin/python scripts/make_stills.py [--site site] [--size 320x200]

For every tutorial page of the nav (mkdocs.yml), in reading order, it opens the built page in headless
Chromium, waits for the figures' prebuilt scenes to draw, captures the first figure's canvas (or the one
named in STILL_CELL), scales it to
--size (cover, centred) and writes `docs/assets/stills/<page>.png`. Run it after a chapter's first figure
changes, then rebuild the site; the stills are committed so the build needs no browser.
"""

from __future__ import annotations

import argparse
import io
import pathlib
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402
from screenshots import wait_for_figures  # noqa: E402

STILLS = REPO / "docs" / "assets" / "stills"
#: chapters whose first figure makes a poor thumbnail (a long thin product): the cell to show instead
STILL_CELL = {"tutorial/attention-intuition.md": "creature-search"}


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", lambda loader, node: "")


def chapters() -> list[tuple[str, str]]:
    """(nav title, page path such as 'tutorial/lora.md') of every tutorial page, in reading order."""
    out = []

    def walk(entries):
        for e in entries:
            (title, target), = e.items()
            if isinstance(target, list):
                walk(target)
            elif target.startswith("tutorial/"):
                out.append((title, target))

    walk(yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_Loader)["nav"])
    return out


def still_name(md_path: str) -> str:
    """'tutorial/lora.md' -> 'lora.png'."""
    return pathlib.PurePosixPath(md_path).stem + ".png"


def cover(png: bytes, size: tuple[int, int]) -> bytes:
    """Scale and crop a PNG to exactly ``size`` (like CSS object-fit: cover)."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = size
    scale = max(w / im.width, h / im.height)
    im = im.resize((max(w, round(im.width * scale)), max(h, round(im.height * scale))), Image.LANCZOS)
    left, top = (im.width - w) // 2, (im.height - h) // 2
    out = io.BytesIO()
    small = im.crop((left, top, left + w, top + h)).quantize(colors=96, dither=Image.Dither.NONE)
    small.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=REPO / "site")
    ap.add_argument("--size", default="320x200")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    from playwright.sync_api import sync_playwright

    STILLS.mkdir(parents=True, exist_ok=True)
    server, base = serve(a.site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
            for title, md in chapters():
                url = base + md[:-3] + "/"
                page.goto(url)
                cell = page.locator(f'[data-mm-cell="{STILL_CELL[md]}"]' if md in STILL_CELL
                                    else "[data-mm-cell][data-scene]").first
                if cell.count() == 0:
                    print(f"{md}: no figure, no still", flush=True)
                    continue
                wait_for_figures(page)
                canvas = cell.locator("[data-mm-figure] canvas:not(.mm-fig__legend-bar)").first
                canvas.scroll_into_view_if_needed()
                # only the drawing: hide the figure's buttons, legend and labels laid over the canvas
                page.add_style_tag(content="[data-mm-figure] * { visibility: hidden !important; }"
                                   " [data-mm-figure] canvas:not(.mm-fig__legend-bar) { visibility: visible !important; }")
                page.wait_for_timeout(200)
                path = STILLS / still_name(md)
                path.write_bytes(cover(canvas.screenshot(), size))
                print(f"{md}: {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)", flush=True)
            browser.close()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
