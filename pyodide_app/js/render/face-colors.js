/**
 * mm's colour and size of every element, precomputed on the CPU into an RGBA8 texture (one texel
 * per element, in the same layout as the face's value texture) so that the face shader's common
 * path is one fetch: rgb = mm's colour (sRGB-encoded bytes, as the shader writes them), alpha =
 * the element size as 3 + round(size * 252) (size = diameter fraction, 0.2..1), with codes
 * 0 = zero (invisible), 1 = NaN (ring), 2 = ±Infinity (full disc); both specials take the
 * palette's mark colour in the shader, so a theme change needs no recomputation.
 *
 * The colour comes from a table of LUT_STEPS entries per sign over sqrt(rel) (rel = |x| normalised
 * into the colour range): lightness is linear in sqrt(rel), so the table's error is below one 8-bit
 * step. Values beyond the colour range (hue extrapolates in mm) are computed exactly.
 *
 * @example
 *   const bytes = faceColorBytes(values, 4096, [0, 2.5], scene.viz);   // Uint8Array(4 * 4096)
 */
import { hslToRgb } from "./colors.js";

export const LUT_STEPS = 1024;
export const SIZE_CODE = Object.freeze({ ZERO: 0, NAN: 1, INF: 2, BASE: 3, SCALE: 252 });

const tables = new Map();

function pack(rgb, code) {
  return (Math.round(rgb[0] * 255) | (Math.round(rgb[1] * 255) << 8) | (Math.round(rgb[2] * 255) << 16)
          | (code << 24)) >>> 0;
}

function exactColor(x, rel, viz, minL, maxL) {
  const sgn = x < 0 ? -1 : 1;
  const st = Math.sqrt(Math.min(Math.max(rel, 0), 1));
  return hslToRgb(viz.zero_hue + sgn * (viz.hue_gap + rel * viz.hue_spread), 1, minL + (maxL - minL) * st);
}

/** Packed little-endian RGBA (colour, size code) per sign and sqrt(rel) step, cached per viz. */
function colorTable(viz) {
  const key = [viz.zero_hue, viz.hue_gap, viz.hue_spread, viz.min_light, viz.max_light, viz.min_size].join();
  let t = tables.get(key);
  if (t) return t;
  const minL = Math.max(viz.min_light, 1e-5), maxL = Math.max(viz.max_light, minL);
  t = new Uint32Array(2 * LUT_STEPS);   // [0, LUT_STEPS): positive; [LUT_STEPS, 2 LUT_STEPS): negative
  for (let k = 0; k < LUT_STEPS; k++) {
    const st = k / (LUT_STEPS - 1);
    const size = Math.min(viz.min_size + (1 - viz.min_size) * st, 1);
    const code = SIZE_CODE.BASE + Math.round(size * SIZE_CODE.SCALE);
    t[k] = pack(exactColor(1, st * st, viz, minL, maxL), code);
    t[LUT_STEPS + k] = pack(exactColor(-1, st * st, viz, minL, maxL), code);
  }
  tables.set(key, t);
  return t;
}

/**
 * @param {Float32Array} values the face's values (row-major; the texture layout's padded array is fine)
 * @param {number} length texels to fill (>= values.length; the rest stays 0 = invisible)
 * @param {[number, number]} colorRange [absmin, absmax]
 * @param {object} viz scene viz settings
 * @returns {Uint8Array} RGBA bytes, 4 * length
 */
export function faceColorBytes(values, length, colorRange, viz) {
  const out = new Uint32Array(Math.max(length, values.length, 1));
  faceColorsInto(out, values, 0, values.length, colorRange, viz);
  return new Uint8Array(out.buffer);
}

/**
 * The packed colours of values[start, end) into out[start, end) (little-endian RGBA as Uint32), so that
 * a large face can be coloured in slices between frames (face-mesh.js).
 * @param {Uint32Array} out @param {Float32Array} values @param {number} start @param {number} end
 * @param {[number, number]} colorRange @param {object} viz
 */
export function faceColorsInto(out, values, start, end, colorRange, viz) {
  const table = colorTable(viz);
  const [absmin, absmax] = colorRange;
  const invDiff = absmax > absmin ? 1 / (absmax - absmin) : 0;
  const steps = LUT_STEPS - 1;
  const minL = Math.max(viz.min_light, 1e-5), maxL = Math.max(viz.max_light, minL);
  const neg = LUT_STEPS;
  for (let i = start; i < end; i++) {
    const x = values[i];
    if (x === 0) continue;
    const ax = Math.abs(x);
    let rel = (ax - absmin) * invDiff;
    if (rel >= 0 && rel <= 1) {             // the common case (also false for NaN)
      out[i] = table[(x < 0 ? neg : 0) + ((Math.sqrt(rel) * steps + 0.5) | 0)];
    } else if (rel < 0) {
      out[i] = table[x < 0 ? neg : 0];
    } else if (ax === Infinity || x !== x) {
      out[i] = (x !== x ? SIZE_CODE.NAN : SIZE_CODE.INF) << 24 >>> 0;
    } else if (rel > 1.0001) {              // beyond the range: mm's hue extrapolates
      out[i] = pack(exactColor(x, rel, viz, minL, maxL), SIZE_CODE.BASE + SIZE_CODE.SCALE);
    } else {
      out[i] = table[(x < 0 ? neg : 0) + steps];
    }
  }
}
