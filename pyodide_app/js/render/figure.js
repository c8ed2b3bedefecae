/**
 * A figure: one WebGL2 canvas that draws a decoded scene (every matrix one shader quad), with
 * OrbitControls, view buttons, a colour legend, keyboard (space = spin, arrows as in mm) and
 * render-on-demand (no frame loop while idle).
 *
 * @example
 *   import { createFigure } from "./render/figure.js";
 *   const fig = createFigure(document.querySelector("[data-mm-figure]"), { theme: "dark", label: "A @ B" });
 *   await fig.setScene(await (await fetch("cell-1.mmscene")).arrayBuffer());
 *   const state = fig.getState();   // JSON: camera + display settings
 *   fig.setTheme("light");
 *   fig.dispose();                  // frees the WebGL context
 */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { decodeScene } from "./scene-decode.js";
import { createFaceMesh, faceQuad } from "./face-mesh.js";
import { setFacePalette } from "./face-material.js";
import { createLabels } from "./labels.js";
import { createGuides } from "./guides.js";
import { createLegend } from "./legend.js";
import { createFigureShell } from "./figure-ui.js";
import { createHover } from "./hover.js";
import { paletteFor } from "./themes.js";
import {
  mmFov, boxRadius, presetView, fitCamera, orbitY, dolly, panSideways, clipPlanes,
} from "./camera-views.js";

const SPIN_SPEED = 0.35;          // rad/s of auto-spin
const SLOW_FRAME_MS = 34;         // interaction frames slower than this switch to reduced resolution
const DEFAULT_ASPECT = 0.6;
const MIN_PIXEL_SCALE = 0.35;     // lowest resolution (fraction of the device pixel ratio) while moving       // height / width when the container has no height of its own

/** Live figures (for tests and debugging: the count of undisposed WebGL contexts). */
export const liveFigures = new Set();

/** True when the browser offers WebGL2. */
export function hasWebGL2() {
  try {
    const c = document.createElement("canvas");
    const gl = c.getContext("webgl2");
    if (!gl) return false;
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    return true;
  } catch {
    return false;
  }
}

function prefersReducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Text alternative of a scene: its title and the shapes of its matrices. */
export function describeScene(scene, label = "") {
  const names = scene.faces.map((f) => `${f.name} ${f.shape[0]}×${f.shape[1]}`);
  const head = label || scene.title || "matrix figure";
  return `3D figure: ${head}. Matrices: ${names.join(", ")}.`;
}

/**
 * @param {HTMLElement} container
 * @param {{theme?: "light"|"dark", label?: string}} [options]
 */
