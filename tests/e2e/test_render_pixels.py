"""Pixel tests of the three.js renderer (pyodide_app/js/render) on a standalone test page.

The page bundles the renderer with esbuild (tests/e2e/fixtures/render/harness.py) and draws
small deterministic scenes through software WebGL2 (SwiftShader) in the session's Chromium.
Colours are checked against mmcore.color (mm's HSL mapping) at the projected centres of elements.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "render"))
from harness import RenderPage  # noqa: E402
from scenes import single_face_scene  # noqa: E402

from mmcore import color as mmcolor  # noqa: E402

WHITE = np.array([255, 255, 255])
DARK_BG = np.array([0x15, 0x17, 0x1C])


@pytest.fixture(scope="module")
def rp(browser):
    with RenderPage(browser=browser) as page:
        yield page


@pytest.fixture()
def fresh(rp):
    """Each test mounts its own figure(s); every figure left is disposed afterwards."""
    yield rp
    rp.page.evaluate("() => { for (const id of Object.keys(window.figs || {})) { window.figs[id].dispose();"
                     " document.getElementById(id)?.remove(); delete window.figs[id]; } }")
    rp.page.emulate_media(reduced_motion="no-preference")
    rp.page.evaluate("() => document.body.classList.add('hide-overlays')")


def expected_rgb(values, absmin, absmax, viz=None):
    v = mmcolor.VizSettings() if viz is None else viz
    h, s, l, _ = mmcolor.hsl_and_size(np.asarray(values, dtype=np.float64), v, absmin, absmax)  # noqa: E741
    r, g, b = mmcolor.hsl_to_rgb(h, s, l)
    return np.round(np.stack([r, g, b], axis=-1) * 255).astype(int)


def project(rp, points, fig="fig"):
    return rp.page.evaluate("([id, pts]) => pts.map((p) => window.figs[id].project(p))", [fig, points])


def at(img, xy):
    x, y = xy
    return img[int(round(y)), int(round(x))]


def elem(r, c, ro=None, co=None):
    """Scene position of element (r, c) of a single_face_scene face (offsets default to r, c)."""
    return [float(c if co is None else co[c]), -float(r if ro is None else ro[r]), 0.0]


def test_eye_only_diagonal_is_coloured_with_mm_colour(fresh):
    rp = fresh
    rp.add_scene("eye", single_face_scene(np.eye(4), name="I"))
    rp.mount("eye")
    img = rp.screenshot()
    want = expected_rgb(1.0, 0.0, 1.0)
    assert np.abs(want - [102, 209, 255]).max() <= 1  # hue 0.55, light 0.7: cyan-blue
    pts = project(rp, [elem(r, c) for r in range(4) for c in range(4)])
    for k, xy in enumerate(pts):
        r, c = divmod(k, 4)
        px = at(img, xy)
        if r == c:
            assert np.abs(px - want).max() <= 8, f"element ({r},{c}) at {xy}: {px} vs mm colour {want}"
        else:
            assert np.abs(px - WHITE).max() <= 3, f"zero element ({r},{c}) should be invisible, got {px}"


def test_signs_magnitudes_and_disc_sizes(fresh):
    rp = fresh
    vals = np.array([[1.0, 0.0, 0.25, 0.0, -1.0, -0.25]], dtype=np.float32)
    rp.add_scene("signs", single_face_scene(vals, camera_distance=7.0))
    rp.mount("signs")
    img = rp.screenshot()
    pts = project(rp, [elem(0, c) for c in range(6)])
    want = expected_rgb(vals[0], 0.0, 1.0)
    for c, xy in enumerate(pts):
        if vals[0, c] != 0:
            assert np.abs(at(img, xy) - want[c]).max() <= 8, f"element {c}: {at(img, xy)} vs {want[c]}"
    # positive is cyan-blue (blue > red), negative red (red > blue)
    assert want[0][2] > want[0][0] and want[4][0] > want[4][2]

    def diameter(xy):
        """Length of the run of non-background pixels through the disc centre, along the row."""
        row, x0 = img[int(round(xy[1]))], int(round(xy[0]))
        n = 1
        for step in (-1, 1):
            x = x0 + step
            while np.abs(row[x] - WHITE).max() > 40:
                n, x = n + 1, x + step
        return n

    d_full, d_quarter = diameter(pts[0]), diameter(pts[2])
    # mm: size = min_size + (1 - min_size) * sqrt(vol) = 0.6 of full for |x| = 0.25; a full disc is
    # elem_scale 1.25 -> 1.035 cells, capped at the cell (1.0), so the ratio is 0.6 * 1.035
    assert d_full > 20
    assert abs(d_quarter / d_full - 0.621) < 0.05, (d_full, d_quarter)


def test_nan_and_infinity_are_marked(fresh):
    rp = fresh
    vals = np.array([[np.nan, np.inf, -np.inf, 0.0]], dtype=np.float32)
    rp.add_scene("special", single_face_scene(vals, camera_distance=6.0))
    rp.mount("special")
    img = rp.screenshot()
    pts = project(rp, [elem(0, c) for c in range(4)])
    mark = np.array([0x11, 0x11, 0x11])
    assert np.abs(at(img, pts[1]) - mark).max() <= 10   # +Inf: full disc in the mark colour
    assert np.abs(at(img, pts[2]) - mark).max() <= 10   # -Inf
    assert np.abs(at(img, pts[0]) - WHITE).max() <= 3   # NaN: a ring, empty centre ...
    ring = [pts[0][0] + 0.8 * (pts[1][0] - pts[0][0]) * 0.5 * 0.85, pts[0][1]]
    assert np.abs(at(img, ring) - mark).max() <= 40     # ... and a dark rim
    assert np.abs(at(img, pts[3]) - WHITE).max() <= 3   # zero: nothing


def test_block_gaps_follow_offsets(fresh):
    rp = fresh
    vals = np.ones((4, 4), dtype=np.float32)
    rp.add_scene("blocks", single_face_scene(vals, row_block=2, col_block=2, gap=3.0))
    rp.mount("blocks")
    img = rp.screenshot()
    off = [0, 1, 5, 6]   # r + floor(r/2) * 3
    want = expected_rgb(1.0, 0.0, 1.0)
    pts = project(rp, [elem(r, c, off, off) for r in range(4) for c in range(4)])
    for k, xy in enumerate(pts):
        assert np.abs(at(img, xy) - want).max() <= 8, f"element {divmod(k, 4)} at offsets: {at(img, xy)}"
    gap_pts = project(rp, [[3.0, -3.0, 0.0], [3.0, 0.0, 0.0], [0.0, -3.0, 0.0]])
    for xy in gap_pts:
        assert np.abs(at(img, xy) - WHITE).max() <= 3, f"block gap at {xy} is drawn: {at(img, xy)}"


def test_wide_matrix_beyond_texture_size_wraps_correctly(fresh):
    rp = fresh
    W = 9000   # wider than MAX_TEXTURE_SIZE 8192 here: values are wrapped into a 2D texture
    vals = np.zeros((2, W), dtype=np.float32)
    vals[1, 8500] = 1.0
    vals[0, 8501] = -1.0
    rp.add_scene("wide", single_face_scene(vals))
    rp.mount("wide")
    rp.page.evaluate("() => window.figs.fig.setState({camera: {position: [8500.5 - 4500, -0.5 + 0.5, 6],"
                     " target: [8500.5 - 4500, -0.5 + 0.5, 0], up: [0, 1, 0]}})")
    rp.settle()
    img = rp.screenshot()
    p1, p0, pz = project(rp, [elem(1, 8500), elem(0, 8501), elem(0, 8500)])
    want = expected_rgb([1.0, -1.0], 0.0, 1.0)
    assert np.abs(at(img, p1) - want[0]).max() <= 8, at(img, p1)
    assert np.abs(at(img, p0) - want[1]).max() <= 8, at(img, p0)
    assert np.abs(at(img, pz) - WHITE).max() <= 3


def test_dark_theme_background_and_switch(fresh):
    rp = fresh
    rp.add_scene("eye2", single_face_scene(np.eye(2)))
    rp.mount("eye2", theme="dark")
    img = rp.screenshot()
    corner = rp.page.evaluate("() => { const r = window.figs.fig.canvas.getBoundingClientRect(); return [r.left + 5, r.bottom - 5]; }")
    assert np.abs(at(img, corner) - DARK_BG).max() <= 3
    on_diag = project(rp, [elem(0, 0)])[0]
    assert np.abs(at(img, on_diag) - expected_rgb(1.0, 0.0, 1.0)).max() <= 8
    rp.page.evaluate("() => window.figs.fig.setTheme('light')")
    rp.settle()
    img = rp.screenshot()
    assert np.abs(at(img, corner) - WHITE).max() <= 3


def test_name_label_is_drawn(fresh):
    rp = fresh
    label = {"text": "WXYZ", "kind": "name", "face": "", "position": [1.5, 3.0, 0.0],
             "right": [1, 0, 0], "up": [0, 1, 0], "size": 1.5}
    rp.add_scene("lab", single_face_scene(np.eye(4), labels=[label], camera_distance=16.0))
    rp.add_scene("nolab", single_face_scene(np.eye(4), camera_distance=16.0))

    def dark_pixels():
        img = rp.screenshot()
        (x0, y0), (x1, y1) = project(rp, [[-1.0, 4.0, 0.0], [4.0, 2.0, 0.0]])
        box = img[int(y0):int(y1), int(x0):int(x1)]
        return int((np.abs(box - [0x1F, 0x24, 0x30]).max(axis=-1) < 60).sum())

    rp.mount("lab", fig_id="fig")
    with_label = dark_pixels()
    rp.unmount("fig")
    rp.mount("nolab", fig_id="fig")
    without = dark_pixels()
    assert with_label > 150 and without == 0, (with_label, without)


def test_row_guides_and_corner_mark(fresh):
    rp = fresh
    rp.add_scene("guides", single_face_scene(np.eye(4), guides=True))
    rp.mount("guides")
    img = rp.screenshot()
    top_mid, corner_in = project(rp, [[1.5, 0.5, 0.01], [-0.2, 0.2, 0.01]])
    guide = np.array([0x30, 0x34, 0x3C])
    x, y = (int(round(v)) for v in top_mid)
    column = img[y - 2:y + 3, x]      # a 1 px line: the darkest of 5 pixels across it
    darkest = column[column.sum(axis=1).argmin()]
    assert np.abs(darkest - guide).max() <= 40, column
    assert np.abs(at(img, corner_in) - guide).max() <= 40, at(img, corner_in)


def test_colour_legend_shows_scale_and_mode(fresh):
    rp = fresh
    rp.add_scene("leg", single_face_scene(np.array([[2.0, -2.0]]), sensitivity="local"))
    rp.page.evaluate("() => document.body.classList.remove('hide-overlays')")
    rp.mount("leg")
    info = rp.page.evaluate("""() => { const el = document.querySelector('#fig .mm-fig__legend');
        const r = el.getBoundingClientRect(); return {text: el.textContent, hidden: el.hidden,
        box: [r.left, r.top, r.right, r.bottom]}; }""")
    assert not info["hidden"]
    assert "local" in info["text"] and "2" in info["text"]
    img = rp.screenshot()
    x0, y0, x1, y1 = (int(v) for v in info["box"])
    box = img[y0:y1, x0:x1]
    reds = ((box[..., 0] > 200) & (box[..., 2] < 120)).sum()
    blues = ((box[..., 2] > 200) & (box[..., 0] < 140)).sum()
    assert reds > 50 and blues > 50, (reds, blues)


def test_mmcore_scene_result_colour(fresh):
    import mmcore

    rp = fresh
    A = mmcore.matrix("A", 6, 5, init="rows")
    B = mmcore.matrix("B", 5, 7, init="cols")
    scene = mmcore.layout(A @ B)
    rp.add_scene("ab", scene.to_bytes())
    rp.mount("ab")
    face = scene.face("")
    # look straight at the result face from its normal side, close enough for 20+ px cells
    centre = (face.position(2, 3) + face.position(3, 3)) / 2
    n = face.normal()
    c = np.asarray(scene.center)
    cam = (centre + c + 11 * n).tolist()
    tgt = (centre + c).tolist()
    rp.page.evaluate("([p, t]) => window.figs.fig.setState({camera: {position: p, target: t, up: [0, 1, 0]}})", [cam, tgt])
    rp.settle()
    img = rp.screenshot()
    viz = None   # mm's default colour settings (this scene sets none)
    checked = 0
    # corner elements: the name label sits on the face centre and the corner mark on (0, 0)
    for r, cc in [(0, 6), (5, 0), (5, 6), (4, 5)]:
        v = float(face.values[r, cc])
        if v == 0:
            continue
        want = expected_rgb(v, *face.color_range, viz=viz)
        xy = project(rp, [face.position(r, cc).tolist()])[0]
        assert np.abs(at(img, xy) - want).max() <= 8, f"result ({r},{cc}) = {v}: {at(img, xy)} vs {want}"
        checked += 1
    assert checked >= 3


def test_dispose_releases_webgl_contexts(fresh):
    rp = fresh
    rp.add_scene("d", single_face_scene(np.eye(3)))
    before = len(rp.errors)
    lost = []
    for k in range(20):
        rp.mount("d", fig_id=f"f{k}")
        lost.append(rp.page.evaluate(
            "(id) => { const f = window.figs[id]; const gl = f.renderer.getContext(); f.dispose();"
            " document.getElementById(id).remove(); delete window.figs[id]; return gl.isContextLost(); }", f"f{k}"))
    assert all(lost), lost
    assert rp.page.evaluate("() => window.mmRender.liveFigures.size") == 0
    assert rp.page.evaluate("() => document.querySelectorAll('canvas').length") == 0
    new_errors = [e for e in rp.errors[before:] if "Too many active WebGL contexts" in e or "context lost" in e.lower()]
    assert not new_errors, new_errors
    rp.mount("d")   # a figure after 20 mount/dispose cycles still draws
    img = rp.screenshot()
    assert np.abs(at(img, project(rp, [elem(1, 1)])[0]) - expected_rgb(1.0, 0.0, 1.0)).max() <= 8


def test_render_on_demand_no_frames_while_idle(fresh):
    rp = fresh
    rp.add_scene("idle", single_face_scene(np.eye(3)))
    rp.mount("idle")
    rp.settle(3)                    # the ResizeObserver's first callback may draw once
    f0 = rp.page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    rp.page.wait_for_timeout(600)
    f1 = rp.page.evaluate("() => window.figs.fig.renderer.info.render.frame")
    assert f1 == f0
    rp.page.evaluate("() => window.figs.fig.action('top')")
    rp.settle()
    assert rp.page.evaluate("() => window.figs.fig.renderer.info.render.frame") > f1


def test_preset_views_and_state_round_trip(fresh):
    rp = fresh
    rp.page.evaluate("() => document.body.classList.remove('hide-overlays')")
    rp.add_scene("views", single_face_scene(np.eye(3)))
    rp.mount("views")
    rp.page.click("#fig button[data-fig-action='top']")
    s = rp.page.evaluate("() => window.figs.fig.getState()")
    x, y, z = s["camera"]["position"]
    assert y > 0 and abs(x) < 1e-3 and abs(z) < 1e-3
    rp.page.click("#fig button[data-fig-action='left']")
    x, y, z = rp.page.evaluate("() => window.figs.fig.getState()")["camera"]["position"]
    assert x < 0 and abs(y) < 1e-3 and abs(z) < 1e-3
    state = {"camera": {"position": [1.0, 2.0, 9.0], "target": [0.5, 0.0, 0.0], "up": [0.0, 1.0, 0.0]},
             "theme": "dark", "spin": False}
    rp.page.evaluate("(s) => window.figs.fig.setState(s)", state)
    got = rp.page.evaluate("() => window.figs.fig.getState()")
    assert got["camera"]["position"] == pytest.approx(state["camera"]["position"], abs=1e-3)
    assert got["camera"]["target"] == pytest.approx(state["camera"]["target"], abs=1e-3)
    assert got["theme"] == "dark"
    rp.page.click("#fig button[data-fig-action='reset']")
    x, y, z = rp.page.evaluate("() => window.figs.fig.getState()")["camera"]["position"]
    assert abs(x) < 1e-3 and abs(y) < 1e-3 and z > 0   # the scene's camera hint: straight in front


def test_space_toggles_spin_unless_reduced_motion(fresh):
    rp = fresh
    rp.add_scene("spin", single_face_scene(np.eye(3)))
    rp.mount("spin")
    p0 = rp.page.evaluate("() => window.figs.fig.getState().camera.position")
    rp.page.focus("#fig .mm-fig")
    rp.page.keyboard.press("Space")
    rp.settle(4)                    # the first spinning frame only starts the clock; the next ones turn
    s = rp.page.evaluate("() => window.figs.fig.getState()")
    assert s["spin"] is True and s["camera"]["position"] != pytest.approx(p0, abs=1e-3)
    assert rp.page.get_attribute("#fig button[data-fig-action='spin']", "aria-pressed") == "true"
    # one frame per animation frame while spinning (no doubled renders)
    frames, ticks = rp.page.evaluate("""() => new Promise((resolve) => {
        const f = window.figs.fig, f0 = f.renderer.info.render.frame; let n = 0;
        const tick = () => { n++; if (n < 30) requestAnimationFrame(tick); else resolve([f.renderer.info.render.frame - f0, n]); };
        requestAnimationFrame(tick); })""")
    assert 0 < frames <= ticks + 1, (frames, ticks)
    rp.page.keyboard.press("Space")
    assert rp.page.evaluate("() => window.figs.fig.getState().spin") is False
    rp.page.emulate_media(reduced_motion="reduce")
    rp.page.keyboard.press("Space")
    assert rp.page.evaluate("() => window.figs.fig.getState().spin") is False
    rp.page.emulate_media(reduced_motion="no-preference")
    rp.page.evaluate("() => document.activeElement.blur()")
    box = rp.page.evaluate("() => { const r = window.figs.fig.canvas.getBoundingClientRect(); return [r.left + 20, r.top + 20]; }")
    rp.page.mouse.click(*box)           # clicking the figure gives it the keyboard
    rp.page.keyboard.press("Space")
    assert rp.page.evaluate("() => window.figs.fig.getState().spin") is True
    rp.page.keyboard.press("Space")


def test_canvas_has_text_alternative(fresh):
    rp = fresh
    rp.add_scene("alt", single_face_scene(np.eye(3), name="Ident"))
    rp.mount("alt")
    label = rp.page.get_attribute("#fig canvas", "aria-label")
    assert "Ident 3×3" in label


def test_decoder_rejects_bad_blobs_clearly(fresh):
    rp = fresh
    msgs = rp.page.evaluate("""() => {
        const out = [];
        const tryIt = (buf) => { try { window.mmRender.decodeScene(buf); out.push('ok'); } catch (e) { out.push(e.message); } };
        tryIt(new ArrayBuffer(4));
        const b = new Uint8Array(16); b.set([88, 88, 88, 88]); tryIt(b.buffer);
        const c = new Uint8Array(16); c.set([77, 77, 83, 67, 9, 0, 0, 0]); tryIt(c.buffer);
        return out; }""")
    assert "at least 12" in msgs[0]
    assert '"XXXX"' in msgs[1] and '"MMSC"' in msgs[1]
    assert "version 9" in msgs[2]


def test_hover_tooltip_names_the_dot_product_and_highlights_sources(fresh):
    import mmcore

    rp = fresh
    A = mmcore.matrix("A", 6, 5, init="rows")
    B = mmcore.matrix("B", 5, 7, init="cols")
    scene = mmcore.layout(A @ B)
    rp.add_scene("hov", scene.to_bytes())
    rp.mount("hov")
    face = scene.face("")
    xy = project(rp, [face.position(4, 5).tolist()])[0]
    rp.page.mouse.move(xy[0] + 40, xy[1] + 40)
    rp.page.mouse.move(xy[0], xy[1])
    rp.page.wait_for_function("() => !document.querySelector('#fig .mm-fig__tip').hidden")
    text = rp.page.text_content("#fig .mm-fig__tip")
    assert text.startswith(f"{face.name} [4, 5] = ")
    assert float(text.split("\n")[0].split("= ")[1]) == pytest.approx(float(face.values[4, 5]), rel=1e-4)
    assert "dot(row 4 of A, column 5 of B)" in text
    hl = rp.page.evaluate("""() => { const out = {}; window.figs.fig.threeScene.traverse(o => {
        if (o.userData.face) { const h = o.material.uniforms.highlight.value; out[o.userData.face.path] = [h.x, h.y]; } });
        return out; }""")
    assert hl[""] == [4, 5] and hl["L"] == [4, -1] and hl["R"] == [-1, 5]
    rp.page.mouse.move(2, 2)   # off the figure: tooltip and highlights go away
    rp.page.wait_for_function("() => document.querySelector('#fig .mm-fig__tip').hidden")


def test_export_png_is_twice_the_canvas_size(fresh):
    import io

    from PIL import Image

    rp = fresh
    rp.add_scene("png", single_face_scene(np.eye(3)))
    rp.mount("png", width=320, height=200)
    data = rp.page.evaluate("""async () => { const b = await window.figs.fig.exportPNG(2);
        return Array.from(new Uint8Array(await b.arrayBuffer())); }""")
    img = Image.open(io.BytesIO(bytes(data)))
    assert img.size == (640, 400)
    px = np.asarray(img.convert("RGB")).astype(int)
    coloured = (np.abs(px - expected_rgb(1.0, 0.0, 1.0)).max(axis=-1) <= 8).sum()
    assert coloured > 300   # the three discs are in the image
    assert rp.page.evaluate("() => window.figs.fig.renderer.getPixelRatio()") == 1


def test_figure_draws_again_after_context_loss(fresh):
    rp = fresh
    rp.add_scene("lost", single_face_scene(np.eye(3)))
    rp.mount("lost")
    rp.page.evaluate("""() => new Promise((resolve) => {
        const f = window.figs.fig, ext = f.renderer.getContext().getExtension('WEBGL_lose_context');
        f.canvas.addEventListener('webglcontextlost', () => setTimeout(() => ext.restoreContext(), 50), {once: true});
        f.canvas.addEventListener('webglcontextrestored', () => setTimeout(resolve, 300), {once: true});
        ext.loseContext(); })""")
    img = rp.screenshot()
    assert np.abs(at(img, project(rp, [elem(1, 1)])[0]) - expected_rgb(1.0, 0.0, 1.0)).max() <= 8


@pytest.mark.parametrize("view", ["fit", "front", "top", "left", "isometric"])
def test_views_frame_the_whole_scene_tightly(fresh, view):
    import mmcore

    rp = fresh
    A = mmcore.matrix("A", 24, 8, init="rows")
    B = mmcore.matrix("B", 8, 40, init="cols")
    scene = mmcore.layout(A @ B)
    rp.add_scene("fitme", scene.to_bytes())
    rp.mount("fitme", width=640, height=400)
    rp.page.evaluate("(v) => window.figs.fig.action(v)", view)
    corners = []   # the corners of every face (half a cell beyond the outer elements)
    for f in scene.faces:
        for a in (-0.5, float(f.row_offsets[-1]) + 0.5):
            for b in (-0.5, float(f.col_offsets[-1]) + 0.5):
                corners.append((np.asarray(f.p00) + a * np.asarray(f.row_dir) + b * np.asarray(f.col_dir)).tolist())
    pts = np.array(project(rp, corners))
    box = rp.page.evaluate("() => { const r = window.figs.fig.canvas.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }")
    assert (pts[:, 0] >= box[0] - 0.5).all() and (pts[:, 0] <= box[2] + 0.5).all(), pts
    assert (pts[:, 1] >= box[1] - 0.5).all() and (pts[:, 1] <= box[3] + 0.5).all(), pts
    # tight: the faces span at least 85% of the width or of the height, and are centred
    span = max((pts[:, 0].max() - pts[:, 0].min()) / (box[2] - box[0]), (pts[:, 1].max() - pts[:, 1].min()) / (box[3] - box[1]))
    assert span > 0.85, span
    mid = [(pts[:, 0].max() + pts[:, 0].min()) / 2, (pts[:, 1].max() + pts[:, 1].min()) / 2]
    assert abs(mid[0] - (box[0] + box[2]) / 2) < 0.08 * (box[2] - box[0]), mid
    assert abs(mid[1] - (box[1] + box[3]) / 2) < 0.08 * (box[3] - box[1]), mid


def test_many_figures_share_a_bounded_number_of_contexts(fresh):
    rp = fresh
    rp.add_scene("many", single_face_scene(np.eye(3)))
    before = len(rp.errors)
    for k in range(20):     # a long page: 20 figures of 300 px, one below the other
        rp.mount("many", fig_id=f"m{k}", width=400, height=300)
    rp.page.wait_for_timeout(300)
    live = rp.page.evaluate("() => Object.values(window.figs).filter((f) => f.attached).length")
    assert live <= 12, live
    assert not [e for e in rp.errors[before:] if "Too many active WebGL contexts" in e]
    # every figure shows something: a live canvas or a still image of its last frame
    shown = rp.page.evaluate("""() => Object.keys(window.figs).map((id) =>
        !!document.querySelector(`#${id} canvas`) || !!document.querySelector(`#${id} .mm-fig__still`))""")
    assert all(shown[:12]), shown
    # scroll to the last figure: it gets a context and draws mm's colour; the off-screen figures seen
    # longest ago (m4, never on screen) give theirs back and show a still image instead
    rp.page.evaluate("() => document.getElementById('m19').scrollIntoView()")
    rp.page.wait_for_function("() => window.figs.m19.attached")
    rp.settle()
    assert rp.page.evaluate("() => Object.values(window.figs).filter((f) => f.attached).length") <= 12
    img = rp.screenshot()
    xy = project(rp, [elem(1, 1)], fig="m19")[0]
    assert np.abs(at(img, xy) - expected_rgb(1.0, 0.0, 1.0)).max() <= 8
    assert rp.page.evaluate("() => window.figs.m4.attached") is False
    kids = rp.page.evaluate("() => [...document.querySelector('#m4 .mm-fig').children].map((c) => c.tagName + '.' + c.className)")
    assert "IMG.mm-fig__still" in kids and "CANVAS." not in kids, kids
    # the detached figure gets a context again and draws when scrolled to
    rp.page.evaluate("() => document.getElementById('m4').scrollIntoView()")
    rp.page.wait_for_function("() => window.figs.m4.attached")
    rp.settle()
    assert rp.page.evaluate("() => Object.values(window.figs).filter((f) => f.attached).length") <= 12
    img = rp.screenshot()
    xy = project(rp, [elem(1, 1)], fig="m4")[0]
    assert np.abs(at(img, xy) - expected_rgb(1.0, 0.0, 1.0)).max() <= 8


def test_labels_stay_readable_from_behind_and_upside_down(fresh):
    from PIL import Image

    rp = fresh
    label = {"text": "F7L", "kind": "name", "face": "", "position": [1.5, 3.5, 0.0],
             "right": [1, 0, 0], "up": [0, 1, 0], "size": 2.0}
    rp.add_scene("read", single_face_scene(np.eye(4), labels=[label], camera_distance=16.0))
    rp.mount("read")
    box = [[-1.5, 5.0, 0.0], [4.5, 5.0, 0.0], [-1.5, 2.0, 0.0], [4.5, 2.0, 0.0]]

    def crop():
        img = rp.screenshot()
        pts = np.array(project(rp, box))
        x0, y0 = pts.min(axis=0).astype(int)
        x1, y1 = pts.max(axis=0).astype(int)
        ink = (np.abs(img[y0:y1, x0:x1] - [0x1F, 0x24, 0x30]).max(axis=-1) < 70).astype(np.uint8) * 255
        return np.asarray(Image.fromarray(ink).resize((120, 60))).astype(float) / 255

    front = crop()
    assert front.sum() > 50
    centre = [1.5, 3.5, 0.0]   # scene coordinates; the camera looks at the label from the other side
    c = rp.page.evaluate("() => window.figs.fig.scene.center")
    tgt = [centre[k] + c[k] for k in range(3)]
    for cam, flip in ((dict(position=[tgt[0], tgt[1], -16.0], up=[0, 1, 0]), np.fliplr),   # behind
                      (dict(position=[tgt[0], tgt[1], 16.0], up=[0, -1, 0]), lambda a: a[::-1, ::-1])):  # upside down
        rp.page.evaluate("(c) => window.figs.fig.setState({camera: c})", {**cam, "target": tgt})
        rp.settle()
        seen = crop()
        same, turned = np.abs(seen - front).mean(), np.abs(flip(seen) - front).mean()
        assert same < turned, (cam, same, turned)
