/**
 * `createFigure` with the animation player attached: the renderer's figure (render/figure.js),
 * whose `setScene` also loads the scene's schedule into a player (controls appear only for a
 * scene that animates) and whose `dispose` also disposes the player. Drop-in for the live cell.
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
  const fig = createPlainFigure(container, options);
  const key = options.animKey || container.closest?.("[data-mm-cell]")?.dataset.mmCell || container.id || "fig";
  const player = createPlayer(fig, container, { key });
  const setScene = fig.setScene;
  const dispose = fig.dispose;
  fig.setScene = async (buffer) => {
    await setScene(buffer);
    try {
      player.load(fig.scene);
    } catch (err) {
      console.error(err);
    }
  };
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
