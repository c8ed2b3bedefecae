/**
 * A figure's display settings (what the settings menu changes) and the compact text form of a
 * figure's whole view state used in URLs: camera, sensitivity override, legends, row guides, spin,
 * view preset and the magnifier's settings. Pure functions; no DOM, no three.js.
 *
 * Text form (one URL value): tokens joined by "_", a letter and a value, only values that differ
 * from the defaults, numbers rounded to 3 decimals:
 *   c<px,py,pz,tx,ty,tz[,ux,uy,uz]> camera   s<g|l|s|u> sensitivity   l0 no legends   g0 no row guides
 *   o1 spin   p<front|top|left|iso> view preset   m<n> magnification   z<n> lens size   r<n> spotlight
 *
 * @example
 *   const s = {...DEFAULT_DISPLAY, sensitivity: "local", legends: false};
 *   const text = encodeView({camera: {position: [1, 2, 3], target: [0, 0, 0], up: [0, 1, 0]}, display: s});
 *   // "c1,2,3,0,0,0_sl_l0"
 *   decodeView(text);   // {camera: {...}, display: {...DEFAULT_DISPLAY, sensitivity: "local", legends: false}}
 */

/** Defaults: `sensitivity: null` keeps the scene's own rule; `preset: null` is the scene's camera. */
export const DEFAULT_DISPLAY = Object.freeze({
  sensitivity: null,        // null | "global" | "local" | "semilocal" | "superlocal"
  legends: true,            // name and shape labels
  rowGuides: true,          // row lines and the (0,0) corner mark
  spin: false,
  preset: null,             // null | "front" | "top" | "left" | "isometric" (the last preset chosen)
  magnification: 7,         // mm: 1–25
  lensSize: 0.5,            // mm: fraction of the figure height
  spotlight: 2,             // mm: world units around the pointer ray that get value labels
});

export const SENSITIVITIES = ["global", "local", "semilocal", "superlocal"];
const SENS_CODE = { global: "g", local: "l", semilocal: "s", superlocal: "u" };
const PRESET_CODE = { front: "front", top: "top", left: "left", isometric: "iso" };

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
/** A number in short text: at most 3 decimals, no trailing zeros, no "-0". */
export function shortNumber(x) {
  const r = Math.round(x * 1000) / 1000;
  return String(Object.is(r, -0) ? 0 : r);
}

/**
 * Display settings made valid: unknown keys dropped, numbers clamped, bad values replaced by defaults.
 * @returns {typeof DEFAULT_DISPLAY}
 */
export function normalizeDisplay(d = {}) {
  const out = { ...DEFAULT_DISPLAY };
  if (SENSITIVITIES.includes(d.sensitivity)) out.sensitivity = d.sensitivity;
  for (const k of ["legends", "rowGuides", "spin"]) if (typeof d[k] === "boolean") out[k] = d[k];
  if (d.preset in PRESET_CODE) out.preset = d.preset;
  const num = (k, lo, hi) => { if (Number.isFinite(d[k])) out[k] = clamp(d[k], lo, hi); };
  num("magnification", 1, 25);
  num("lensSize", 0.1, 1);
  num("spotlight", 0, 10);
  return out;
}

/**
 * The compact text of a view state {camera?, display?}: tokens joined by "_", only values that
 * differ from the defaults (see the module comment). Safe in a URL without escaping.
 * @param {{camera?: {position: number[], target: number[], up?: number[]}, display?: object}} view
 */
export function encodeView({ camera = null, display = {} } = {}) {
  const parts = [];
  if (camera && camera.position) {
    const up = camera.up || [0, 1, 0];
    const nums = [...camera.position, ...(camera.target || [0, 0, 0])];
    if (up[0] !== 0 || up[1] !== 1 || up[2] !== 0) nums.push(...up);
    parts.push(`c${nums.map(shortNumber).join(",")}`);
  }
  const d = normalizeDisplay(display);
  if (d.sensitivity) parts.push(`s${SENS_CODE[d.sensitivity]}`);
  if (!d.legends) parts.push("l0");
  if (!d.rowGuides) parts.push("g0");
  if (d.spin) parts.push("o1");
  if (d.preset) parts.push(`p${PRESET_CODE[d.preset]}`);
  if (d.magnification !== DEFAULT_DISPLAY.magnification) parts.push(`m${shortNumber(d.magnification)}`);
  if (d.lensSize !== DEFAULT_DISPLAY.lensSize) parts.push(`z${shortNumber(d.lensSize)}`);
  if (d.spotlight !== DEFAULT_DISPLAY.spotlight) parts.push(`r${shortNumber(d.spotlight)}`);
  return parts.join("_");
}

/**
 * Read the text of encodeView (unknown or damaged tokens are dropped; missing ones are defaults).
 * @param {string} text
 * @returns {{camera: object | null, display: typeof DEFAULT_DISPLAY}}
 */
export function decodeView(text) {
  let camera = null;
  const raw = {};
  for (const token of String(text || "").split("_")) {
    const k = token[0], v = token.slice(1);
    if (k === "c") {
      const n = v.split(",").map(Number);
      if ((n.length === 6 || n.length === 9) && n.every(Number.isFinite)) {
        camera = { position: n.slice(0, 3), target: n.slice(3, 6), up: n.length === 9 ? n.slice(6, 9) : [0, 1, 0] };
      }
    } else if (k === "s") raw.sensitivity = byCode(SENS_CODE, v);
    else if (k === "l") raw.legends = v !== "0";
    else if (k === "g") raw.rowGuides = v !== "0";
    else if (k === "o") raw.spin = v === "1";
    else if (k === "p") raw.preset = byCode(PRESET_CODE, v);
    else if (k === "m") raw.magnification = Number(v);
    else if (k === "z") raw.lensSize = Number(v);
    else if (k === "r") raw.spotlight = Number(v);
  }
  return { camera, display: normalizeDisplay(raw) };
}

function byCode(table, code) {
  return Object.keys(table).find((k) => table[k] === code) ?? null;
}

/** Whether display settings differ from the defaults in anything but spin. */
export function isDefaultDisplay(d) {
  const n = normalizeDisplay(d);
  return Object.keys(DEFAULT_DISPLAY).every((k) => k === "spin" || n[k] === DEFAULT_DISPLAY[k]);
}

/**
 * Colour range [absmin, absmax] of each face under a sensitivity rule (mm's rules; scene-format.md):
 * global: [0, global max]; local: [0, own max]; semilocal: [0, √(own max · global max)];
 * superlocal: [own min, own max]. `null` keeps each face's own `color_range`.
 * @param {{faces: object[], viz: {global_absmax?: number}}} scene
 * @returns {Array<[number, number]>}
 */
export function faceColorRanges(scene, sensitivity) {
  const g = scene.viz.global_absmax || Math.max(0, ...scene.faces.map((f) => f.absmax || 0)) || 1;
  return scene.faces.map((f) => {
    const own = f.absmax || 0;
    switch (sensitivity) {
      case "global": return [0, g];
      case "local": return [0, own];
      case "semilocal": return [0, Math.sqrt(own * g)];
      case "superlocal": return [f.absmin || 0, own];
      default: return f.color_range || [0, own];
    }
  });
}

/** The scene as the legend should describe it under a sensitivity override (a shallow copy). */
export function sceneWithSensitivity(scene, sensitivity) {
  if (!sensitivity) return scene;
  const ranges = faceColorRanges(scene, sensitivity);
  return {
    ...scene,
    viz: { ...scene.viz, sensitivity },
    faces: scene.faces.map((f, i) => ({ ...f, color_range: ranges[i] })),
  };
}
