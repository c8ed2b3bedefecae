"""Frame-rate benchmark of the animation player (pyodide_app/js/anim) in headless Chromium.

Scene: the essay's GPT-2 attention head (mm blog link #28): out = (attn = (Q = input @ wQ) @
(K_t = wK_t @ input_t)) @ (V = input @ wV) @ wO with input 256×768, head size 64, gaussian values,
the attention epilog softmax(tril(x/sqrt(k))), and the fused vmprod chain (root, attn @ V, attn and
Q vmprod; K_t and V precomputed; fuse sync): 256 steps per cycle, 1,146,880 elements.

For each of --runs fresh pages (1280x720 figure, device pixel ratio 1, software WebGL2 through
SwiftShader), the animation plays at 1000 steps per second, i.e. a new step every frame: every
frame sets the step's uniforms and draws the whole scene. fps = frames drawn in --seconds after a
1 s warm-up, counted by requestAnimationFrame callbacks in which the step changed. The player
halves the resolution while playing when full-resolution frames are slow (pixel_ratio 0.5);
--full-res keeps it at 1 to measure the full-resolution rate.
Prints every run and the median as JSON lines.

Usage:
  .venv/bin/python scripts/bench_anim.py                 # 3 runs of 5 s
  .venv/bin/python scripts/bench_anim.py --runs 1 --seconds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "e2e" / "fixtures" / "anim"))

from anim_harness import CHROMIUM, CHROMIUM_ARGS, AnimPage  # noqa: E402

import mmcore  # noqa: E402
from mmcore.anim import Animation  # noqa: E402
from engine_bench import attention_head  # noqa: E402

HEAD_ANIM = Animation("vmprod", fuse="sync", speed=1000, nodes={"L": "vmprod", "LL": "vmprod", "LLL": "vmprod",
                                                               "LLR": "none", "LR": "none"})


def head_scene() -> bytes:
    out = attention_head()
    scene = mmcore.layout(out, anim=HEAD_ANIM, gap=10, sensitivity="local")
    assert scene.anim["cycle"] == 256, scene.anim["cycle"]
    return scene.to_bytes(), scene.element_count()


MEASURE = """async ([seconds]) => {
  const fig = window.figs.fig;
  fig.player.setStep(0);
  fig.player.play();
  const count = (ms) => new Promise((resolve) => {
    let frames = 0, last = fig.player.step;
    const t0 = performance.now();
    function tick(now) {
      const s = fig.player.step;
      if (s !== last) { frames++; last = s; }
      if (now - t0 < ms) requestAnimationFrame(tick); else resolve({frames, ms: now - t0});
    }
    requestAnimationFrame(tick);
  });
  await count(1000);
  const r = await count(seconds * 1000);
  const scale = fig.renderer.getPixelRatio();
  fig.player.pause();
  return {fps: r.frames * 1000 / r.ms, frames: r.frames, ms: r.ms, pixel_ratio: scale};
}"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--full-res", action="store_true", help="disable the player's reduced resolution while playing")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    t = time.perf_counter()
    blob, elements = head_scene()
    print(json.dumps({"scene": "attention head", "elements": elements, "bytes": len(blob),
                      "build_s": round(time.perf_counter() - t, 2)}), flush=True)
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for run in range(args.runs):
                with AnimPage(browser, width=1280, height=720) as page:
                    page.add_scene("head", blob)
                    page.mount("head", width=1280, height=720, query="?step-fig=0")
                    if args.full_res:
                        page.page.evaluate("() => { const r = window.figs.fig.renderer; r.setPixelRatio = () => {}; }")
                    r = page.page.evaluate(MEASURE, [args.seconds])
                    if page.errors:
                        raise SystemExit(f"page errors: {page.errors}")
                r["run"] = run + 1
                results.append(r)
                print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
        finally:
            browser.close()
    print(json.dumps({"median_fps": round(statistics.median(r["fps"] for r in results), 1), "runs": len(results),
                      "viewport": "1280x720", "full_res": args.full_res}))


if __name__ == "__main__":
    main()
