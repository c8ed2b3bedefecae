"""Browser tests of the animation player (pyodide_app/js/anim) on a standalone page.

The page bundles the animated figure with esbuild (fixtures/anim/anim_harness.py); scenes come
from mmcore. Pixels at the projected centres of elements are compared with what the schedule
says (revealed or hidden) and with mm's colour of the shader-computed products.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "anim"))
from anim_harness import AnimPage  # noqa: E402

import mmcore  # noqa: E402
from mmcore import color as mmcolor  # noqa: E402
from mmcore.anim import state_at  # noqa: E402

WHITE = np.array([255, 255, 255])


@pytest.fixture(scope="module")
def ap(browser):
    with AnimPage(browser) as page:
        yield page


def operands(I=8, K=6, J=10):
    i = np.arange(I)[:, None]
    L = mmcore.matrix("L", 0.5 + (np.arange(I * K).reshape(I, K) % 5) / 4.0)   # all positive, all non-zero
    R = mmcore.matrix("R", 0.5 + (np.arange(K * J).reshape(K, J) % 3) / 2.0)
    return L @ R, i


PLAIN = dict(legends=0, row_guides=0, flow_guides=0, gap=2)   # no labels or guides over the elements


def project(ap, points):
    return ap.call("arg.map((p) => fig.project(p))", points)


def pixel(img, xy):
    x, y = xy
    return img[int(round(y)), int(round(x))]


def view(ap, name):
    ap.call(f"(fig.action('{name}'), fig.render(), 0)")


def mm_rgb(values, absmin, absmax):
    h, s, l, _ = mmcolor.hsl_and_size(np.asarray(values, np.float64), mmcolor.VizSettings(), absmin, absmax)  # noqa: E741
    r, g, b = mmcolor.hsl_to_rgb(h, s, l)
    return np.round(np.stack([r, g, b], axis=-1) * 255).astype(int)


def test_vmprod_step_from_url_reveals_exactly_the_swept_rows(ap):
    expr, _ = operands()
    # hide_inputs: the arguments (seen in perspective beside the result) never overlap its cells
    scene = mmcore.layout(expr, anim="vmprod", hide_inputs=True, **PLAIN)
    ap.add_scene("vm", scene.to_bytes())
    ap.mount("vm", query="?step-fig=3")
    assert ap.step() == 3 and ap.call("fig.player.playing") is False
    view(ap, "front")
    img = ap.screenshot()
    res = scene.face("")
    revealed = state_at(scene, 3)[""].revealed
    pts = project(ap, [res.position(r, c).tolist() for r in range(8) for c in range(10)])
    for n, xy in enumerate(pts):
        r, c = divmod(n, 10)
        px = pixel(img, xy)
        if revealed[r, c]:
            assert np.abs(px - WHITE).sum() > 60, f"revealed result cell ({r},{c}) is blank: {px}"
        else:
            assert np.abs(px - WHITE).max() <= 3, f"hidden result cell ({r},{c}) is drawn: {px}"
    assert not ap.errors


def test_vmprod_plane_shows_mm_colours_of_the_shader_products(ap):
    expr, _ = operands()
    scene = mmcore.layout(expr, anim="vmprod", hide_inputs=True, sensitivity="local", **PLAIN)
    ap.add_scene("vmh", scene.to_bytes())
    ap.mount("vmh", query="?step-fig=5")
    view(ap, "top")
    img = ap.screenshot()
    st = state_at(scene, 5)[""]
    (plane,) = st.products
    track = scene.anim["tracks"][0]
    lo, hi = track["product_range"]
    res, left = scene.face(""), scene.face("L")
    n = np.cross(res.row_dir, res.col_dir)
    checked = 0
    for k in range(6):
        for j in range(10):
            p = res.position(5, j) + n * np.dot(left.position(5, k) - res.position(0, 0), n)
            (xy,) = project(ap, [p.tolist()])
            want = mm_rgb(plane.values[k, j], lo, hi)
            got = pixel(img, xy)
            assert np.abs(got - want).max() <= 10, f"product (i=5, k={k}, j={j}) at {xy}: {got} vs {want}"
            checked += 1
    assert checked == 60 and not ap.errors


def test_controls_step_scrub_play_and_the_url(ap):
    expr, _ = operands()
    scene = mmcore.layout(expr, anim="dotprod (row major)")
    ap.add_scene("dp", scene.to_bytes())
    ap.mount("dp", query="?step-fig=7")
    page = ap.page
    bar = page.locator(".mm-anim")
    assert bar.locator("button[data-action=step-back]").count() == 1
    bar.locator("button[data-action=step]").click()
    assert ap.step() == 8 and "step-fig=8" in page.url
    bar.locator("button[data-action=step-back]").click()
    bar.locator("button[data-action=step-back]").click()
    assert ap.step() == 6
    scrub = bar.locator("input[type=range][data-action=scrub]")
    assert scrub.get_attribute("max") == str(8 * 10 - 1)
    scrub.fill("42")
    assert ap.step() == 42 and "step-fig=42" in page.url
    bar.locator("button[data-action=play]").click()
    page.wait_for_function("window.figs.fig.player.step >= 45", timeout=10_000)
    bar.locator("button[data-action=pause]").click()
    paused_at = ap.step()
    page.wait_for_timeout(300)
    assert ap.step() == paused_at and f"step-fig={paused_at}" in page.url
    bar.focus()
    page.keyboard.press("ArrowRight")
    assert ap.step() == (paused_at + 1) % 80
    assert not ap.errors


def test_same_step_same_picture_after_scrubbing_around(ap):
    expr, _ = operands()
    scene = mmcore.layout(expr.partition(i=2, k=2), anim="vmprod", gap=2)
    ap.add_scene("blk", scene.to_bytes())
    ap.mount("blk", query="?step-fig=2")
    first = ap.screenshot()
    ap.call("(fig.player.setStep(0), 0)")
    other = ap.screenshot()
    ap.call("(fig.player.setStep(2), 0)")
    again = ap.screenshot()
    assert np.array_equal(first, again)
    assert (np.abs(first - other).sum(axis=2) > 40).sum() > 50
    assert not ap.errors


def test_autoplay_without_a_url_step_and_still_scenes_get_no_controls(ap):
    expr, _ = operands()
    ap.add_scene("auto", mmcore.layout(expr, anim="mvprod", anim_speed=60).to_bytes())
    ap.mount("auto")
    ap.page.wait_for_function("window.figs.fig.player.step >= 3", timeout=10_000)
    ap.add_scene("still", mmcore.layout(expr).to_bytes())
    ap.mount("still", fig_id="still")
    assert ap.page.locator("#still + .mm-anim").count() == 0
    assert not ap.errors


def test_url_step_goes_before_an_mm_link_and_keeps_it_byte_for_byte(ap):
    ap.open()
    link = "http://h/playground/?mm=https://bhosmer.github.io/mm/index.html?0=%7B%22a%22:1%7D&1=x&2=y#top"
    got = ap.page.evaluate("([h]) => window.mmAnim.withStep(h, 'playground-1', 7)", [link])
    assert got == link.replace("?mm=", "?step-playground-1=7&mm=")
    again = ap.page.evaluate("([h]) => window.mmAnim.withStep(h, 'playground-1', 9)", [got])
    assert again == link.replace("?mm=", "?step-playground-1=9&mm=")
    assert ap.page.evaluate("([h]) => window.mmAnim.readStepFromURL('playground-1', h)", [again]) == 9
    assert ap.page.evaluate("([h]) => window.mmAnim.withStep(h, 'playground-1', null)", [again]) == link


def test_playing_removes_the_step_from_the_url(ap):
    expr, _ = operands()
    ap.add_scene("pl", mmcore.layout(expr, anim="vmprod", anim_speed=30).to_bytes())
    ap.mount("pl", query="?step-fig=2&keep=1")
    ap.page.locator(".mm-anim button[data-action=play]").click()
    assert "step-fig" not in ap.page.url and "keep=1" in ap.page.url
    ap.page.locator(".mm-anim button[data-action=pause]").click()
    assert f"step-fig={ap.step()}&keep=1" in ap.page.url


@pytest.mark.parametrize("epilog", ["none", "x**2"])
def test_vvprod_running_sum_in_the_shader_has_mm_colours_of_state_at(ap, epilog):
    L = mmcore.matrix("L", np.linspace(-1, 1, 8 * 6).reshape(8, 6))
    R = mmcore.matrix("R", np.cos(np.arange(6 * 10).reshape(6, 10)))
    scene = mmcore.layout((L @ R).with_epilog(epilog), anim="vvprod", **PLAIN)
    ap.add_scene("vv", scene.to_bytes())
    ap.mount("vv", query="?step-fig=2")
    view(ap, "front")
    img = ap.screenshot()
    st = state_at(scene, 2)[""]
    res = scene.face("")
    lo, hi = res.color_range
    pts = project(ap, [res.position(r, c).tolist() for r in range(8) for c in range(10)])
    bad = []
    for n, xy in enumerate(pts):
        r, c = divmod(n, 10)
        v = st.values[r, c]
        if abs(v) < 0.05 * hi:
            continue                      # tiny discs: the centre pixel is not a reliable colour sample
        want, got = mm_rgb(v, lo, hi), pixel(img, xy)
        if np.abs(got - want).max() > 12:
            bad.append(((r, c), float(v), got.tolist(), want.tolist()))
    assert not bad, bad[:5]
    assert not ap.errors


def test_no_frame_of_a_new_scene_is_drawn_before_the_state_of_its_step(ap):
    """A figure opened at a step (?step-fig=2) must draw its very first frame at that step: with the
    running sum in the shader and its epilog, never the finished product first."""
    L = mmcore.matrix("L", np.linspace(-1, 1, 8 * 6).reshape(8, 6))
    R = mmcore.matrix("R", np.cos(np.arange(6 * 10).reshape(6, 10)))
    ap.add_scene("first", mmcore.layout((L @ R).with_epilog("x**2"), anim="vvprod", **PLAIN).to_bytes())
    ap.open("?step-fig=2")
    frames = ap.page.evaluate("""async () => {
        const box = document.createElement('div');
        box.id = 'fig'; box.style.width = '640px'; box.style.height = '400px';
        document.getElementById('host').appendChild(box);
        const buf = await (await fetch('first.mmscene', {cache: 'no-store'})).arrayBuffer();
        const fig = window.mmAnim.createFigure(box, {theme: 'light', label: 'first', animKey: 'fig'});
        window.figs = {fig};
        const frames = [], r = fig.renderer, render = r.render.bind(r);
        r.render = (scene, camera) => {
          let planes = false, hooks = null;
          scene.traverse((o) => {
            if (o.name === 'animation') planes = true;
            if (o.isMesh && o.userData.face && o.userData.face.path === '') hooks = o.material.userData.animHooks || null;
          });
          frames.push({planes, mode: hooks ? hooks.animMode.value : null, epilog: hooks ? hooks.animEpilog.value : null});
          render(scene, camera);
        };
        await fig.setScene(buf);
        return frames;
      }""")
    assert frames, "setScene drew no frame"
    assert all(f == {"planes": True, "mode": 3, "epilog": 6} for f in frames), frames   # REVEAL.RUNNING, x**2
    assert ap.step() == 2 and not ap.errors


def test_a_figure_created_without_a_webgl_context_animates_once_it_gets_one(ap):
    """Past the budget of live contexts (12), a figure far off screen is created without one; its player
    must still load the schedule, and the figure draws that step when it scrolls near and attaches."""
    expr, _ = operands()
    ap.add_scene("late", mmcore.layout(expr, anim="vvprod", **PLAIN).to_bytes())
    ap.open("?step-late12=2")
    got = ap.page.evaluate("""async () => {
        const buf = await (await fetch('late.mmscene', {cache: 'no-store'})).arrayBuffer();
        window.figs = {};
        for (let k = 0; k <= 12; k++) {
          const box = document.createElement('div');
          box.id = `late${k}`; box.style.width = '400px'; box.style.height = '300px';
          box.style.marginTop = k ? '2000px' : '4000px';          // all far below the view
          document.getElementById('host').appendChild(box);
          const fig = window.mmAnim.createFigure(box, {theme: 'light', label: box.id, animKey: box.id});
          window.figs[box.id] = fig;
          await fig.setScene(buf.slice(0));
        }
        const f = window.figs.late12;
        return {attached: f.attached, loaded: !!f.player.schedule, step: f.player.step};
      }""")
    assert got == {"attached": False, "loaded": True, "step": 2}, got
    ap.page.evaluate("() => document.getElementById('late12').scrollIntoView()")
    ap.page.wait_for_function("() => window.figs.late12.attached")
    frames = ap.page.evaluate("""() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() =>
        resolve(window.figs.late12.renderer.info.render.frame))))""")
    assert frames >= 1
    mode = ap.call("(() => { let m = null; fig.threeScene.traverse((o) => { if (o.isMesh && o.userData.face"
                   " && o.userData.face.path === '') m = o.material.userData.animHooks?.animMode.value ?? null; });"
                   " return m; })()", fig_id="late12")
    assert mode == 3 and ap.step("late12") == 2 and not ap.errors    # REVEAL.RUNNING at step 2


def test_js_schedule_matches_python_at_every_step(ap):
    ap.open()
    from mmcore.anim import local_indices, schedule_of
    A, B, C, D = (mmcore.matrix(n, 5, 4) if n in "AC" else mmcore.matrix(n, 4, 5) for n in "ABCD")
    cases = [mmcore.layout((A @ B) @ (C @ D).partition(j=2), anim="dotprod (col major)"),
             mmcore.layout((A @ B) @ (C @ D), anim=dict(alg="vvprod", fuse="sync", nodes={"L": "mvprod", "R": "vmprod"})),
             mmcore.layout((A @ B).partition(k=2, i=2), anim="axpy")]
    for scene in cases:
        sched = schedule_of(scene)
        js = ap.page.evaluate("""([anim]) => { const out = [];
            for (let t = 0; t < anim.cycle + 3; t++) out.push(anim.tracks.map((tr) => window.mmAnim.trackAt(tr, t, anim.cycle)));
            return out; }""", [scene.anim])
        for t, row in enumerate(js):
            for track, got in zip(sched.tracks, row):
                phase, s = track.phase(t % sched.cycle)
                assert got["phase"] == phase and got["local"] == s
                if phase == "active":
                    assert got["idx"] == local_indices(track.alg, track.block_size, s)


def test_space_on_the_figure_plays_and_pauses(ap):
    expr, _ = operands()
    ap.add_scene("key", mmcore.layout(expr, anim="vmprod", anim_speed=30).to_bytes())
    ap.mount("key", query="?step-fig=1")
    ap.page.locator("#fig .mm-fig, #fig [tabindex]").first.focus()
    ap.page.keyboard.press(" ")
    assert ap.call("fig.player.playing") is True
    ap.page.keyboard.press(" ")
    assert ap.call("fig.player.playing") is False
    assert ap.call("fig.getState().spin") is False       # Space plays the animation, it does not spin


def test_without_loop_playback_stops_on_the_last_step(ap):
    expr, _ = operands()
    ap.add_scene("once", mmcore.layout(expr, anim="vmprod", anim_speed=60).to_bytes())
    ap.mount("once", query="?step-fig=0")
    bar = ap.page.locator(".mm-anim")
    bar.locator("input[data-action=loop]").uncheck()
    bar.locator("button[data-action=play]").click()
    ap.page.wait_for_function("window.figs.fig.player.playing === false", timeout=10_000)
    assert ap.step() == 8 - 1 and bar.get_attribute("data-state") == "paused"
    assert "step-fig=7" in ap.page.url


def test_reduced_motion_does_not_autoplay(ap):
    expr, _ = operands()
    ap.add_scene("calm", mmcore.layout(expr, anim="vmprod").to_bytes())
    ap.page.emulate_media(reduced_motion="reduce")
    try:
        ap.mount("calm")
        ap.page.wait_for_timeout(400)
        assert ap.call("fig.player.playing") is False and ap.step() == 0
    finally:
        ap.page.emulate_media(reduced_motion="no-preference")
