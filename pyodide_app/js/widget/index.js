/**
 * The Jupyter widget (anywidget) of Matmul Atlas: the site's figure and animation player in a notebook
 * output. Python side: `mmcore/widget.py` (`MMWidget`); this file is its `_esm` (bundled by
 * scripts/build_js.mjs into pyodide_app/static/mm/widget.js, and as a classic script widget-static.js
 * that the static HTML fallback inlines).
 *
 * Model traits read here: `scene` (wire-format v1 bytes, a DataView), `height` (px), `label`,
 * `theme` ("light" | "dark"), `step` (animation step, or -1: leave it to the player), `camera`
 * ({position, target, up} or {}), `view` ("front" | "top" | "left" | "isometric" | "" ).
 * Written back: `camera` after the first frame, each camera move, view button and `view` change. Custom message {type: "screenshot", id, scale}
 * is answered with {type: "screenshot", id} and the PNG bytes as one buffer (or {type: "screenshot", id, error}).
 *
 * @example
 *   import widget from "./widget/index.js";   // anywidget reads the default export
 *   widget.render({ model, el });   // model: anywidget's model (or any {get, set, on, off, save_changes, send})
 */
import { createFigure as createPlainFigure } from "../render/figure.js";
import { createPlayer } from "../anim/player.js";

const VIEWS = new Set(["front", "top", "left", "isometric"]);

/** The scene bytes of a binary trait (DataView, ArrayBuffer or typed array) as a fresh ArrayBuffer. */
export function sceneBuffer(value) {
  if (!value) return null;
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return null;
}

function sameCamera(a, b) {
  if (!a || !b || !a.position || !b.position) return false;
  const close = (u, v) => Array.isArray(u) && Array.isArray(v) && u.length === v.length && u.every((x, i) => Math.abs(x - v[i]) < 1e-3);
  return close(a.position, b.position) && close(a.target || [0, 0, 0], b.target || [0, 0, 0]);
}

/** Mount one figure in `el`; returns the cleanup function anywidget calls when the view goes away. */
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "mm-widget";
  box.style.position = "relative";
  box.style.width = "100%";
  box.style.height = `${Number(model.get("height")) || 420}px`;
  el.appendChild(box);

  let player = null;
  let lastCamera = null;
  const fig = createPlainFigure(box, {
    theme: model.get("theme") === "dark" ? "dark" : "light",
    label: model.get("label") || "",
    beforeFirstFrame: (decoded) => {
      try {
        player.load(decoded, { draw: false });
        const step = Number(model.get("step"));
        if (step >= 0 && player.cycle) { player.pause(); player.setStep(step); }
      } catch (err) {
        console.error(err);
      }
    },
    onStateChange: () => syncCamera(),
  });
  // The camera back to Python after every move, view button or `view` change, and the first frame.
  function syncCamera() {
    const cam = fig.getState().camera;
    if (sameCamera(cam, lastCamera)) return;
    lastCamera = cam;
    model.set("camera", cam);
    model.save_changes();
  }
  player = createPlayer(fig, box, { key: "widget", urlState: false });

  let ready = Promise.resolve();
  const applyCamera = () => {
    const cam = model.get("camera");
    if (cam && cam.position && !sameCamera(cam, lastCamera)) fig.setState({ camera: cam });
  };
  const applyView = () => {
    const view = model.get("view");
    if (VIEWS.has(view)) fig.action(view);
    syncCamera();
  };
  const loadScene = () => {
    const buf = sceneBuffer(model.get("scene"));
    if (!buf || !buf.byteLength) return;
    ready = fig.setScene(buf).then(() => {
      applyCamera();
      applyView();
      syncCamera();
      box.dataset.mmReady = "true";
    }).catch((err) => {
      console.error(err);
      box.dataset.mmError = String(err && err.message || err);
    });
  };
  const onStep = () => {
    const step = Number(model.get("step"));
    if (step >= 0 && player.cycle) { player.pause(); player.setStep(step); }
  };
  const onHeight = () => { box.style.height = `${Number(model.get("height")) || 420}px`; };
  const onTheme = () => { fig.setTheme(model.get("theme") === "dark" ? "dark" : "light"); };
  const onCamera = () => ready.then(applyCamera);
  const onView = () => ready.then(applyView);
  const onMsg = async (msg) => {
    if (!msg || msg.type !== "screenshot") return;
    try {
      await ready;
      const blob = await fig.exportPNG(Number(msg.scale) || 2);
      const data = await blob.arrayBuffer();
      model.send({ type: "screenshot", id: msg.id }, undefined, [data]);
    } catch (err) {
      model.send({ type: "screenshot", id: msg.id, error: String(err && err.message || err) });
    }
  };

  model.on("change:scene", loadScene);
  model.on("change:step", onStep);
  model.on("change:height", onHeight);
  model.on("change:theme", onTheme);
  model.on("change:camera", onCamera);
  model.on("change:view", onView);
  model.on("msg:custom", onMsg);
  loadScene();

  return () => {
    model.off("change:scene", loadScene);
    model.off("change:step", onStep);
    model.off("change:height", onHeight);
    model.off("change:theme", onTheme);
    model.off("change:camera", onCamera);
    model.off("change:view", onView);
    model.off("msg:custom", onMsg);
    player.dispose();
    fig.dispose();
    box.remove();
  };
}

/**
 * A read-only model over plain values, for the static HTML fallback (no kernel): `get` reads
 * `values`, everything else does nothing.
 */
export function staticModel(values) {
  return {
    get: (k) => values[k],
    set: (k, v) => { values[k] = v; },
    on() {}, off() {}, save_changes() {}, send() {},
  };
}

/**
 * Mount a figure from base64 scene bytes (the static fallback's inline script).
 * @param {HTMLElement} el @param {string} sceneBase64 @param {object} [options] height, label, theme, step, camera, view
 */
export function mountStatic(el, sceneBase64, options = {}) {
  const bin = atob(sceneBase64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return render({ model: staticModel({ height: 420, label: "", theme: "light", step: -1, camera: {}, view: "", ...options, scene: bytes }), el });
}

export default { render, mountStatic };