export function createFigure(container, { theme = "light", label = "" } = {}) {
  const ownHeight = container.clientHeight;     // a container with its own height is filled
  const state = { theme, spin: false, pixelScale: 1 };
  let palette = paletteFor(theme, container);
  let scene = null;            // decoded scene
  let content = null;          // {group, parts[]}
  let radius = 1;
  let contentPoints = [];     // corners of every face quad, centred coordinates (for fitting views)
  let pendingState = null;
  let disposed = false;
  let frameRequest = 0;
  let spinLast = 0;
  let interacting = false;
  let lastRenderAt = 0;
  const slowFrames = [];
  let restoreTimer = 0;
  let lastSize = "";

  const shell = createFigureShell(container, { onAction: (a) => action(a), label });
  const wrapper = shell.wrapper;
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label ? `3D figure: ${label}` : "3D figure");
  wrapper.insertBefore(canvas, shell.toolbar);
  const legend = createLegend(wrapper);
  legend.element.hidden = true;
  shell.setPalette(palette);
  sizeWrapper();

  let renderer = null;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: false, powerPreference: "high-performance" });
  } catch (err) {
    renderer = null;
    shell.showMessage("This browser cannot draw the 3D figure (WebGL2 is not available). The code above still runs and shows its output.");
  }

  const three = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(45, 1, 0.1, 10000);
  camera.position.set(-48, 48, 48);
  let controls = null;
  const basePixelRatio = Math.min(window.devicePixelRatio || 1, 2);

  if (renderer) {
    renderer.setPixelRatio(basePixelRatio);
    renderer.setClearColor(new THREE.Color(palette.background), 1);
    controls = new OrbitControls(camera, canvas);
    controls.zoomSpeed = 0.6;
    controls.screenSpacePanning = true;
    controls.addEventListener("change", requestRender);
    controls.addEventListener("start", () => { interacting = true; setSpin(false, true); });
    controls.addEventListener("end", endInteraction);
    resize();
  }

  const hover = renderer ? createHover({ canvas, camera, wrapper, requestRender }) : null;

  const resizeObserver = new ResizeObserver(() => {
    sizeWrapper();
    if (resize()) requestRender();
  });
  resizeObserver.observe(container);
  const onKey = (ev) => keyDown(ev);
  wrapper.addEventListener("keydown", onKey);
  // a click or drag on the figure gives it keyboard focus (space = spin, arrows)
  const onPointerDown = () => { if (document.activeElement !== wrapper) wrapper.focus({ preventScroll: true }); };
  canvas.addEventListener("pointerdown", onPointerDown);
  // A context the browser takes away (too many on the page, GPU reset) is drawn again when restored;
  // three.js re-uploads textures and programs from the data it keeps.
  const onContextLost = (ev) => { ev.preventDefault(); };
  const onContextRestored = () => { requestRender(); };
  canvas.addEventListener("webglcontextlost", onContextLost);
  canvas.addEventListener("webglcontextrestored", onContextRestored);

  function sizeWrapper() {
    if (ownHeight > 0) {
      wrapper.style.height = "100%";
    } else {
      const w = container.clientWidth || 640;
      wrapper.style.height = `${Math.round(Math.min(560, Math.max(240, w * DEFAULT_ASPECT)))}px`;
    }
  }

  /** Match the drawing buffer to the wrapper; returns true when the size changed. */
  function resize() {
    if (!renderer) return false;
    const w = Math.max(1, wrapper.clientWidth), h = Math.max(1, wrapper.clientHeight);
    if (`${w}x${h}` === lastSize) return false;
    lastSize = `${w}x${h}`;
    renderer.setSize(w, h, false);
    camera.aspect = w / h;
    camera.fov = mmFov(camera.aspect);
    camera.updateProjectionMatrix();
    return true;
  }

  function renderNow() {
    frameRequest = 0;
    if (!renderer || disposed) return;
    const now = performance.now();
    if (state.spin) {
      const dt = spinLast ? (now - spinLast) / 1000 : 0;
      spinLast = now;
      orbitY(camera, controls.target, -SPIN_SPEED * dt);
      controls.update();
    }
    if (interacting) adaptResolution(now);
    const { near, far } = clipPlanes(camera, radius);
    if (Math.abs(camera.near - near) > 1e-6 || Math.abs(camera.far - far) > 1e-6) {
      camera.near = near;
      camera.far = far;
      camera.updateProjectionMatrix();
    }
    renderer.render(three, camera);
    lastRenderAt = now;
    if (state.spin) frameRequest = requestAnimationFrame(renderNow);
  }

  function requestRender() {
    if (!frameRequest && !disposed && renderer) frameRequest = requestAnimationFrame(renderNow);
  }

  // Reduced resolution while interacting when frames are slow; full resolution when idle again.
  function adaptResolution(now) {
    if (lastRenderAt) slowFrames.push(now - lastRenderAt);
    if (slowFrames.length > 5) slowFrames.shift();
    const sorted = [...slowFrames].sort((a, b) => a - b);
    if (slowFrames.length >= 3 && sorted[sorted.length >> 1] > SLOW_FRAME_MS && state.pixelScale > MIN_PIXEL_SCALE) {
      state.pixelScale = state.pixelScale > 0.5 ? 0.5 : MIN_PIXEL_SCALE;
      renderer.setPixelRatio(basePixelRatio * state.pixelScale);
      slowFrames.length = 0;
    }
  }

  function endInteraction() {
    interacting = false;
    slowFrames.length = 0;
    clearTimeout(restoreTimer);
    restoreTimer = setTimeout(() => {
      if (disposed || !renderer || state.pixelScale === 1 || state.spin) return;
      state.pixelScale = 1;
      renderer.setPixelRatio(basePixelRatio);
      requestRender();
    }, 200);
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
    controls.target.fromArray(view.target);
    camera.lookAt(controls.target);
    controls.update();
    requestRender();
  }

  function defaultView() {
    if (scene && scene.camera && scene.camera.position) {
      return { position: scene.camera.position, target: scene.camera.target || [0, 0, 0], up: scene.camera.up || [0, 1, 0] };
    }
    return presetView("isometric", contentPoints, camera.fov, camera.aspect);
  }

  function action(name) {
    if (!renderer) return;
    if (name === "spin") return setSpin(!state.spin);
    if (name === "png") return void downloadPNG();
    if (name === "fit") {
      fitCamera(camera, controls.target, contentPoints);
      controls.update();
      return requestRender();
    }
    if (name === "reset") return applyView(defaultView());
    applyView(presetView(name, contentPoints, camera.fov, camera.aspect));
  }

  function keyDown(ev) {
    if (!renderer || ev.target !== wrapper) return;
    const rotate = ev.shiftKey || ev.ctrlKey || ev.metaKey;
    let handled = true;
    switch (ev.key) {
      case " ": setSpin(!state.spin); break;
      case "ArrowUp": dolly(camera, controls.target, 0.9); break;
      case "ArrowDown": dolly(camera, controls.target, 1 / 0.9); break;
      case "ArrowLeft": rotate ? orbitY(camera, controls.target, 0.1) : panSideways(camera, controls.target, 0.05); break;
      case "ArrowRight": rotate ? orbitY(camera, controls.target, -0.1) : panSideways(camera, controls.target, -0.05); break;
      default: handled = false;
    }
    if (handled) {
      ev.preventDefault();
      controls.update();
      requestRender();
    }
  }

  function clearContent() {
    if (!content) return;
    three.remove(content.group);
    for (const part of content.parts) part.dispose();
    content = null;
  }

  function build(decoded) {
    const group = new THREE.Group();
    group.position.fromArray(decoded.center || [0, 0, 0]);
    const parts = [];
    const maxTex = renderer.capabilities.maxTextureSize;
    for (const face of decoded.faces) {
      const fm = createFaceMesh(face, decoded, palette, maxTex);
      group.add(fm.mesh);
      parts.push(fm);
    }
    const deco = createGuides(decoded.guides, decoded.arrows, palette);
    group.add(deco.group);
    parts.push(deco);
    const labels = createLabels(decoded.labels, palette);
    group.add(labels.group);
    parts.push(labels);
    three.add(group);
    if (hover) hover.setFaces(parts.filter((p) => p.mesh).map((p) => p.mesh), group, decoded.gap);
    return { group, parts, deco, labels };
  }

  /** @param {ArrayBuffer} arrayBuffer */
  async function setScene(arrayBuffer) {
    if (disposed) throw new Error("setScene on a disposed figure");
    const decoded = decodeScene(arrayBuffer);
    const first = scene === null;
    const oldRadius = radius;
    scene = decoded;
    radius = Math.max(boxRadius(decoded.bbox), 1);
    contentPoints = sceneCorners(decoded);
    canvas.setAttribute("aria-label", describeScene(decoded, label));
    legend.update(decoded);
    legend.element.hidden = false;
    if (!renderer) return;
    clearContent();
    content = build(decoded);
    if (first) {
      if (pendingState) {
        applyStateNow(pendingState);
        pendingState = null;
      } else {
        applyView(defaultView());
      }
    } else if (Math.abs(radius - oldRadius) > 1e-6 * radius) {
      // mm keeps the view and rescales the camera distance by the change in scene size.
      dolly(camera, controls.target, radius / oldRadius);
      controls.update();
    }
    if (frameRequest) { cancelAnimationFrame(frameRequest); frameRequest = 0; }
    renderNow();
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  }

  /**
   * The figure as a PNG at `scale` times the current canvas resolution.
   * @returns {Promise<Blob>}
   */
  async function exportPNG(scale = 2) {
    if (!renderer) throw new Error("no figure to export: WebGL2 is not available");
    const before = renderer.getPixelRatio();
    renderer.setPixelRatio(basePixelRatio * scale);
    let blob;
    try {
      renderNow();
      // read the drawing buffer in the same task as the render (preserveDrawingBuffer is off)
      const url = canvas.toDataURL("image/png");
      blob = await (await fetch(url)).blob();
    } finally {
      renderer.setPixelRatio(before);
      renderNow();
    }
    return blob;
  }

  async function downloadPNG() {
    const blob = await exportPNG(2);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${(label || (scene && scene.title) || "figure").replace(/[^\w@ .=-]+/g, "_").trim() || "figure"}.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function setTheme(name) {
    state.theme = name === "dark" ? "dark" : "light";
    palette = paletteFor(state.theme, container);
    shell.setPalette(palette);
    if (!renderer) return;
    renderer.setClearColor(new THREE.Color(palette.background), 1);
    if (content) {
      for (const part of content.parts) {
        if (part.material) setFacePalette(part.material, palette);
      }
      content.deco.setPalette(palette);
      content.labels.setPalette(palette);
    }
    requestRender();
  }

  function getState() {
    return {
      camera: {
        position: camera.position.toArray().map(round),
        target: (controls ? controls.target.toArray() : [0, 0, 0]).map(round),
        up: camera.up.toArray().map(round),
      },
      theme: state.theme,
      spin: state.spin,
    };
  }

  function applyStateNow(s) {
    if (s.camera && s.camera.position) applyView({ position: s.camera.position, target: s.camera.target || [0, 0, 0], up: s.camera.up });
    if (s.theme && s.theme !== state.theme) setTheme(s.theme);
    if (typeof s.spin === "boolean") setSpin(s.spin);
  }

  function setState(s) {
    if (!s || typeof s !== "object") return;
    if (!renderer) return;
    if (!scene && s.camera) { pendingState = s; if (s.theme) setTheme(s.theme); return; }
    applyStateNow(s);
  }

  function dispose() {
    if (disposed) return;
    disposed = true;
    liveFigures.delete(figure);
    if (frameRequest) cancelAnimationFrame(frameRequest);
    clearTimeout(restoreTimer);
    resizeObserver.disconnect();
    wrapper.removeEventListener("keydown", onKey);
    canvas.removeEventListener("pointerdown", onPointerDown);
    canvas.removeEventListener("webglcontextlost", onContextLost);
    canvas.removeEventListener("webglcontextrestored", onContextRestored);
    clearContent();
    if (hover) hover.dispose();
    if (controls) controls.dispose();
    if (renderer) {
      renderer.dispose();
      renderer.forceContextLoss();
    }
    shell.remove();
  }

  /**
   * Client (CSS pixel) coordinates of a point in scene coordinates (before centring), or null.
   * @param {number[]} point
   * @returns {[number, number] | null}
   */
  function project(point) {
    if (!renderer || !scene) return null;
    const v = new THREE.Vector3(...point).add(new THREE.Vector3(...(scene.center || [0, 0, 0])));
    v.project(camera);
    const rect = canvas.getBoundingClientRect();
    return [rect.left + (v.x + 1) / 2 * rect.width, rect.top + (1 - v.y) / 2 * rect.height];
  }

  const figure = {
    canvas, setScene, setTheme, dispose, getState, setState, project, exportPNG,
    /** Render one frame now (synchronously); for tests and export. */
    render: () => renderNow(),
    get scene() { return scene; },
    get camera() { return camera; },
    get threeScene() { return three; },
    get hover() { return hover; },
    get renderer() { return renderer; },
    get disposed() { return disposed; },
    action,
  };
  liveFigures.add(figure);
  return figure;
}

/** Corners of every face quad in centred coordinates (the box corners when there are no faces). */
export function sceneCorners(scene) {
  const c = scene.center || [0, 0, 0];
  const out = [];
  for (const face of scene.faces) {
    const { positions } = faceQuad(face);
    for (let k = 0; k < positions.length; k += 3) out.push([positions[k] + c[0], positions[k + 1] + c[1], positions[k + 2] + c[2]]);
  }
  if (!out.length) {
    const { min, max } = scene.bbox;
    for (const x of [min[0], max[0]]) for (const y of [min[1], max[1]]) for (const z of [min[2], max[2]]) out.push([x + c[0], y + c[1], z + c[2]]);
  }
  return out;
}

function round(x) {
  return Math.round(x * 1e4) / 1e4;
}
