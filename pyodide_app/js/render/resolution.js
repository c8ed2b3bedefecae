/**
 * Resolution while moving: when frames get slow during a drag or spin, draw at a fraction of the
 * device pixel ratio (1 -> 0.5 below 45 fps -> 0.35 below 30 fps); back to full resolution shortly
 * after the motion ends.
 *
 * @example
 *   const res = createResolution({ apply: (scale) => renderer.setPixelRatio(dpr * scale), redraw });
 *   res.frame(performance.now());   // every frame while moving
 *   res.settle();                   // when the motion ends
 */

// Median frame interval above which the resolution drops one step: to half resolution below 45 fps
// (22 ms; issue 4's orbit target, a 60 Hz display at full speed gives 16.7 ms), further to 0.35 only
// when half resolution still runs below 30 fps (34 ms).
export const SLOW_FRAME_MS = [22, 34];
export const SCALES = [1, 0.5, 0.35];   // the ladder of pixel-ratio scales
const SETTLE_MS = 200;

/**
 * @param {{apply: (scale: number) => void, redraw: () => void}} hooks
 *   apply sets the renderer's pixel ratio for a scale; redraw requests a frame.
 */
export function createResolution({ apply, redraw }) {
  let step = 0;
  let last = 0;
  let timer = 0;
  const intervals = [];

  return {
    get scale() { return SCALES[step]; },
    /** Call once per frame drawn while moving. */
    frame(now) {
      clearTimeout(timer);
      if (last) intervals.push(now - last);
      last = now;
      if (intervals.length > 5) intervals.shift();
      if (intervals.length < 3 || step === SCALES.length - 1) return;
      const sorted = [...intervals].sort((a, b) => a - b);
      if (sorted[sorted.length >> 1] > SLOW_FRAME_MS[step]) {
        step += 1;
        apply(SCALES[step]);
        intervals.length = 0;
      }
    },
    /** The motion ended: full resolution again after a short pause. */
    settle() {
      intervals.length = 0;
      last = 0;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (step === 0) return;
        step = 0;
        apply(1);
        redraw();
      }, SETTLE_MS);
    },
    dispose() { clearTimeout(timer); },
  };
}
