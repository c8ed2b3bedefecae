"""Screenshots of every page of the built site at a desktop and a phone width, and a check for overflow.

usage: .venv/bin/python scripts/screenshots.py [--site site] [--out .cache/screenshots] [--widths 1280,375]
                                               [--pages tutorial/lora/,...]

For each page and width it waits until every figure has drawn its prebuilt scene (the `mm:first-frame:<cell>`
performance mark), saves a full-page PNG as `<out>/<width>/<page>.png`, and reports a page that is wider
than the window (the reader would have to scroll sideways). Exit status 1 if any page overflows.
Headless Debian Chromium, the site served on 127.0.0.1; no request leaves the machine.

Example:
    .venv/bin/python scripts/screenshots.py --widths 375 --pages tutorial/first-matmul/
"""

from __future__ import annotations

import argparse
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_page import ARGS, CHROMIUM, serve  # noqa: E402  (same browser set-up as the page benchmark)

#: JS: the widest element that sticks out of the window, or null (elements inside a scroll box don't count)
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= vw + 1) return null;
  let worst = null;
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
      p = p.parentElement;
    }
    if (!clipped && (!worst || r.right > worst.right))
      worst = {tag: el.tagName.toLowerCase(), cls: String(el.className).slice(0, 60), right: Math.round(r.right)};
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: vw, worst};
}"""


def site_pages(site: pathlib.Path) -> list[str]:
    """Every page of the site as a URL path relative to its root ('' is the home page)."""
    out = []
    for p in sorted(site.rglob("index.html")):
        rel = p.parent.relative_to(site)
        if "assets" in rel.parts:
            continue
        out.append("" if rel == pathlib.Path(".") else rel.as_posix() + "/")
    return out


def wait_for_figures(page, timeout_ms: int = 60000) -> None:
    """Until every cell with a prebuilt scene has drawn its first frame."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-mm-cell][data-scene]')].every(
             c => performance.getEntriesByName('mm:first-frame:' + c.dataset.mmCell).length > 0)""",
        timeout=timeout_ms)


def overflow(page) -> dict | None:
    """None when the page fits its window; else the page's width, the window's and the element sticking out."""
    return page.evaluate(OVERFLOW_JS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=REPO / "site")
    ap.add_argument("--out", type=pathlib.Path, default=REPO / ".cache" / "screenshots")
    ap.add_argument("--widths", default="1280,375")
    ap.add_argument("--pages", default="", help="comma-separated page paths (default: every page)")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    pages = [p for p in a.pages.split(",") if p] or site_pages(a.site)
    server, base = serve(a.site)
    bad = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for width in (int(w) for w in a.widths.split(",")):
                ctx = browser.new_context(viewport={"width": width, "height": 900 if width > 600 else 800})
                page = ctx.new_page()
                for path in pages:
                    page.goto(base + path)
                    wait_for_figures(page)
                    page.wait_for_timeout(300)
                    shot = a.out / str(width) / ((path.strip("/").replace("/", "_") or "home") + ".png")
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot), full_page=True)
                    o = overflow(page)
                    bad += o is not None
                    print(f"{width:5d}px /{path:40s} {'OVERFLOWS ' + str(o) if o else 'fits'}  {shot.relative_to(a.out)}",
                          flush=True)
                ctx.close()
            browser.close()
    finally:
        server.shutdown()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
