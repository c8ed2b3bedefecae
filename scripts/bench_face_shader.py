"""A/B timing of the face fragment shader: the working tree's against an earlier commit's, in one page.

Software WebGL on a shared machine drifts by up to 2x between runs, so two separate benchmark runs
cannot tell a 20% shader change apart. This script mounts one scene once (1280x720, like
scripts/bench_render.py), puts the camera on the whole scene ("whole") or facing one matrix
("fill"), and alternates the two shader sources on every face material (A B A B ...), timing
--frames synchronous frames per block (fig.render() and a 1-pixel readPixels, so every frame is
finished). Prints the median ms per frame of each shader and the ratios A / B as JSON lines (A / B > 1:
the working tree is faster). --b-glsl adds shader files as further variants for experiments.

Usage:
  .venv/bin/python scripts/bench_face_shader.py --against HEAD~1          # attention scene, both views
  .venv/bin/python scripts/bench_face_shader.py --against 8362e4c --scenes gpt2 --blocks 4
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from bench_render import FILL_JS, RenderPage, build_scene  # noqa: E402

MATERIAL = "pyodide_app/js/render/face-material.js"

SWAP_JS = """([src, blocked]) => {
  // Put one fragment shader on every face material; the BLOCKED define (older shaders) where the
  // face is partitioned.
  let n = 0;
  window.figs.fig.threeScene.traverse((o) => {
    if (!o.userData.face || !o.material || !o.material.uniforms || !o.material.uniforms.dims) return;
    const m = o.material, u = m.uniforms;
    const b = u.blockSize.value, d = u.dims.value;
    m.userData.srcNew = m.userData.srcNew || m.fragmentShader;
    m.userData.definesNew = m.userData.definesNew || {...m.defines};
    m.fragmentShader = src || m.userData.srcNew;
    m.defines = {...m.userData.definesNew};
    if (src && blocked && (b.x < d.x || b.y < d.y)) m.defines.BLOCKED = 1;
    m.needsUpdate = true;
    n++;
  });
  return n;
}"""

TIME_JS = """(frames) => {
  const f = window.figs.fig, gl = f.renderer.getContext(), px = new Uint8Array(4);
  f.render(); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);   // compile, warm
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    f.render();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  }
  return (performance.now() - t0) / frames;
}"""


def old_fragment(rev: str) -> str:
    """The FRAGMENT template literal of face-material.js at ``rev``."""
    text = subprocess.run(["git", "show", f"{rev}:{MATERIAL}"], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout
    start = text.index("const FRAGMENT = /* glsl */ `") + len("const FRAGMENT = /* glsl */ `")
    return text[start:text.index("`;", start)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", required=True, help="git revision whose face shader is A (B: working tree)")
    ap.add_argument("--b-glsl", default="", help="comma-separated fragment shader files timed as further variants (experiments)")
    ap.add_argument("--scenes", default="attention")
    ap.add_argument("--views", default="whole,fill")
    ap.add_argument("--blocks", type=int, default=5, help="A/B pairs per view")
    ap.add_argument("--frames", type=int, default=20, help="frames per block")
    args = ap.parse_args()
    src_a = old_fragment(args.against)
    variants = [("A", src_a), ("B", "")]
    variants += [(Path(f).stem, Path(f).read_text()) for f in args.b_glsl.split(",") if f]
    for name in args.scenes.split(","):
        blob, n = build_scene(name)
        with RenderPage(width=1280, height=720) as rp:
            rp.page.add_style_tag(content="#host { position: fixed; inset: 0; }")
            rp.add_scene(name, blob)
            rp.mount(name, width=1280, height=720, theme="dark")
            rp.page.evaluate("() => window.figs.fig.renderer.setPixelRatio(1)")
            for view in args.views.split(","):
                rp.page.evaluate("() => window.figs.fig.action('fit')")
                if view == "fill":
                    rp.page.evaluate(FILL_JS, "attn")
                times = {label: [] for label, _ in variants}
                for _ in range(args.blocks):
                    for label, src in variants:
                        rp.page.evaluate(SWAP_JS, [src, True])
                        times[label].append(rp.page.evaluate(TIME_JS, args.frames))
                a = statistics.median(times["A"])
                out = {"scene": name, "elements": n, "view": view, "A": args.against, "A_ms": round(a, 2)}
                for label, _ in variants[1:]:
                    m = statistics.median(times[label])
                    out[f"{label}_ms"], out[f"A_over_{label}"] = round(m, 2), round(a / m, 2)
                out["all"] = {k: [round(t, 1) for t in v] for k, v in times.items()}
                print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
