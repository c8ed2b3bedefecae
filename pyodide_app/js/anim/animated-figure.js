/**
 * `createFigure` with the animation player attached: the renderer's figure (render/figure.js),
 * whose `setScene` also loads the scene's schedule into a player before the scene's first frame
 * (controls appear only for a scene that animates) and whose `dispose` also disposes the player.
 * Drop-in for the live cell.
 *
 * @example
 *   import { createFigure } from "../anim/animated-figure.js";
 *   const fig = createFigure(el, {theme: "light", label: "A @ B"});
 *   await fig.setScene(buffer);   fig.player.step;   fig.dispose();
 */
import { createFigure as createPlainFigure } from "../render/figure.js";
import { createPlayer } from "./player.js";

/** @param {HTMLElement} container @param {{theme?: string, label?: string, animKey?: string}} [options] */
export function createFigure(container, options = {}) {
  let player = null;
  // The schedule is loaded (uniforms of the step set) before the scene's first frame is drawn: a
  // figure opened at a step never shows a frame of the finished product first.
  const loadAnimation = (decoded) => {
    try {
      player.load(decoded, { draw: false });
    } catch (err) {
      console.error(err);
    }
  };
  const fig = createPlainFigure(container, { ...options, beforeFirstFrame: loadAnimation });
  const key = options.animKey || container.closest?.("[data-mm-cell]")?.dataset.mmCell || container.id || "fig";
  player = createPlayer(fig, container, { key });
  const dispose = fig.dispose;
  const setTheme = fig.setTheme;
  fig.setTheme = (name) => {
    setTheme(name);
    player.setTheme(fig.getState().theme);
  };
  fig.dispose = () => {
    player.dispose();
    dispose();
  };
  fig.player = player;
  return fig;
}
