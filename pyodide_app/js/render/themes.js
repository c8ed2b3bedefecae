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
    if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(css) || /^rgb/i.test(css) || /^hsl/i.test(css)) background = css;
  }
  return { ...base, background };
}
