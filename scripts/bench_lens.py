"""Frame time of a figure on the built site with the magnifier closed and open (median of 25 frames).

Each frame is `figure.render()` followed by a 1-pixel readPixels (so the GPU work is inside the time).
Software WebGL (SwiftShader) in the system Chromium; build the site first (`make site`).

    .venv/bin/python scripts/bench_lens.py [--page tutorial/first-matmul/] [--cell first-matmul-1]
"""

from __future__ import annotations

import argparse
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.e2e._cellpage import goto, wait_mark  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serve_directory  # noqa: E402

FRAMES = """async ([id, open]) => { const f = mmAtlas.cells.get(id).figure; const gl = f.renderer.getContext();
  if (open) f.magnifier.toggle(); const px = new Uint8Array(4); const t = [];
  for (let i = 0; i < 25; i++) { const t0 = performance.now(); f.render();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px); t.push(performance.now() - t0); }
  const labels = f.magnifier.labels().length; if (open) f.magnifier.close();
  t.sort((a, b) => a - b); const r = f.canvas.getBoundingClientRect();
  return {median: t[12], labels, size: `${Math.round(r.width)}x${Math.round(r.height)}`}; }"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="tutorial/first-matmul/")
    ap.add_argument("--cell", default="first-matmul-1")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    server, url = serve_directory(REPO / "site")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            goto(page, url + args.page)
            wait_mark(page, f"mm:first-frame:{args.cell}")
            closed = page.evaluate(FRAMES, [args.cell, False])
            opened = page.evaluate(FRAMES, [args.cell, True])
            browser.close()
    finally:
        server.shutdown()
    print(f"figure {args.cell} ({closed['size']} CSS px)")
    print(f"median frame, lens closed: {closed['median']:.1f} ms")
    print(f"median frame, lens open:   {opened['median']:.1f} ms ({opened['labels']} value labels)")


if __name__ == "__main__":
    main()
