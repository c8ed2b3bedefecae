/**
 * The animation schedule of a scene (header key `anim`, docs/reference/animations.md) as pure
 * functions: which phase each animated node is in at a global step, the block-local (i, k, j) it
 * sweeps, and the effective playback rate. Mirrors mmcore/anim/_timeline.py and _state.py.
 *
 * @example
 *   import { trackAt, stepRate } from "./schedule.js";
 *   const at = trackAt(scene.anim.tracks[0], 5, scene.anim.cycle);  // {phase: "active", local: 5, idx: {i: 5}}
 *   const stepsPerSecond = stepRate(scene.anim, 20, true);
 */

/**
 * @typedef {{path: string, alg: string, start: number, steps: number, shape: number[], blocks: number[],
 *            block_size: number[], fused: boolean, left: string, right: string, epilog: string,
 *            product_range: number[]}} AnimTrack
 * @typedef {{version: number, cycle: number, fuse: string, hide_inputs: boolean, speed: number,
 *            normalize: boolean, autoplay: boolean, hidden: string[], tracks: AnimTrack[]}} AnimSchedule
 * @typedef {{phase: "pending"|"active"|"done", local: number, idx: {i?: number, k?: number, j?: number}}} TrackState
 */

/** Swept axes per algorithm: the first is the outer (slow) one. */
export const SWEEP_AXES = Object.freeze({
  "vmprod": ["i"], "dotprod (row major)": ["i", "j"],
  "mvprod": ["j"], "dotprod (col major)": ["j", "i"],
  "vvprod": ["k"], "axpy": ["j", "k"],
});

/** Reference cycle length of the work-normalized speed. */
export const NORMALIZE_REF_STEPS = 32;

/** Wrap a step into [0, cycle). */
export function wrapStep(step, cycle) {
  const n = Math.max(1, cycle | 0);
  return ((Math.floor(step) % n) + n) % n;
}

/**
 * Block-local indices swept at local step s.
 * @param {string} alg @param {number[]} blockSize [si, sk, sj] @param {number} s
 */
export function localIndices(alg, blockSize, s) {
  const size = { i: blockSize[0], k: blockSize[1], j: blockSize[2] };
  const axes = SWEEP_AXES[alg];
  if (!axes) throw new Error(`unknown animation algorithm ${JSON.stringify(alg)}: expected one of ${Object.keys(SWEEP_AXES).join(", ")}`);
  if (axes.length === 1) return { [axes[0]]: s };
  const [outer, inner] = axes;
  return { [outer]: Math.floor(s / size[inner]), [inner]: s % size[inner] };
}

/**
 * @param {AnimTrack} track @param {number} step global step @param {number} cycle
 * @returns {TrackState}
 */
export function trackAt(track, step, cycle) {
  const s = wrapStep(step, cycle) - track.start;
  if (s < 0) return { phase: "pending", local: -1, idx: {} };
  if (s >= track.steps) return { phase: "done", local: track.steps, idx: {} };
  return { phase: "active", local: s, idx: localIndices(track.alg, track.block_size, s) };
}

/**
 * Steps per second: `speed`, or with `normalize` scaled by sqrt(cycle / 32) so that a long cycle
 * does not crawl and a short one does not flash.
 * @param {AnimSchedule} anim @param {number} speed @param {boolean} normalize
 */
export function stepRate(anim, speed, normalize) {
  const s = Math.max(0.1, Number(speed) || 1);
  return normalize ? s * Math.sqrt(Math.max(1, anim.cycle) / NORMALIZE_REF_STEPS) : s;
}
