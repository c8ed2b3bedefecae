/**
 * A figure: a WebGL2 canvas that draws a decoded scene (every matrix one shader quad), with
 * OrbitControls, view buttons, a colour legend, hover inspection, the magnifier (long press or
 * Ctrl+drag; M key), display settings (settings menu), exports (PNG, code, mm link), keyboard
 * (space = spin, arrows as in mm) and render-on-demand (no frame loop while idle). Pages with many figures share a
 * budget of live WebGL contexts (context-budget.js): a figure far off screen shows a still image
 * and gets its context back when it scrolls near.
 *
 * @example
 *   import { createFigure } from "./render/figure.js";
 *   const fig = createFigure(document.querySelector("[data-mm-figure]"), { theme: "dark", label: "A @ B" });
 *   await fig.setScene(await (await fetch("cell-1.mmscene")).arrayBuffer());
 *   const state = fig.getState();   // JSON: {camera, theme, spin, display}
 *   fig.setState({display: {sensitivity: "local", legends: false}});
 *   fig.setTheme("light");
 *   fig.dispose();                  // frees the WebGL context
 */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { decodeScene } from "./scene-decode.js";
import { createSceneContent } from "./scene-content.js";
import { createLegend } from "./legend.js";
import { createFigureShell, downloadBlob } from "./figure-ui.js";
import { createHover } from "./hover.js";
import { createMagnifier } from "./magnifier.js";
import { DEFAULT_DISPLAY, normalizeDisplay, sceneWithSensitivity } from "./display-settings.js";
import { applySceneDisplay, copyText } from "./figure-display.js";
import { paletteFor } from "./themes.js";
import { joinBudget } from "./context-budget.js";
import { createResolution } from "./resolution.js";
import { describeScene, sceneCorners } from "./scene-info.js";
import {
  mmFov, boxRadius, presetView, fitCamera, orbitY, dolly, clipPlanes, applyKey,
} from "./camera-views.js";

export { describeScene, sceneCorners };

/** Number of figures holding a live WebGL context now (a hook for tests and window.mmAtlas). */
export function liveContexts() {
  let n = 0;
  for (const f of liveFigures) if (f.attached) n++;
  return n;
}

const SPIN_SPEED = 0.35;          // rad/s of auto-spin
const DEFAULT_ASPECT = 0.6;       // height / width when the container has no height of its own
const NO_WEBGL = "This browser cannot draw the 3D figure (WebGL2 is not available). The code above still runs and shows its output.";

/**
 * A base64 data: URL as a Blob, decoded here: the site's Content-Security-Policy (connect-src 'self')
 * blocks fetch() of a data: URL.
 */
