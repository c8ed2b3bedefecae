/**
 * The animation player of one figure: plays a scene's schedule (header `anim`) in the renderer.
 * A step sets uniforms only (reveal rule, highlights, plane positions): the product planes are
 * computed in the shader from the argument textures, so playing uploads nothing, and a given step
 * always shows the same picture. A paused figure keeps its step in the page URL (`?step-<cell id>=N`).
 *
 * @example
 *   const player = createPlayer(fig, container, {key: "intro-1"});
 *   player.load(scene);         // each new decoded scene, before its first frame (animated-figure.js)
 *   player.setStep(10); player.play(); player.pause(); player.dispose();
 */
import * as THREE from "three";
import { patchFaceMaterial, resetHooks, REVEAL, EPILOG_CODES } from "./face-patch.js";
import { createNodePlanes } from "./planes.js";
import { trackAt, stepRate, wrapStep } from "./schedule.js";
import { createControls } from "./controls.js";
import { paletteFor } from "../render/themes.js";

const BIG = 1 << 30;
const SLOW_FRAME_MS = 34;        // playing frames slower than this (median of 5) halve the resolution

function prefersReducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** The URL parameter that holds the step of the figure with this key. */
export function stepParam(key) {
  return `step-${key}`;
}

/**
 * `href` with `step-<key>=<step>` first in the query (`step` null: without it). The rest of the query
 * is kept byte for byte (the playground's `mm=` link runs to the end of the query, so the step never
 * goes after it).
 */
export function withStep(href, key, step) {
  const url = new URL(href);
  const name = stepParam(key) + "=";
  const rest = url.search.replace(/^\?/, "").split("&").filter((part) => part && !part.startsWith(name));
  const query = (step === null ? rest : [name + String(step), ...rest]).join("&");
  return url.origin + url.pathname + (query ? "?" + query : "") + url.hash;
}

