"""Frame-rate benchmark of the three.js renderer (pyodide_app/js/render) in headless Chromium.

Scenes, built once with mmcore:
  attention  the essay's attention layer (mm blog link #49: 17 matrices, 1,146,880 elements)
  gpt2       the same layer at GPT-2-small size (every dimension x4: 192->768, 256->1024, 768->3072;
             18,350,080 elements)

For each scene and each of --runs fresh browsers (1280x720, device pixel ratio 1, software WebGL2
through SwiftShader), the figure fills the page and:
  - first frame: ms from handing the scene bytes to fig.setScene until it resolves (decode, build,
    texture upload, first render); first_pixels_ms: until that frame's pixels can be read back
    (gl.readPixels waits for the GPU work queued so far: what the reader actually sees);
  - whole: the camera is fitted to the whole scene from the scene's camera direction ("Fit"), then
    orbits it at 36 deg/s;
  - fill: the camera faces one matrix (--fill-face, default attn: 256x256, or 1024x1024 at gpt2
    size) fitted to the view, and swings +-20 deg around it at 36 deg/s;
  - each orbit is driven like a user's drag: pointer events on the canvas (one per animation frame)
    go through the figure's OrbitControls, whose change events make the figure draw, so its
    adaptive resolution applies ("adaptive"); "full" repeats it with the pixel ratio pinned at 1;
    fps = frames the figure drew in --seconds after a 1 s warm-up; *_ratio is the median pixel
    ratio while measuring;
  - --sync reads one pixel per animation frame so that only finished frames count (software WebGL
    may otherwise queue work; without it a fill-bound case can read up to ~1.5x high);
  - --spin: also the figure's own auto-spin (space bar).
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
    import mmcore.geometry.limits as limits

    params = attention_params()
    if name == "gpt2":
        params = scaled(params, 4)
    saved, limits.MAX_ELEMENTS = limits.MAX_ELEMENTS, 10**9   # the GPT-2-size layer is past a cell's limit
    try:
        scene = mmcore.layout(mmcore.from_mm(params))
    finally:
        limits.MAX_ELEMENTS = saved
    return scene.to_bytes(), scene.element_count()


# Orbit the way a user does: pointer events on the canvas drive the figure's OrbitControls, whose
# "change" events make the figure draw on demand (so its adaptive resolution applies). The events are
# synthetic (dispatched in the page once per animation frame) so the rate is not bounded by
# Playwright's round trips. Horizontal drag only: OrbitControls turns 2*pi*dx/height per pixel.
ORBIT_JS = """async ([seconds, warm, swing, full, sync]) => {
  const f = window.figs.fig;
  const canvas = f.canvas, r = f.renderer, gl = r.getContext();
  const box = canvas.getBoundingClientRect();
  const x0 = box.left + box.width / 2, y0 = box.top + box.height / 2;
  const setRatio = r.setPixelRatio;
  if (full) { setRatio.call(r, Math.min(window.devicePixelRatio || 1, 2)); r.setPixelRatio = () => {}; }
  const ev = (type, x, buttons) => canvas.dispatchEvent(new PointerEvent(type, {
    pointerId: 1, pointerType: "mouse", isPrimary: true, clientX: x, clientY: y0, button: 0, buttons,
    bubbles: true, cancelable: true, composed: true}));
  const pxPerRad = box.height / (2 * Math.PI);
  const rate = Math.PI / 5;                         // 36 deg/s
  let x = x0, angle = 0, dir = 1;
  ev("pointerdown", x, 1);
  const px = new Uint8Array(4);
  const res = await new Promise((resolve) => {
    const t0 = performance.now();
    let last = t0, f0 = null, tStart = null, ratios = [];
    const tick = () => {
      const now = performance.now();
      if (sync) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);   // the last frame has finished
      let da = rate * (now - last) / 1000 * dir;
      last = now;
      if (swing > 0 && Math.abs(angle + da) > swing) { dir = -dir; da = -da; }
      angle += da;
      x += da * pxPerRad;
      ev("pointermove", x, 1);
      if (now - t0 >= warm * 1000) {
        if (tStart === null) { tStart = now; f0 = r.info.render.frame; }
        else ratios.push(r.getPixelRatio());
      }
      if (tStart === null || now - tStart < seconds * 1000) requestAnimationFrame(tick);
      else {
        const frames = r.info.render.frame - f0;
        ratios.sort((a, b) => a - b);
        resolve({fps: frames / ((now - tStart) / 1000), frames, pixel_ratio: ratios[ratios.length >> 1]});
      }
    };
    requestAnimationFrame(tick);
  });
  ev("pointerup", x, 0);
  if (full) { r.setPixelRatio = setRatio; }
  return res;
}"""

# Point the camera squarely at the largest matrix so that it fills the view (its larger extent fits
# the viewport), target its centre; the orbit then swings +-20 deg around it.
FILL_JS = """(name) => {
  const f = window.figs.fig, s = f.scene, cam = f.camera;
  const ctr = s.center || [0, 0, 0];
  let best = s.faces.find((face) => face.name === name) || null;
  if (!best) for (const face of s.faces) if (!best || face.values.length > best.values.length) best = face;
  const [H, W] = best.shape;
  const rowEnd = best.rowOffsets[H - 1] + 0.5, colEnd = best.colOffsets[W - 1] + 0.5;
  const at = (a, b) => [0, 1, 2].map((d) => best.p00[d] + a * best.row_dir[d] + b * best.col_dir[d] + ctr[d]);
  const c = at((rowEnd - 0.5) / 2, (colEnd - 0.5) / 2);
  const rd = best.row_dir, cd = best.col_dir;
  let n = [rd[1] * cd[2] - rd[2] * cd[1], rd[2] * cd[0] - rd[0] * cd[2], rd[0] * cd[1] - rd[1] * cd[0]];
  const toCam = [0, 1, 2].map((d) => cam.position.getComponent(d) - c[d]);
  if (n[0] * toCam[0] + n[1] * toCam[1] + n[2] * toCam[2] < 0) n = n.map((v) => -v);
  const t = Math.tan(cam.fov * Math.PI / 360);
  const dist = Math.max((rowEnd + 0.5) / (2 * t), (colEnd + 0.5) / (2 * t * cam.aspect));
  const up = Math.abs(n[1]) > 0.9 ? rd.map((v) => -v) : [0, 1, 0];
  f.setState({camera: {position: c.map((v, d) => v + n[d] * dist), target: c, up}});
  return {face: best.name, shape: best.shape};
}"""


# The figure in a fresh box; the scene bytes are fetched first, the clock starts when they go to setScene.
MOUNT_JS = """async ([name, w, h]) => {
  const host = document.getElementById('host');
  const box = document.createElement('div');
  box.id = 'fig'; box.style.width = w + 'px'; box.style.height = h + 'px';
  host.appendChild(box);
  const buf = await (await fetch(name + '.mmscene')).arrayBuffer();
  const fig = window.mmRender.createFigure(box, {theme: 'dark', label: name});
  (window.figs = window.figs || {}).fig = fig;
  const t0 = performance.now();
  await fig.setScene(buf);
  const ms = performance.now() - t0;
  const gl = fig.renderer.getContext();
  gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  return {ms, pixels_ms: performance.now() - t0};
}"""


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


def orbit(rp: RenderPage, seconds: float, swing_deg: float, full: bool, sync: bool) -> dict:
    r = rp.page.evaluate(ORBIT_JS, [seconds, 1.0, swing_deg * 3.141592653589793 / 180, full, sync])
    rp.page.wait_for_timeout(400)   # the figure settles back to full resolution
    return {"fps": round(r["fps"], 1), "pixel_ratio": r["pixel_ratio"]}


def one_run(name: str, blob: bytes, seconds: float, shot: str = "", size: tuple[int, int] = (1280, 720),
            fill_face: str = "attn", sync: bool = False, spin: bool = False) -> dict:
    w, h = size
    with RenderPage(width=w, height=h) as rp:
        rp.page.add_style_tag(content="#host { position: fixed; inset: 0; }")
        rp.add_scene(name, blob)
        t0 = time.perf_counter()
        first = rp.page.evaluate(MOUNT_JS, [name, w, h])
        wall = time.perf_counter() - t0
        # frame the whole scene from the scene's own camera direction (the gpt2 scene keeps the
        # essay link's camera, which is too close for a 4x larger scene)
        rp.page.evaluate("() => window.figs.fig.action('fit')")
        rp.page.wait_for_timeout(100)
        if shot:
            rp.screenshot(Path(shot + "-whole.png"))
        out = {"scene": name, "first_frame_ms": round(first["ms"], 1), "first_pixels_ms": round(first["pixels_ms"], 1),
               "mount_wall_s": round(wall, 2)}
        for label, full in (("adaptive", False), ("full", True)):
            o = orbit(rp, seconds, 0, full, sync)
            out[f"whole_{label}_fps"], out[f"whole_{label}_ratio"] = o["fps"], o["pixel_ratio"]
        if spin:
            sp = spin_fps(rp, seconds)
            out["spin_fps"], out["spin_pixel_ratio"] = round(sp["fps"], 1), sp["pixel_ratio"]
        rp.page.evaluate("() => window.figs.fig.action('fit')")
        out["fill_face"] = rp.page.evaluate(FILL_JS, fill_face)["face"]
        rp.page.wait_for_timeout(100)
        if shot:
            rp.screenshot(Path(shot + "-fill.png"))
        for label, full in (("adaptive", False), ("full", True)):
            o = orbit(rp, seconds, 20, full, sync)
            out[f"fill_{label}_fps"], out[f"fill_{label}_ratio"] = o["fps"], o["pixel_ratio"]
        info = rp.page.evaluate("() => { const r = window.figs.fig.renderer; const gl = r.getContext();"
                                " return {size: [gl.drawingBufferWidth, gl.drawingBufferHeight],"
                                " textures: r.info.memory.textures, calls: r.info.render.calls}; }")
        out.update({"drawing_buffer": info["size"], "textures": info["textures"], "draw_calls": info["calls"],
                    "errors": [e for e in rp.errors if "GPU stall" not in e][:3]})
    return out


KEYS = ("first_frame_ms", "first_pixels_ms", "whole_adaptive_fps", "whole_full_fps", "fill_adaptive_fps", "fill_full_fps", "spin_fps")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", default="attention,gpt2")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--size", default="1280x720", help="viewport and figure size, WxH (default 1280x720)")
    ap.add_argument("--shot", default="", help="save screenshots of both views to SHOT-<scene>-whole.png / -fill.png")
    ap.add_argument("--fill-face", default="attn", help="matrix that fills the view (default attn; else the largest)")
    ap.add_argument("--sync", action="store_true", help="read one pixel every frame (counts only finished frames)")
    ap.add_argument("--spin", action="store_true", help="also measure the figure's own auto-spin")
    ap.add_argument("--write", action="store_true", help="record the medians in benchmarks/results.json (the speed page)")
    args = ap.parse_args()
    written = {}
    for name in [s for s in args.scenes.split(",") if s]:
        t = time.perf_counter()
        blob, n = build_scene(name)
        print(json.dumps({"scene": name, "elements": n, "bytes": len(blob),
                          "build_s": round(time.perf_counter() - t, 2)}), flush=True)
        runs = []
        for k in range(args.runs):
            size = tuple(int(v) for v in args.size.lower().split("x"))
            r = one_run(name, blob, args.seconds, f"{args.shot}-{name}" if args.shot and k == 0 else "", size,
                        args.fill_face, args.sync, args.spin)
            print(json.dumps(r), flush=True)
            runs.append(r)
        med = {k: statistics.median(r[k] for r in runs) for k in KEYS if k in runs[0]}
        print(json.dumps({"scene": name, "elements": n, "runs": len(runs), "median": med}), flush=True)
        written[name] = {"elements": n, "bytes": len(blob), "runs": len(runs), "sync": args.sync, "median": med}
    if args.write:
        from bench_results import record
        record("render", written)


if __name__ == "__main__":
    main()
