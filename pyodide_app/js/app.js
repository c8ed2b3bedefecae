// Entry of the page bundle (site/assets/mm/app.js, loaded as an ES module through mkdocs extra_javascript).
// On every mkdocs-material `document$` emission (first load and each instant navigation) it unmounts the
// previous page's cells and mounts every `[data-mm-cell]`; without `document$` it mounts once on
// DOMContentLoaded. The Python worker (runtime/client.js) is shared and survives page changes.
//
// For tests and tools: `window.mmAtlas = {runtime, cells, mountAll}` (cells: Map of cell id -> cell).
//
// Example (in the browser console): await mmAtlas.cells.get("index-1").run()

import { getRuntime } from "./runtime/client.js";
import { mountCell } from "./cell/cell.js";

/** @type {Map<string, ReturnType<typeof mountCell>>} */
const cells = new Map();
const runtime = getRuntime();

/** Material's palette: `data-md-color-scheme="slate"` on <body> is dark. */
function currentTheme() {
  return document.body?.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "light";
}

function unmountAll() {
  for (const cell of cells.values()) {
    try {
      cell.unmount();
    } catch (err) {
      console.error("mm: unmount failed", err);
    }
  }
  cells.clear();
}

function mountAll() {
  unmountAll();
  const theme = currentTheme();
  for (const el of document.querySelectorAll("[data-mm-cell]")) {
    try {
      const cell = mountCell(/** @type {HTMLElement} */ (el), { runtime, theme });
      cells.set(cell.id, cell);
    } catch (err) {
      console.error(`mm: could not mount cell ${el.getAttribute("data-mm-cell")}`, err);
      el.setAttribute("data-state", "error");
    }
  }
  window.dispatchEvent(new CustomEvent("mm:mounted", { detail: { cells: [...cells.keys()] } }));
}

/** Follow the palette toggle: one observer for the whole tab (body survives instant navigation). */
function watchTheme() {
  let theme = currentTheme();
  new MutationObserver(() => {
    const next = currentTheme();
    if (next === theme) return;
    theme = next;
    for (const cell of cells.values()) cell.setTheme(theme);
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
}

function start() {
  watchTheme();
  const doc$ = /** @type {any} */ (window).document$;
  if (doc$ && typeof doc$.subscribe === "function") doc$.subscribe(() => mountAll());
  else mountAll();
}

window.mmAtlas = { runtime, cells, mountAll };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