/** The step stored in the page URL for `key`, or null. */
export function readStepFromURL(key, href = location.href) {
  const v = new URL(href).searchParams.get(stepParam(key));
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

/**
 * @param {object} fig a figure from render/figure.js (needs render(), scene, and threeScene or renderer)
 * @param {HTMLElement} container the figure's container
 * @param {{key?: string, urlState?: boolean}} [opts]
 */
export function createPlayer(fig, container, { key = "fig", urlState = true } = {}) {
  let anim = null;           // the schedule (scene.anim)
  let nodes = [];            // [{track, planes}]
  let hooked = [];           // patched face materials' hooks
  let meshes = new Map();
  let controls = null;
  let group = null;
  let raf = 0;
  const state = { step: 0, playing: false, speed: 20, normalize: false, loop: true };
  let clock = { t0: 0, step0: 0 };
  let captured = null;
  const frameTimes = [];
  let lastFrameAt = 0;
  let pixelScale = 1;
  let lastBarUpdate = 0;
  const basePixelRatio = () => Math.min((typeof window !== "undefined" && window.devicePixelRatio) || 1, 2);

  // The three.js scene: the figure's getter when it has one, else the one it renders.
  if (!("threeScene" in fig) && fig.renderer) {
    const r = fig.renderer, render = r.render.bind(r);
    r.render = (scene, camera) => { captured = scene; render(scene, camera); };
  }
  const threeScene = () => fig.threeScene || captured;
  // The renderer now: a figure gives its WebGL context back when far off screen and gets a new one
  // when it scrolls near (render/context-budget.js), so it is never kept from an earlier moment.
  const renderer = () => fig.renderer || null;

  const onKey = (ev) => {
    if (!anim || ev.key !== " " || ev.target.closest?.(".mm-anim")) return;
    if (ev.target !== container && !container.contains(ev.target)) return;
    if (ev.target.matches?.("input, textarea, button, select")) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    action(state.playing ? "pause" : "play");
  };
  container.addEventListener("keydown", onKey, true);

  function findMeshes() {
    const out = new Map();
    const root = threeScene();
    if (!root) return out;
    root.traverse((o) => { if (o.isMesh && o.userData && o.userData.face) out.set(o.userData.face.path, o); });
    return out;
  }

  function clear() {
    stop();
    for (const n of nodes) n.planes.dispose();
    nodes = [];
    if (group && group.parent) group.parent.remove(group);
    group = null;
    for (const h of hooked) resetHooks(h);
    hooked = [];
  }

  /**
   * Attach to a (new) decoded scene; a scene without `anim` removes the controls. The uniforms of the
   * step are set at once; `draw: false` leaves drawing the frame to the caller (the figure draws a
   * new scene's first frame right after: render/figure.js `beforeFirstFrame`).
   */
  function load(decoded, { draw = true } = {}) {
    clear();
    anim = decoded && decoded.anim && decoded.anim.tracks && decoded.anim.tracks.length ? decoded.anim : null;
    if (anim && !threeScene() && renderer()) fig.render();      // the first render captures the scene
    if (!anim || !threeScene()) {
      anim = null;
      if (controls) { controls.remove(); controls = null; }
      return;
    }
    meshes = findMeshes();
    const root = threeScene();
    const content = [...meshes.values()][0]?.parent;
    if (!content || !root) throw new Error("animation: the figure has no drawn faces to animate");
    const faces = new Map(decoded.faces.map((f) => [f.path, f]));
    const palette = paletteFor(fig.getState().theme, container);
    group = new THREE.Group();
    group.name = "animation";
    content.add(group);
    for (const track of anim.tracks) {
      for (const p of [track.path, track.left, track.right]) {
        const m = meshes.get(p);
        if (!m) throw new Error(`animation: no face at path ${JSON.stringify(p)} in the figure`);
        hooked.push(patchFaceMaterial(m.material));
      }
      const planes = createNodePlanes({ track, faces, meshes, scene: decoded, palette });
      group.add(planes.group);
      nodes.push({ track, planes });
    }
    for (const p of anim.hidden || []) {
      const m = meshes.get(p);
      if (m) hooked.push(patchFaceMaterial(m.material));
    }
    state.speed = anim.speed || 20;
    state.normalize = !!anim.normalize;
    if (!controls) controls = createControls(container, { onAction: action });
    const fromURL = readStepFromURL(key);
    state.step = wrapStep(fromURL ?? state.step, anim.cycle);
    apply(draw);
    if (fromURL === null && anim.autoplay !== false && !prefersReducedMotion()) play();
  }

  function hooksOf(path) {
    const m = meshes.get(path);
    return m ? m.material.userData.animHooks : null;
  }

  /** Set every uniform for the current step and (unless `draw` is false) draw one frame. */
  function apply(draw = true) {
    if (!anim) return;
    for (const h of hooked) resetHooks(h);
    for (const p of anim.hidden || []) { const h = hooksOf(p); if (h) h.animMode.value = REVEAL.HIDE; }
    for (const { track } of nodes) {
      const st = trackAt(track, state.step, anim.cycle);
      const res = hooksOf(track.path);
      const alg = track.alg;
      if (st.phase === "pending") res.animMode.value = REVEAL.HIDE;
      else if (st.phase === "done") res.animMode.value = REVEAL.SHOW;
      else if (alg === "vvprod" || alg === "axpy") {
        const lu = meshes.get(track.left).material.uniforms, ru = meshes.get(track.right).material.uniforms;
        res.animMode.value = REVEAL.RUNNING;
        res.animL.value = lu.data.value;
        res.animR.value = ru.data.value;
        res.animLR.value.set(lu.texWidth.value, track.shape[1], ru.texWidth.value, track.shape[2]);
        res.animK.value.set(track.block_size[1], st.idx.k + 1, 0);
        res.animKCols.value = alg === "axpy" ? st.idx.j : -1;
        res.animEpilog.value = EPILOG_CODES[track.epilog] ?? -1;
        res.animDepth.value = track.shape[1];
      } else if (track.blocks[1] > 1) {
        res.animMode.value = REVEAL.HIDE;   // the split-k partial planes stand in for the result
      } else {
        res.animMode.value = REVEAL.LEX;
        const order = alg === "vmprod" || alg === "dotprod (row major)" ? 0 : 1;
        res.animCur.value.set(order, st.idx.i ?? BIG, st.idx.j ?? BIG);
      }
      if (st.phase === "active" && !anim.hide_inputs) {
        const l = hooksOf(track.left), r = hooksOf(track.right), { i, k, j } = st.idx;
        if (alg === "vvprod" || alg === "axpy") l.animHl.value.set(-1, k, 1);
        else if (alg !== "mvprod") l.animHl.value.set(i, -1, 1);
        if (alg === "vvprod") r.animHl.value.set(k, -1, 1);
        else if (alg === "axpy") r.animHl.value.set(k, j, 1);
        else if (alg !== "vmprod") r.animHl.value.set(-1, j, 1);
      }
    }
    for (const { track, planes } of nodes) planes.update(trackAt(track, state.step, anim.cycle));
    // while playing, the bar (a DOM update and repaint) follows at most ~12 times a second
    const now = performance.now();
    if (controls && (!state.playing || now - lastBarUpdate > 80)) {
      controls.update({ ...state, cycle: anim.cycle });
      lastBarUpdate = now;
    }
    container.dataset.animStep = String(state.step);
    if (draw) fig.render();
  }

  // The URL holds a paused figure's step; a playing figure has none (so a reload plays again).
  function writeURL() {
    if (!urlState || !anim || typeof history === "undefined") return;
    const href = withStep(location.href, key, state.playing ? null : state.step);
    if (href !== location.href) history.replaceState(history.state, "", href);
  }

  function setStep(n) {
    if (!anim) return;
    state.step = wrapStep(n, anim.cycle);
    if (state.playing) clock = { t0: performance.now(), step0: state.step };
    apply();
    writeURL();
  }

  // Dense scenes play at half resolution when full-resolution frames are slow (DESIGN §6);
  // pausing restores the full resolution, so a paused step is always drawn sharp.
  function adaptResolution(now) {
    if (lastFrameAt) frameTimes.push(now - lastFrameAt);
    lastFrameAt = now;
    if (frameTimes.length > 5) frameTimes.shift();
    const sorted = [...frameTimes].sort((a, b) => a - b);
    if (frameTimes.length >= 5 && sorted[2] > SLOW_FRAME_MS && pixelScale > 0.5 && renderer()) {
      pixelScale = 0.5;
      renderer().setPixelRatio(basePixelRatio() * pixelScale);
      frameTimes.length = 0;
    }
  }

  function restoreResolution() {
    frameTimes.length = 0;
    lastFrameAt = 0;
    if (pixelScale !== 1) {
      pixelScale = 1;
      renderer()?.setPixelRatio(basePixelRatio());
    }
  }

  function tick(now) {
    raf = 0;
    if (!state.playing || !anim) return;
    adaptResolution(now);
    const rate = stepRate(anim, state.speed, state.normalize);
    let n = clock.step0 + Math.floor((now - clock.t0) * rate / 1000);
    if (!state.loop && n >= anim.cycle) {
      n = anim.cycle - 1;
      state.playing = false;
    }
    n = wrapStep(n, anim.cycle);
    if (!state.playing) restoreResolution();
    if (n !== state.step || !state.playing) {
      state.step = n;
      apply();
      if (!state.playing) writeURL();
    }
    if (state.playing) raf = requestAnimationFrame(tick);
  }

  function play() {
    if (!anim || state.playing) return;
    state.playing = true;
    clock = { t0: performance.now(), step0: state.step };
    if (controls) controls.update({ ...state, cycle: anim.cycle });
    writeURL();
    raf = requestAnimationFrame(tick);
  }

  function stop() {
    state.playing = false;
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
    restoreResolution();
  }

  function pause() {
    if (!anim) return;
    stop();
    apply();
    writeURL();
  }

  function action(name, value) {
    if (!anim) return;
    switch (name) {
      case "play": return play();
      case "pause": return pause();
      case "step": stop(); return setStep(state.step + 1);
      case "step-back": stop(); return setStep(state.step - 1);
      case "scrub": stop(); return setStep(value);
      case "loop": state.loop = !!value; break;
      case "normalize": state.normalize = !!value; break;
      case "speed": if (value > 0) state.speed = value; break;
      default: return;
    }
    if (state.playing) clock = { t0: performance.now(), step0: state.step };
    controls.update({ ...state, cycle: anim.cycle });
  }

  /** Re-colour the planes after the figure's theme changed. */
  function setTheme(theme) {
    const palette = paletteFor(theme, container);
    for (const n of nodes) n.planes.setPalette(palette);
    if (anim) fig.render();
  }

  function dispose() {
    clear();
    container.removeEventListener("keydown", onKey, true);
    if (controls) controls.remove();
    controls = null;
    anim = null;
  }

  return {
    load, play, pause, setStep, action, dispose, setTheme,
    get step() { return state.step; },
    get playing() { return state.playing; },
    get cycle() { return anim ? anim.cycle : 0; },
    get schedule() { return anim; },
    get pixelScale() { return pixelScale; },
  };
}
