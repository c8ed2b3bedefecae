/**
 * Colour legend of a figure (an HTML overlay): the value scale from −max through 0 to +max in
 * mm's colours, the numbers at its ends and the sensitivity mode (global: one scale for every
 * matrix; local / semilocal / superlocal: each matrix coloured on its own range).
 *
 * @example
 *   const legend = createLegend(overlayElement);
 *   legend.update(scene);        // draws the bar for scene.viz and the faces' ranges
 *   legend.element.hidden = true;
 */
import { valueCss } from "./colors.js";

const MODE_TEXT = {
  global: "global scale: one range for every matrix",
  local: "local scale: each matrix on its own max |x|",
  semilocal: "semilocal scale: each matrix on √(local·global max)",
  superlocal: "superlocal scale: each matrix on its own min..max |x|",
};

/** Short number for the legend ends: 3 significant digits. */
export function formatValue(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e4 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/**
 * The range the legend shows: the global range in global mode, else the largest face range.
 * @returns {[number, number]} [absmin, absmax]
 */
export function legendRange(scene) {
  const viz = scene.viz;
  if ((viz.sensitivity || "global") === "global") return [0, viz.global_absmax || 1];
  let lo = Infinity, hi = 0;
  for (const f of scene.faces) {
    const r = f.color_range || [0, f.absmax];
    lo = Math.min(lo, r[0]);
    hi = Math.max(hi, r[1]);
  }
  return [Number.isFinite(lo) ? lo : 0, hi || 1];
}

/** @param {HTMLElement} parent */
export function createLegend(parent) {
  const element = document.createElement("div");
  element.className = "mm-fig__legend";
  element.setAttribute("role", "group");
  element.setAttribute("aria-label", "Colour legend");
  const bar = document.createElement("canvas");
  bar.className = "mm-fig__legend-bar";
  bar.width = 160;
  bar.height = 10;
  bar.setAttribute("aria-hidden", "true");
  const ends = document.createElement("div");
  ends.className = "mm-fig__legend-ends";
  const lo = document.createElement("span");
  const mid = document.createElement("span");
  const hi = document.createElement("span");
  ends.append(lo, mid, hi);
  const mode = document.createElement("div");
  mode.className = "mm-fig__legend-mode";
  element.append(bar, ends, mode);
  parent.appendChild(element);

  return {
    element,
    /** @param {import("./scene-decode.js").DecodedScene} scene */
    update(scene) {
      const viz = scene.viz;
      const [absmin, absmax] = legendRange(scene);
      const ctx = bar.getContext("2d");
      const n = bar.width;
      ctx.clearRect(0, 0, n, bar.height);
      for (let px = 0; px < n; px++) {
        const t = (px + 0.5) / n * 2 - 1;          // -1 .. 1
        const x = t * absmax;
        if (Math.abs(x) < absmin) continue;        // below the superlocal floor: not drawn
        ctx.fillStyle = valueCss(x === 0 ? 1e-30 : x, viz, absmin, absmax);
        ctx.fillRect(px, 0, 1, bar.height);
      }
      const per = (viz.sensitivity || "global") === "global" ? "" : " (largest matrix)";
      lo.textContent = `−${formatValue(absmax)}`;
      mid.textContent = "0";
      hi.textContent = `+${formatValue(absmax)}`;
      const text = MODE_TEXT[viz.sensitivity] || MODE_TEXT.global;
      mode.textContent = text + per;
      element.setAttribute("aria-label",
        `Colour legend: negative values red, positive blue, from −${formatValue(absmax)} to +${formatValue(absmax)}; ${text}; zero not drawn`);
    },
  };
}
