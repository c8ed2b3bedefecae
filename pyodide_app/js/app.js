// Entry of the page bundle (site/assets/mm/app.js, loaded as an ES module through mkdocs extra_javascript).
// On every mkdocs-material `document$` emission (first load and each instant navigation) it unmounts the
// previous page's cells and mounts every `[data-mm-cell]`; without `document$` it mounts once on
// DOMContentLoaded. The Python worker (runtime/client.js) is shared and survives page changes.
//
// This entry is small on purpose (esbuild code splitting, scripts/build_js.mjs): the cell and the renderer
// (three.js) are imported only when a page has cells, and the editor (CodeMirror, cell/editor.js) only when
// the reader starts editing. On a page with cells, Python starts booting in the worker as soon as the first
// prebuilt figure has drawn (on a fast connection; see bootInBackground), so a first Run rarely waits for it.
//
// For tests and tools: `window.mmAtlas = {runtime, cells, mountAll}` (cells: Map of cell id -> cell;
// `mountAll()` returns a promise that resolves once the page's cells are mounted).
//
// Example (in the browser console): await mmAtlas.cells.get("index-1").run()

import { opensMmLink } from "./link-page.js";
import { getRuntime } from "./runtime/client.js";

/** @type {Map<string, any>} */
const cells = new Map();
const runtime = getRuntime(new URL("./worker.js", import.meta.url));   // beside this bundle
/** The build's index of prebuilt figures by mm link (pyodide_app/_links.py), beside this bundle. */
const LINK_INDEX = new URL("./links.json", import.meta.url);
/** The playground link being opened: its page query and its prebuilt figure, if the book has one. */
let linkFigure = null;
/** ms after Python is ready before Material's search index is built (bootInBackground; search-hold.js). */
const SEARCH_AFTER_READY_MS = 1000;
/** Each mountAll() call supersedes the earlier ones (instant navigation may emit while a chunk loads). */
let generation = 0;

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

async function mountAll() {
  const mine = ++generation;
  unmountAll();
  const els = [...document.querySelectorAll("[data-mm-cell]")];
  if (els.length) {
    if (opensMmLink(els)) openLink();   // the playground runs its link at once: Python starts now, not after the chunk
    bootInBackground(mine);   // before the cell chunk: the worker starts on its own thread while it loads
    let mountCell;
    try {
      ({ mountCell } = await import("./cell/cell.js"));
    } catch (err) {
      console.error("mm: could not load the cell runtime", err);
      for (const el of els) el.setAttribute("data-state", "error");
      return;
    }
    if (mine !== generation) return;   // the reader navigated on while the chunk loaded
    const theme = currentTheme();
    for (const el of els) {
      if (!el.isConnected) continue;
      try {
        const link = el.dataset.autorun === "mm-link" && linkFigure?.search === location.search ? linkFigure : null;
        const cell = mountCell(/** @type {HTMLElement} */ (el), { runtime, theme, linkScene: link?.scene });
        cells.set(cell.id, cell);
      } catch (err) {
        console.error(`mm: could not mount cell ${el.getAttribute("data-mm-cell")}`, err);
        el.setAttribute("data-state", "error");
      }
    }
  }
  window.dispatchEvent(new CustomEvent("mm:mounted", { detail: { cells: [...cells.keys()] } }));
}

/**
 * Boot Python in the background on a page with cells, as soon as the first prebuilt figure has drawn (at once
 * on a page without one): the worker downloads and starts Python on its own thread while the reader looks at
 * the figure, so a Run rarely waits. Started earlier, at page open, the boot competed with that first paint on
 * a 2-core machine (first frame +80 ms cold, +185 ms warm) and made Python ready only 50-100 ms sooner (A/B,
 * scripts/bench_page.py, 5 runs each). Only on a fast connection (Network Information `effectiveType` "4g", or no such
 * API); on a slower one, or with Save-Data, the boot waits until the page has loaded and the main thread is
 * idle, so the figures' bytes come first (with Save-Data: no background boot at all; Python starts on edit,
 * hover or Run). In a browser driven by automation (navigator.webdriver: crawlers, tests) there is no
 * background boot unless `localStorage["mm:boot"]` is "reader": scripts/bench_page.py and
 * tests/e2e/test_boot_page.py set it to get what a reader gets.
 * Material's search index, held back on a page with cells (search-hold.js, `window.mmSearchHold`: building it
 * took ~380 ms of CPU from a cold boot on 2 cores), is built `SEARCH_AFTER_READY_MS` after Python is ready
 * when Python boots now (here in the background, or for the playground's link), at once otherwise (or as soon
 * as the reader turns to search).
 */