export function dataURLToBlob(url) {
  const comma = url.indexOf(",");
  const type = /^data:([^;,]*)/.exec(url)?.[1] || "application/octet-stream";
  const bin = atob(url.slice(comma + 1));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

/** Live figures (for tests and debugging). */
export const liveFigures = new Set();
let knownMaxTexture = 0;          // MAX_TEXTURE_SIZE seen by any renderer (for building while detached)

function prefersReducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/**
 * @param {HTMLElement} container
 * @param {{theme?: "light"|"dark", label?: string, getCode?: () => string, codeName?: string,
 *   onStateChange?: (kind: "settings" | "camera") => void, beforeFirstFrame?: (scene: object) => void}} [options]
 *   getCode: the figure's Python code for the Code button (hidden without it); onStateChange: called
 *   after the reader changes a setting (menu, view buttons, spin, magnifier) or ends a camera move;
 *   beforeFirstFrame: called by setScene with the decoded scene once its meshes are in the three.js
 *   scene and before its first frame is drawn (the animation player sets its step there, so no
 *   frame of a new scene is ever drawn without its animation state). marks: a name for the performance marks
 *   of each setScene (`mm:scene-decoded:<marks>`, `scene-built`, `scene-drawn`, `colors-done`: the colours
 *   deferred past the first frame are in use).
 */
export function createFigure(container, { theme = "light", label = "", getCode = null, codeName = "", onStateChange = () => {},
  beforeFirstFrame = null, marks = "" } = {}) {
  /** Performance mark `mm:<name>:<marks>` of a step of setScene (only with `marks`, e.g. the cell id). */
  const mark = (name) => { if (marks) performance.mark(`mm:${name}:${marks}`); };
  const ownHeight = container.clientHeight;     // a container with its own height is filled
  const state = { theme, spin: false };
  let display = { ...DEFAULT_DISPLAY };
  let palette = paletteFor(theme, container);
  let scene = null, content = null, radius = 1, contentPoints = [], pendingState = null, warm = null;
  let disposed = false, webglFailed = false, frameRequest = 0, spinLast = 0, interacting = false;
  let lastSize = "", ariaLabel = label ? `3D figure: ${label}` : "3D figure";

  const shell = createFigureShell(container, { onAction: (a) => action(a), onSettings: (c) => changeDisplay(c), label });
  const wrapper = shell.wrapper;
  shell.buttons.code.hidden = !getCode;
  shell.buttons.mm.disabled = true;
  if (prefersReducedMotion()) {
    shell.buttons.spin.disabled = true;
    shell.buttons.spin.title = "Auto-spin is off: the system asks for reduced motion";
  }
  const legend = createLegend(wrapper);
  legend.element.hidden = true;
  shell.setPalette(palette);
  sizeWrapper();

  const three = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(45, 1, 0.1, 10000);
  camera.position.set(-48, 48, 48);
  const target = new THREE.Vector3();          // orbit centre; survives detach / attach
  const basePixelRatio = Math.min(window.devicePixelRatio || 1, 2);
  const resolution = createResolution({
    apply: (scale) => renderer?.setPixelRatio(basePixelRatio * scale),
    redraw: () => requestRender(),
  });

  // The GL side: created by attach(), released by detach() (context budget) and dispose().
  let canvas = null, renderer = null, controls = null, hover = null, still = null;
  const magnifier = createMagnifier({
    wrapper,
    canvasRect: () => canvas?.getBoundingClientRect() ?? null,
    settings: () => display,
    requestRender: () => requestRender(),
    onOpenChange: (open) => {
      if (controls) controls.enabled = !open;
      if (open) hover?.hide();
    },
  });
  const onPointerDown = () => { budget?.touch(); if (document.activeElement !== wrapper) wrapper.focus({ preventScroll: true }); };
  const onContextLost = (ev) => { ev.preventDefault(); };
  const onContextRestored = () => { requestRender(); };

  function attach() {
    if (renderer || disposed || webglFailed) return !!renderer;
    canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", ariaLabel);
    wrapper.insertBefore(canvas, shell.toolbar);
    try {
      renderer = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: false, powerPreference: "high-performance" });
    } catch {
      renderer = null;
      canvas.remove();
      canvas = null;
      webglFailed = true;
      shell.showMessage(NO_WEBGL);
      return false;
    }
    knownMaxTexture = renderer.capabilities.maxTextureSize;
    renderer.setPixelRatio(basePixelRatio * resolution.scale);
    renderer.setClearColor(new THREE.Color(palette.background), 1);
    controls = new OrbitControls(camera, canvas);
    controls.target = target;
    controls.zoomSpeed = 0.6;
    controls.screenSpacePanning = true;
    controls.addEventListener("change", requestRender);
    controls.addEventListener("start", () => { interacting = true; setSpin(false, true); });
    controls.addEventListener("end", () => { endInteraction(); onStateChange("camera"); });
    controls.update();
    hover = createHover({ canvas, camera, wrapper, requestRender });
    if (content) hover.setFaces(content.faceMeshes(), content.group, scene.gap);
    canvas.addEventListener("pointerdown", onPointerDown);
    canvas.addEventListener("webglcontextlost", onContextLost);
    canvas.addEventListener("webglcontextrestored", onContextRestored);
    lastSize = "";
    resize();
    if (still) { still.remove(); still = null; }
    requestRender();
    return true;
  }

  function detach(keepStill = true) {
    if (!renderer) return;
    if (keepStill && scene) {
      renderNow();
      still = still || document.createElement("img");
      still.className = "mm-fig__still";
      still.alt = ariaLabel;
      still.src = canvas.toDataURL("image/png");
      wrapper.insertBefore(still, shell.toolbar);
    }
    if (frameRequest) { cancelAnimationFrame(frameRequest); frameRequest = 0; }
    hover.dispose();
    controls.dispose();
    canvas.removeEventListener("pointerdown", onPointerDown);
    canvas.removeEventListener("webglcontextlost", onContextLost);
    canvas.removeEventListener("webglcontextrestored", onContextRestored);
    renderer.dispose();
    renderer.forceContextLoss();
    canvas.remove();
    canvas = renderer = controls = hover = null;
  }

  const budget = joinBudget({ attach, detach: () => detach(true), get attached() { return !!renderer; } }, wrapper);

  const resizeObserver = new ResizeObserver(() => {
    sizeWrapper();
    if (resize()) requestRender();
  });
  resizeObserver.observe(container);
  const onKey = (ev) => keyDown(ev);
  wrapper.addEventListener("keydown", onKey);

  function sizeWrapper() {
    if (ownHeight > 0) {
      wrapper.style.height = "100%";
    } else {
      const w = container.clientWidth || 640;
      wrapper.style.height = `${Math.round(Math.min(560, Math.max(240, w * DEFAULT_ASPECT)))}px`;
    }
  }

  /** Match camera and drawing buffer to the wrapper; returns true when the size changed. */
  function resize() {
    const w = Math.max(1, wrapper.clientWidth), h = Math.max(1, wrapper.clientHeight);
    camera.aspect = w / h;
    camera.fov = mmFov(camera.aspect);
    camera.updateProjectionMatrix();
    if (!renderer || `${w}x${h}` === lastSize) return false;
    lastSize = `${w}x${h}`;
    renderer.setSize(w, h, false);
    return true;
  }

  function renderNow() {
    frameRequest = 0;
    if (!renderer || disposed) return;
    const now = performance.now();
    if (state.spin) {
      const dt = spinLast ? (now - spinLast) / 1000 : 0;
      spinLast = now;
      orbitY(camera, target, -SPIN_SPEED * dt);
      controls.update();
    }
    if (interacting) resolution.frame(now);
    const { near, far } = clipPlanes(camera, radius);
    if (Math.abs(camera.near - near) > 1e-6 || Math.abs(camera.far - far) > 1e-6) {
      camera.near = near;
      camera.far = far;
      camera.updateProjectionMatrix();
    }
    renderer.render(three, camera);
    if (magnifier.open && scene) magnifier.draw(renderer, three, camera, scene.faces, scene.center || [0, 0, 0]);
    if (state.spin && !frameRequest) frameRequest = requestAnimationFrame(renderNow);   // one frame per rAF
  }

  function requestRender() {
    if (!frameRequest && !disposed && renderer) frameRequest = requestAnimationFrame(renderNow);
  }

  function endInteraction() {
    interacting = false;
    if (!state.spin) resolution.settle();
  }

  function setSpin(on, fromInteraction = false) {
    if (on && prefersReducedMotion()) on = false;
    if (state.spin === on) return;
    state.spin = on;
    shell.setSpinPressed(on);
    spinLast = 0;
    if (on) {
      interacting = true;
      requestRender();
    } else if (!fromInteraction) {
      endInteraction();
    }
  }

  function applyView(view) {
    camera.position.fromArray(view.position);
    camera.up.fromArray(view.up || [0, 1, 0]);
    target.fromArray(view.target);
    camera.lookAt(target);
    controls?.update();
    requestRender();
  }

  function defaultView() {
    if (scene && scene.camera && scene.camera.position) {
      return { position: scene.camera.position, target: scene.camera.target || [0, 0, 0], up: scene.camera.up || [0, 1, 0] };
    }
    return presetView("isometric", contentPoints, camera.fov, camera.aspect);
  }

  function action(name) {
    if (name === "settings") { shell.menu.show(getState().display); shell.toggleMenu(); return; }
    if (name === "code") return void (getCode && downloadBlob(new Blob([getCode()], { type: "text/x-python" }), `${codeName || label || "figure"}.py`));
    if (name === "mm") return void copyMmLink();
    if (!renderer) return;
    budget.touch();
    if (name === "spin") { setSpin(!state.spin); return onStateChange("settings"); }
    if (name === "png") return void downloadPNG();
    if (name === "fit") {
      fitCamera(camera, target, contentPoints);
      controls.update();
      requestRender();
      return onStateChange("camera");
    }
    display = { ...display, preset: name === "reset" ? null : name };
    applyView(name === "reset" ? defaultView() : presetView(name, contentPoints, camera.fov, camera.aspect));
    onStateChange("settings");
  }

  /** The scene's mm link (header key mm_link), or null. */
  const mmLink = () => (scene && typeof scene.header?.mm_link === "string" ? scene.header.mm_link : null);

  async function copyMmLink() {
    if (await copyText(mmLink(), "The figure in mm:")) wrapper.dataset.mmLinkCopied = "true";
  }

  /** A change from the settings menu: apply, tell the owner (history entry). */
  function changeDisplay(change) {
    display = normalizeDisplay({ ...display, ...change });
    applyDisplay();
    onStateChange("settings");
  }

  /** Apply the display settings to the current scene content and legend. */
  function applyDisplay() {
    if (!scene) return;
    applySceneDisplay(scene, content, legend, display);
    requestRender();
  }

  function keyDown(ev) {
    if (!renderer || ev.target !== wrapper) return;
    const step = Math.max(8, wrapper.clientHeight / 16);
    const lensMoves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (ev.key === " ") { setSpin(!state.spin); onStateChange("settings"); }
    else if (ev.key === "m" || ev.key === "M") magnifier.toggle();
    else if (ev.key === "Escape" && (magnifier.open || !shell.menu.element.hidden)) { magnifier.close(); shell.toggleMenu(false); }
    else if (magnifier.open && lensMoves[ev.key]) magnifier.moveBy(...lensMoves[ev.key]);
    else if (!applyKey(ev, camera, target)) return;
    ev.preventDefault();
    controls.update();
    requestRender();
  }

  function clearContent() {
    content?.dispose();
    content = null;
  }

  /** @param {ArrayBuffer} arrayBuffer */
  async function setScene(arrayBuffer) {
    if (disposed) throw new Error("setScene on a disposed figure");
    const decoded = decodeScene(arrayBuffer);
    mark("scene-decoded");
    const first = scene === null;
    const oldRadius = radius;
    scene = decoded;
    radius = Math.max(boxRadius(decoded.bbox), 1);
    contentPoints = sceneCorners(decoded);
    ariaLabel = describeScene(decoded, label);
    canvas?.setAttribute("aria-label", ariaLabel);
    legend.update(sceneWithSensitivity(decoded, display.sensitivity));
    legend.element.hidden = false;
    shell.buttons.mm.disabled = !mmLink();
    if (webglFailed) return;
    clearContent();
    content = createSceneContent(decoded, palette, renderer ? renderer.capabilities.maxTextureSize : (knownMaxTexture || 4096),
                                 { onColors: () => requestRender(), onColorsDone: () => mark("colors-done") });
    three.add(content.group);
    hover?.setFaces(content.faceMeshes(), content.group, decoded.gap);
    applyDisplay();
    if (first) {
      applyView(defaultView());
      if (pendingState) { applyStateNow(pendingState); pendingState = null; }
    } else if (Math.abs(radius - oldRadius) > 1e-6 * radius) {
      // mm keeps the view and rescales the camera distance by the change in scene size.
      dolly(camera, target, radius / oldRadius);
      controls?.update();
    }
    if (beforeFirstFrame) beforeFirstFrame(decoded);
    mark("scene-built");
    if (!renderer) return;          // off screen without a context: drawn when it scrolls near
    if (frameRequest) { cancelAnimationFrame(frameRequest); frameRequest = 0; }
    renderNow();
    mark("scene-drawn");
    if (warm) { warm.dispose(); warm = null; }   // its programs are in use by now (a disposed material may free them)
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  /**
   * Compile and run once, out of sight, the shaders a first frame needs (faces with precomputed and with
   * shader-computed colours, labels, guides), drawing `arrayBuffer`'s scene (e.g. the cell's small prebuilt
   * one) far away and clearing the canvas again: for a figure that has nothing to show yet, like the
   * playground waiting for Python; the first frame of its real scene then skips their compilation. The
   * objects are kept until that frame (three.js frees a program with the last material using it).
   * Returns false when there is nothing to do (a scene is shown, no WebGL context).
   */
  function warmUp(arrayBuffer) {
    if (scene || warm || !renderer || disposed) return false;
    const decoded = decodeScene(arrayBuffer);
    const maxSize = renderer.capabilities.maxTextureSize;
    const parts = [createSceneContent(decoded, palette, maxSize), createSceneContent(decoded, palette, maxSize, { syncColors: 0 })];
    const stage = new THREE.Scene();
    for (const p of parts) stage.add(p.group);
    const far = new THREE.PerspectiveCamera(camera.fov, camera.aspect, 1, 1e9);   // cells far below a pixel: no LOD extras
    far.position.set(0, 0, 1e6 * Math.max(boxRadius(decoded.bbox), 1));
    far.lookAt(0, 0, 0);
    renderer.render(stage, far);
    renderer.clear();
    warm = { dispose: () => { for (const p of parts) p.dispose(); } };
    return true;
  }

  /** The figure as a PNG at `scale` times the current canvas resolution. @returns {Promise<Blob>} */
  async function exportPNG(scale = 2) {
    if (!renderer && !attach()) throw new Error("no figure to export: WebGL2 is not available");
    renderer.setPixelRatio(basePixelRatio * scale);
    let url;
    try {
      renderNow();
      url = canvas.toDataURL("image/png");   // same task as the render: preserveDrawingBuffer is off
    } finally {
      renderer.setPixelRatio(basePixelRatio * resolution.scale);
      renderNow();
    }
    return dataURLToBlob(url);
  }

  async function downloadPNG() {
    downloadBlob(await exportPNG(2), `${label || (scene && scene.title) || "figure"}.png`);
  }

  function setTheme(name) {
    state.theme = name === "dark" ? "dark" : "light";
    palette = paletteFor(state.theme, container);
    shell.setPalette(palette);
    renderer?.setClearColor(new THREE.Color(palette.background), 1);
    content?.setPalette(palette);
    requestRender();
  }

  function getState() {
    const r4 = (x) => Math.round(x * 1e4) / 1e4;
    return {
      camera: { position: camera.position.toArray().map(r4), target: target.toArray().map(r4), up: camera.up.toArray().map(r4) },
      theme: state.theme,
      spin: state.spin,
      display: { ...display, spin: state.spin },
    };
  }

  function applyStateNow(s) {
    if (s.display && typeof s.display === "object") {
      display = normalizeDisplay({ ...display, ...s.display });
      if (!shell.menu.element.hidden) shell.menu.show(display);
      applyDisplay();
      if (typeof s.display.spin === "boolean" && typeof s.spin !== "boolean") setSpin(s.display.spin);
      if (!s.camera && s.display.preset && scene) applyView(presetView(display.preset, contentPoints, camera.fov, camera.aspect));
    }
    if (s.camera && s.camera.position) applyView({ position: s.camera.position, target: s.camera.target || [0, 0, 0], up: s.camera.up });
    if (s.theme && s.theme !== state.theme) setTheme(s.theme);
    if (typeof s.spin === "boolean") setSpin(s.spin);
  }

  /** Apply a state (all keys optional): camera, theme, spin, display (merged into the current one). */
  function setState(s) {
    if (!s || typeof s !== "object") return;
    if (!scene && (s.camera || s.display)) {
      pendingState = { ...(pendingState || {}), ...s };
      if (s.theme) setTheme(s.theme);
      return;
    }
    applyStateNow(s);
  }

  function dispose() {
    if (disposed) return;
    warm?.dispose();
    warm = null;
    liveFigures.delete(figure);
    budget.leave();
    detach(false);
    disposed = true;
    resolution.dispose();
    magnifier.dispose();
    resizeObserver.disconnect();
    wrapper.removeEventListener("keydown", onKey);
    clearContent();
    shell.remove();
  }

  /** Client (CSS pixel) coordinates of a scene point (before centring), or null. @returns {[number, number] | null} */
  function project(point) {
    if (!scene) return null;
    const v = new THREE.Vector3(...point).add(new THREE.Vector3(...(scene.center || [0, 0, 0])));
    v.project(camera);
    const rect = (canvas || wrapper).getBoundingClientRect();
    return [rect.left + (v.x + 1) / 2 * rect.width, rect.top + (1 - v.y) / 2 * rect.height];
  }

  const figure = {
    setScene, setTheme, dispose, getState, setState, project, exportPNG, action, warmUp,
    /** Render one frame now (synchronously); for tests, export and the animation player. */
    render: () => renderNow(),
    get canvas() { return canvas; },
    get scene() { return scene; },
    get camera() { return camera; },
    get threeScene() { return three; },
    get hover() { return hover; },
    get magnifier() { return magnifier; },
    /** The scene's mm link (scene header `mm_link`), or null. */
    get mmLink() { return mmLink(); },
    get renderer() { return renderer; },
    get disposed() { return disposed; },
    get attached() { return !!renderer; },
  };
  liveFigures.add(figure);
  return figure;
}
