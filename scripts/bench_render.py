"""Frame-rate benchmark of the three.js renderer (pyodide_app/js/render) in headless Chromium.

Scenes, built once with mmcore:
  attention  the essay's attention layer (mm blog link #49: 17 matrices, 1,146,880 elements)
  gpt2       the same layer at GPT-2-small size (every dimension x4: 192->768, 256->1024, 768->3072;
             18,350,080 elements)

For each scene and each of --runs fresh browsers (1280x720, device pixel ratio 1, software WebGL2
through SwiftShader), the figure fills the page and:
  - first frame: ms from handing the scene bytes to fig.setScene until it resolves (decode, build,
    texture upload, first render);
  - the camera is fitted to the whole scene from the scene's camera direction ("Fit" button);
  - orbit: the camera circles the scene at 36 deg/s, one fig.render() per requestAnimationFrame,
    at full resolution; fps = frames in 5 s after a 1 s warm-up;
  - drag: a real mouse drag through OrbitControls (render on demand, with the figure's reduced
    resolution while interacting); fps = frames the figure drew / drag time (bounded by how fast
    Playwright delivers mouse events);
  - spin: the figure's own auto-spin (space bar), which also lowers the resolution while moving
    when frames are slow; fps = frames drawn / time.
Prints every run and the medians as JSON lines.

Usage:
  .venv/bin/python scripts/bench_render.py                  # both scenes, 3 runs
  .venv/bin/python scripts/bench_render.py --scenes attention --runs 1 --seconds 3
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
sys.path.insert(0, str(REPO / "tests" / "e2e" / "fixtures" / "render"))

from harness import RenderPage  # noqa: E402

import mmcore  # noqa: E402

BLOG_CASES = REPO.parent / "shared" / "reference" / "mm_blog_cases.json"


def attention_params() -> dict:
    """mm's params of the essay's attention layer (blog link #49), from the shared oracle file if present."""
    for path in (BLOG_CASES, REPO / "tests" / "data" / "mm_blog_cases.json"):
        if path.exists():
            cases = {c["id"]: c for c in json.loads(path.read_text())}
            return cases["blog49"]["params"]
    raise SystemExit("mm_blog_cases.json (blog49) not found")


def scaled(params, factor: int):
    """A copy of mm params with every leaf's h and w multiplied by ``factor``."""
    if isinstance(params, dict):
        out = {k: scaled(v, factor) for k, v in params.items()}
        for key in ("h", "w"):
            if isinstance(params.get(key), int) and ("init" in params or "left" not in params):
                out[key] = params[key] * factor
        return out
    if isinstance(params, list):
        return [scaled(v, factor) for v in params]
    return params


def build_scene(name: str) -> tuple[bytes, int]:
    params = attention_params()
    if name == "gpt2":
        params = scaled(params, 4)
    scene = mmcore.layout(mmcore.from_mm(params))
    return scene.to_bytes(), scene.element_count()


ORBIT_JS = """async ([seconds, warm]) => {
  const f = window.figs.fig;
  const cam = f.camera;
  const st = f.getState().camera;
  const tgt = st.target;
  const dx = st.position[0] - tgt[0], dz = st.position[2] - tgt[2];
  const r = Math.hypot(dx, dz), y = st.position[1], a0 = Math.atan2(dx, dz);
  return await new Promise((resolve) => {
    const t0 = performance.now();
    let frames = 0, tStart = null;
    const tick = () => {
      const now = performance.now();
      const a = a0 + (now - t0) / 1000 * Math.PI / 5;   // 36 deg/s
      cam.position.set(tgt[0] + r * Math.sin(a), y, tgt[2] + r * Math.cos(a));
      cam.lookAt(tgt[0], tgt[1], tgt[2]);
      f.render();
      if (now - t0 >= warm * 1000) {
        if (tStart === null) tStart = now; else frames++;
      }
      if (tStart === null || now - tStart < seconds * 1000) requestAnimationFrame(tick);
      else resolve({fps: frames / ((now - tStart) / 1000), frames});
    };
    requestAnimationFrame(tick);
  });
}"""


def drag_fps(rp: RenderPage, seconds: float) -> dict:
    page = rp.page
    box = page.evaluate("() => { const r = window.figs.fig.canvas.getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; }")
    f0 = page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    page.mouse.move(box[0], box[1])
    page.mouse.down()
    t0 = time.perf_counter()
    k = 0
    while time.perf_counter() - t0 < seconds:
        k += 1
        page.mouse.move(box[0] + 200 * ((k % 80) / 80 - 0.5), box[1] + 20 * ((k % 40) / 40 - 0.5))
        page.wait_for_timeout(8)
    elapsed = time.perf_counter() - t0
    f1 = page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    page.mouse.up()
    ratio = page.evaluate("() => window.figs.fig.renderer.getPixelRatio()")
    return {"fps": (f1 - f0) / elapsed, "pixel_ratio_while_dragging": ratio, "mouse_moves": k}


def spin_fps(rp: RenderPage, seconds: float) -> dict:
    """The figure's own auto-spin (space bar): render on demand with reduced resolution while moving."""
    page = rp.page
    page.focus("#fig .mm-fig")
    f0 = page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    page.keyboard.press("Space")
    t0 = time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    f1 = page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    elapsed = time.perf_counter() - t0
    ratio = page.evaluate("() => window.figs.fig.renderer.getPixelRatio()")
    page.keyboard.press("Space")
    return {"fps": (f1 - f0) / elapsed, "pixel_ratio": ratio}


def one_run(name: str, blob: bytes, seconds: float, shot: str = "", size: tuple[int, int] = (1280, 720)) -> dict:
    w, h = size
    with RenderPage(width=w, height=h) as rp:
        rp.page.add_style_tag(content="#host { position: fixed; inset: 0; }")
        rp.add_scene(name, blob)
        t0 = time.perf_counter()
        first = rp.mount(name, width=w, height=h, theme="dark")
        wall = time.perf_counter() - t0
        # frame the whole scene from the scene's own camera direction (the gpt2 scene keeps the
        # essay link's camera, which is too close for a 4x larger scene)
        rp.page.evaluate("() => window.figs.fig.action('fit')")
        rp.page.wait_for_timeout(100)
        if shot:
            rp.screenshot(Path(shot))
        orbit = rp.page.evaluate(ORBIT_JS, [seconds, 1.0])
        drag = drag_fps(rp, seconds)
        spin = spin_fps(rp, seconds)
        info = rp.page.evaluate("() => { const r = window.figs.fig.renderer; const gl = r.getContext();"
                                " return {size: [gl.drawingBufferWidth, gl.drawingBufferHeight],"
                                " textures: r.info.memory.textures, calls: r.info.render.calls}; }")
        errors = [e for e in rp.errors if "GPU stall" not in e]
    return {"scene": name, "first_frame_ms": round(first["ms"], 1), "mount_wall_s": round(wall, 2),
            "orbit_fps": round(orbit["fps"], 1), "drag_fps": round(drag["fps"], 1),
            "drag_pixel_ratio": drag["pixel_ratio_while_dragging"],
            "spin_fps": round(spin["fps"], 1), "spin_pixel_ratio": spin["pixel_ratio"], "drawing_buffer": info["size"],
            "textures": info["textures"], "draw_calls": info["calls"], "errors": errors[:3]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", default="attention,gpt2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--size", default="1280x720", help="viewport and figure size, WxH (default 1280x720)")
    ap.add_argument("--shot", default="", help="save a screenshot of the first frame of each scene to SHOT-<scene>.png")
    args = ap.parse_args()
    for name in [s for s in args.scenes.split(",") if s]:
        t = time.perf_counter()
        blob, n = build_scene(name)
        print(json.dumps({"scene": name, "elements": n, "bytes": len(blob),
                          "build_s": round(time.perf_counter() - t, 2)}), flush=True)
        runs = []
        for k in range(args.runs):
            size = tuple(int(v) for v in args.size.lower().split("x"))
            r = one_run(name, blob, args.seconds, f"{args.shot}-{name}.png" if args.shot and k == 0 else "", size)
            print(json.dumps(r), flush=True)
            runs.append(r)
        med = {k: statistics.median(r[k] for r in runs) for k in ("first_frame_ms", "orbit_fps", "drag_fps", "spin_fps")}
        print(json.dumps({"scene": name, "elements": n, "runs": len(runs), "median": med}), flush=True)


if __name__ == "__main__":
    main()