function bootInBackground(mine) {
  const releaseSearch = /** @type {any} */ (window).mmSearchHold?.release ?? (() => {});
  const searchAfter = (ready) => ready.then(() => setTimeout(() => releaseSearch("python-ready"), SEARCH_AFTER_READY_MS),
                                            () => releaseSearch("boot-failed"));
  // no background boot: the index waits only for a boot already under way (the playground's link)
  const noBoot = () => (runtime.ready ? searchAfter(runtime.ready) : releaseSearch("no-background-boot"));
  const nav = /** @type {any} */ (navigator);
  if (nav.webdriver) {
    let wanted = null;
    try { wanted = localStorage.getItem("mm:boot"); } catch { /* storage blocked */ }
    if (wanted !== "reader") return noBoot();
  }
  const conn = nav.connection;
  if (conn?.saveData) return noBoot();
  // once Python is ready and the page idle, a second worker keeps a snapshot of the started interpreter for the
  // next boots in this browser (runtime/snapshot.js; nothing to do when this boot restored one)
  runtime.allowSnapshot();
  if (runtime.ready) return searchAfter(runtime.ready);
  if (!conn || !conn.effectiveType || conn.effectiveType === "4g") {
    runtime.prestart();   // the worker's thread now (cheap), Python at the first frame (runtime/client.js)
    afterFirstPaint(mine, () => searchAfter(runtime.boot()));
    return;
  }
  releaseSearch("boot-waits");   // a slower connection: the boot waits for the load and an idle main thread
  const loaded = document.readyState === "complete"
    ? Promise.resolve()
    : new Promise((resolve) => window.addEventListener("load", () => resolve(), { once: true }));
  loaded.then(() => {
    if (mine === generation) runtime.prewarm();   // requestIdleCallback inside
  });
}

/**
 * Run `fn` once the page's first prebuilt figure has drawn (an `mm:first-frame:` mark): on a 2-core machine a
 * boot started earlier competes with that first paint. A page with no prebuilt figure runs it at once; if no
 * figure has drawn 2 s after the page loaded (a broken scene, no WebGL), it runs then.
 */
function afterFirstPaint(mine, fn) {
  let done = false;
  const go = () => {
    if (done || mine !== generation) return;
    done = true;
    document.removeEventListener("mm:first-frame", go);
    fn();
  };
  const drawn = performance.getEntriesByType("mark").some((m) => m.name.startsWith("mm:first-frame:"));
  if (!document.querySelector("[data-mm-cell][data-scene]") || drawn) return go();
  // cell/cell.js markFirstFrame: the event comes in the same task as the mark
  document.addEventListener("mm:first-frame", go);
  const later = () => setTimeout(go, 2000);
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
}

/**
 * The playground opens its `?mm=` link: Python starts now, and the book's prebuilt figure of that link (when
 * the build's index has it) is looked up and downloaded while the cell code loads; the cell draws it while
 * Python boots (cell/cell.js). The lookup's small module is loaded only here.
 */
function openLink() {
  runtime.boot();
  const search = location.search;
  if (linkFigure?.search === search) return;
  const scene = import("./cell/mmlink.js").then((m) => {
    const link = m.readMmLink(search);
    return link ? m.prebuiltForLink(link, LINK_INDEX) : null;
  }).catch(() => null);
  linkFigure = { search, scene };
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
  if (doc$ && typeof doc$.subscribe === "function") doc$.subscribe(() => { mountAll(); });
  else mountAll();
}

window.mmAtlas = { runtime, cells, mountAll };
// Material's document$ first emits only after its own bundle has started; a page that opens with cells needs
// not wait for it to start Python (module scripts run once the document is parsed)
if (document.readyState !== "loading" && opensMmLink([...document.querySelectorAll("[data-mm-cell]")])) openLink();
if (document.readyState !== "loading" && document.querySelector("[data-mm-cell]")) bootInBackground(generation);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
