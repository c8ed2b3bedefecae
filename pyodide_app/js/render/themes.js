/**
 * Light and dark palettes of a figure. The background follows mkdocs-material's
 * `--md-default-bg-color` when the page defines it, so the figure sits on the page's own colour.
 *
 * @example
 *   const p = paletteFor("dark", containerElement);   // {background: "#1e2129", text: ..., ...}
 */

export const PALETTES = Object.freeze({
  light: Object.freeze({
    name: "light",
    background: "#ffffff",
    text: "#1f2430",
    shapeText: "#5a6170",
    guide: "#30343c",
    grid: "#8a90a0",
    gridAlpha: 0.35,
    mark: "#111111",        // NaN ring and ±Infinity disc
    arrowLeft: "#4f8fd8",   // mm's left vane is light blue, right vane light red; darker on white
    arrowRight: "#d86a6a",
  }),
  dark: Object.freeze({
    name: "dark",
    background: "#15171c",
    text: "#e8eaf0",
    shapeText: "#a8aebb",
    guide: "#ffffff",
    grid: "#9aa0b0",
    gridAlpha: 0.3,
    mark: "#ffffff",
    arrowLeft: "#96c8ff",
    arrowRight: "#ff9696",
  }),
});

/**
 * The palette of a theme; the background is the page's `--md-default-bg-color` when set.
 * @param {"light"|"dark"} theme
 * @param {Element} [element] element whose computed style is read
 */
export function paletteFor(theme, element) {
  const base = PALETTES[theme] || PALETTES.light;
  let background = base.background;
  if (element && typeof getComputedStyle === "function") {
    const css = getComputedStyle(element).getPropertyValue("--md-default-bg-color").trim();
    const hex = css ? cssToHex(css) : null;
    if (hex) background = hex;
  }
  return { ...base, background };
}

let probe = null;

/**
 * Any CSS colour the browser understands (e.g. Material's `hsla(225deg, 15%, 14%, 1)`) as "#rrggbb",
 * or null when it is not an opaque colour.
 */
export function cssToHex(css) {
  if (typeof document === "undefined") return null;
  probe = probe || document.createElement("canvas").getContext("2d");
  if (!probe) return null;
  probe.fillStyle = "#010203";
  probe.fillStyle = css;
  const norm = String(probe.fillStyle);
  if (norm === "#010203" && css.replace(/\s/g, "").toLowerCase() !== "#010203") return null;   // not understood
  return /^#[0-9a-f]{6}$/i.test(norm) ? norm : null;                                          // rgba(...): translucent
}
