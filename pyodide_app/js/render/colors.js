/**
 * mm's value -> colour and size mapping (HSL with saturation 1), in JavaScript.
 *
 * The face shader (face-material.js) implements the same formulas in GLSL; this module serves the
 * colour legend and tests. Reference: mm-geometry §8, mmcore.color in Python.
 *
 * @example
 *   const viz = {zero_hue: 0.77, hue_gap: 0.74, hue_spread: 0.04, min_light: 0.4, max_light: 0.7, min_size: 0.2};
 *   const {hue, light, size} = mmColor(1.0, viz, 0, 1);   // hue ≈ 0.55 (cyan-blue), light 0.7, size 1
 *   hslToRgb(hue, 1, light);                              // [r, g, b] in 0..1
 */

/**
 * Colour and size of one value.
 * @param {number} x the value
 * @param {object} viz scene viz settings
 * @param {number} absmin lower end of the colour range (face color_range[0])
 * @param {number} absmax upper end (face color_range[1])
 * @returns {{hue: number, sat: number, light: number, size: number, special: "nan"|"inf"|"zero"|null}}
 *   hue wrapped into [0, 1); size is a fraction of the full element size.
 */
export function mmColor(x, viz, absmin, absmax) {
  if (Number.isNaN(x)) return { hue: 0, sat: 0, light: 1, size: 1, special: "nan" };
  if (!Number.isFinite(x)) return { hue: 0, sat: 0, light: 1, size: 1, special: "inf" };
  if (x === 0) return { hue: 0, sat: 1, light: 0, size: 0, special: "zero" };
  const absdiff = absmax - absmin;
  const sign = Math.sign(x);
  const hueVol = absdiff <= 0 ? 0 : (x - sign * absmin) / absdiff;
  const hueRaw = viz.zero_hue + sign * viz.hue_gap + hueVol * viz.hue_spread;
  const hue = hueRaw - Math.floor(hueRaw);
  const ax = Math.min(Math.max(Math.abs(x), absmin), absmax);
  const minL = Math.max(viz.min_light, 1e-5);
  const maxL = Math.max(viz.max_light, minL);
  const light = absdiff <= 0 ? minL : minL + (maxL - minL) * Math.sqrt(Math.max(ax - absmin, 0)) / Math.sqrt(absdiff);
  const vol = absmax <= absmin ? 0 : Math.max((Math.abs(x) - absmin) / absdiff, 0);
  const zs = viz.min_size;
  const size = Math.min(zs + (1 - zs) * Math.sqrt(vol), 1);
  return { hue, sat: 1, light, size, special: null };
}

/**
 * HSL (all in 0..1) to linear-free RGB in 0..1, as three.js Color.setHSL does (no colour-space conversion).
 * @returns {[number, number, number]}
 */
export function hslToRgb(h, s, l) {
  h = h - Math.floor(h);
  if (s === 0) return [l, l, l];
  const p = l <= 0.5 ? l * (1 + s) : l + s - l * s;
  const q = 2 * l - p;
  const hue2rgb = (t) => {
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return q + (p - q) * 6 * t;
    if (t < 1 / 2) return p;
    if (t < 2 / 3) return q + (p - q) * 6 * (2 / 3 - t);
    return q;
  };
  return [hue2rgb(h + 1 / 3), hue2rgb(h), hue2rgb(h - 1 / 3)];
}

/** CSS colour string of a value, for the legend. */
export function valueCss(x, viz, absmin, absmax) {
  const c = mmColor(x, viz, absmin, absmax);
  const [r, g, b] = hslToRgb(c.hue, c.sat, c.light).map((v) => Math.round(v * 255));
  return `rgb(${r}, ${g}, ${b})`;
}

/**
 * The colour range (absmin, absmax) for a face under a sensitivity rule (mm-geometry §8).
 * Scenes carry it precomputed per face (`color_range`); this is for the legend.
 */
export function colorRange(sensitivity, localAbsmax, localAbsmin, globalAbsmax) {
  switch (sensitivity) {
    case "local": return [0, localAbsmax];
    case "semilocal": return [0, Math.sqrt(localAbsmax * globalAbsmax)];
    case "superlocal": return [localAbsmin, localAbsmax];
    default: return [0, globalAbsmax];
  }
}
