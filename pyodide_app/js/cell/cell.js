// One live cell (the HTML of pyodide_app/README.md): prebuilt figure, CodeMirror editor, Run / Stop / Reset /
// Share, state attribute, status line, output, performance marks, and the figure's state in the URL: a
// settings change pushes a history entry (`#cell=<id>[&code=…]&view=…`, back/forward undo and redo it), a
// camera move replaces the current one.
//
// Example:
//   const cell = mountCell(document.querySelector("[data-mm-cell]"), { runtime: getRuntime(), theme: "light" });
//   await cell.run();      // runs the editor's code in the worker and draws the new scene
//   cell.unmount();        // disposes the figure and the editor

import { createFigure } from "../anim/animated-figure.js";   // the renderer's figure + animation player
import { CellError, StoppedError } from "../runtime/client.js";
import { createEditor } from "./editor.js";
import { loadEdit, saveEdit, clearEdit } from "./storage.js";
import { shareURL, readShared } from "./share.js";
import { DEFAULT_DISPLAY } from "../render/display-settings.js";
import { liveContexts } from "../render/figure.js";
import { readMmLink, programForLink, sameBytes } from "./mmlink.js";
import { describeSceneBytes } from "./describe.js";

// the cell code (this chunk, with three.js) has been evaluated: tests check that a playground link starts Python
// before this, not after the chunk's download and evaluation (tests/e2e/test_playground_speed.py)
performance.mark("mm:cell-code");

/** @typedef {"idle" | "loading" | "running" | "ready" | "error"} CellState */

/** At most this many characters of output are shown (the end is kept). */
const MAX_OUTPUT = 100_000;

/** At most this many characters in the status line (the output below keeps the whole message). */
const MAX_STATUS = 300;

/** @param {string} text */
function clipOutput(text) {
  return text.length > MAX_OUTPUT ? `… (earlier output cut)\n${text.slice(-MAX_OUTPUT)}` : text;
}

/**
 * @param {HTMLElement} root   the `[data-mm-cell]` element
 * @param {{runtime: import("../runtime/client.js").PythonRuntime, theme: "light" | "dark",
 *          linkScene?: Promise<{url: string, bytes: ArrayBuffer} | null>}} ctx
 *   linkScene: the playground's link's prebuilt figure from the book (app.js), drawn while Python boots
 */
export function mountCell(root, ctx) {
  const id = root.dataset.mmCell;
  const q = (sel) => root.querySelector(sel);
  const buttons = {
    run: q('[data-action="run"]'),
    stop: q('[data-action="stop"]'),
    reset: q('[data-action="reset"]'),
    share: q('[data-action="share"]'),
  };
  const statusEl = q("[data-mm-status]");
  const outputEl = q("[data-mm-output]");
  const figureEl = q("[data-mm-figure]");
  const codeEl = q("[data-mm-code]");
  const sourceEl = q("script[data-mm-source]");
  const original = sourceEl ? JSON.parse(sourceEl.textContent) : codeEl.textContent;
  const sceneURL = root.dataset.scene ? new URL(root.dataset.scene, location.href).href : null;
  const mmLink = root.dataset.autorun === "mm-link" ? readMmLink() : null;

  let mounted = true;
  let busy = false;
  let firstFrameMarked = false;
  let linkShown = null;    // the book's scene of the playground's link, drawn until the link's run has its own
  let runDrew = false;
  const cleanups = [];

  const setState = (/** @type {CellState} */ s) => { root.dataset.state = s; };
  /** The status line is one short line: a long message (e.g. an error quoting a whole link) is cut. */
  const setStatus = (text) => {
    if (!statusEl) return;
    const t = String(text ?? "");
    statusEl.textContent = t.length > MAX_STATUS ? `${t.slice(0, MAX_STATUS - 1)}…` : t;
  };
  const setOutput = (text, isError = false) => {
    if (!outputEl) return;
    outputEl.textContent = clipOutput(text);
    outputEl.hidden = !text;
    outputEl.classList.toggle("mm-cell__output--error", isError);
  };
  // Streamed stdout is drawn at most once a frame, so a cell printing in a loop cannot flood the page.
  let streamed = "";
  let flushQueued = false;
  const appendOutput = (text) => {
    streamed += text;
    if (streamed.length > 2 * MAX_OUTPUT) streamed = streamed.slice(-MAX_OUTPUT);
    if (flushQueued || !outputEl) return;
    flushQueued = true;
    requestAnimationFrame(() => {
      flushQueued = false;
      if (mounted && busy) setOutput(streamed);
    });
  };

  // -- figure -------------------------------------------------------------------------------------------
  const figure = safeFigure(figureEl, {
    theme: ctx.theme,
    // the figure's own text alternative is built from each scene it draws (title and matrices); the
    // build's label (figureEl's aria-label) is only the fallback before the first scene
    label: "",
    getCode: () => editor.getCode(),
    codeName: id,
    marks: id,
    onStateChange: (kind) => { recordState(kind); },
  }, setStatus);
  /** The figure element's text alternative (its aria-label) follows the scene drawn. */
  const describe = (buffer) => {
    const text = describeSceneBytes(buffer);
    if (text) figureEl.setAttribute("aria-label", text);
  };
  const draw = async (buffer) => {
    describe(buffer);
    await figure.setScene(buffer);
    if (mounted && !firstFrameMarked) {
      firstFrameMarked = true;
      markFirstFrame(id);
    }
  };
  const drawPrebuilt = async () => {
    if (!sceneURL) return;
    const res = await fetch(sceneURL);
    if (!res.ok) throw new Error(`could not load the prebuilt figure ${sceneURL}: HTTP ${res.status}`);
    const buffer = await res.arrayBuffer();
    if (mounted) await draw(buffer);
  };

  /** The book's prebuilt figure of the playground's link (same bytes as the link computes, checked at build
   *  time: pyodide_app/_links.py), drawn at once while Python boots; marks `mm:link-prebuilt:<id>`. */
  const drawLinkScene = async (found) => {
    if (!mounted || runDrew) return;
    linkShown = found.bytes;
    root.dataset.mmLinkScene = found.url;
    performance.mark(`mm:link-prebuilt:${id}`);
    await draw(found.bytes);
  };
  /** The playground's link: the book's figure of it when there is one, else the shaders warmed up for the run. */
  const openLinkFigure = async () => {
    const found = ctx.linkScene ? await ctx.linkScene : null;
    if (found) await drawLinkScene(found);
    else await warmUpFigure();
  };

  /** Compile the figure's shaders on the (small) prebuilt scene, not shown (figure.warmUp); best effort. */
  const warmUpFigure = async () => {
    if (!sceneURL || typeof figure.warmUp !== "function") return;
    try {
      const res = await fetch(sceneURL);
      if (res.ok && mounted) figure.warmUp(await res.arrayBuffer());
    } catch (err) {
      console.warn("mm: no shader warm-up", err);
    }
  };

  // -- editor -------------------------------------------------------------------------------------------
  // the link's one-line program is shown as static code: CodeMirror loads when the reader goes to edit it,
  // not while the link's figure is drawn
  const staticCode = mmLink ? codeEl.querySelector("pre code") || codeEl.querySelector("pre") : null;
  if (staticCode) staticCode.textContent = programForLink(mmLink);
  const saved = mmLink ? { code: null, note: null } : loadEdit(id);
  let storageNoted = false;   // a storage problem is said once per cell and visit
  const editor = createEditor(codeEl, mmLink ? programForLink(mmLink) : saved.code ?? original, {
    label: `Python code of cell ${id}`,
    onRun: () => run(),
    onChange: (code) => {
      const kept = mmLink ? { ok: true } : saveEdit(id, code);
      if (!kept.ok && !storageNoted && mounted) {
        storageNoted = true;
        setStatus(kept.note);
      }
      ctx.runtime.prewarm(); // the reader is editing: boot Python while they type
    },
  });
  // The live figure holds focusable controls (its toolbar, the figure itself), which role="img" must not:
  // it becomes a named group; the canvas inside is the image with the text alternative.
  figureEl.setAttribute("role", "group");
  if (outputEl) outputEl.tabIndex = 0;   // long output scrolls: reachable with the keyboard
  root.classList.add("mm-cell--live");
  root.dataset.mmLive = "true";

  // -- run / stop ---------------------------------------------------------------------------------------
  async function run() {
    if (busy || !mounted) return;
    busy = true;
    performance.mark(`mm:run-start:${id}`);
    const code = editor.getCode();
    const rt = ctx.runtime;
    buttons.run.disabled = true;
    buttons.stop.disabled = false;
    setOutput("");
    streamed = "";
    const offProgress = rt.onProgress((p) => {
      if (mounted && root.dataset.state === "loading") setStatus(`${p.detail}…`);
    });
    try {
      if (!rt.isReady) {
        setState("loading");
        setStatus(`${rt.lastProgress ? rt.lastProgress.detail : "Starting Python"}…`);
        await rt.boot();
      }
      if (!mounted) return;
      setState("running");
      setStatus("Running…");
      const t0 = performance.now();
      const result = await rt.run(id, code, {
        onStdout: (text) => { if (mounted) appendOutput(text); },
      });
      markWorkerPhases(id, result.timings);
      if (!mounted) return;
      const shown = linkShown;
      linkShown = null;
      if (result.scene) runDrew = true;
      if (result.scene && !sameBytes(shown, result.scene)) {   // the book's figure of the link, when shown, is this scene
        root.removeAttribute("data-figure");   // a cell that printed only at build time now draws
        describe(result.scene);
        await figure.setScene(result.scene);
      }
      if (!mounted) return;
      if (!firstFrameMarked) { firstFrameMarked = true; markFirstFrame(id); }
      performance.mark(`mm:run-done:${id}`);
      setOutput(streamed || result.stdout);
      const ms = Math.round(performance.now() - t0);
      setStatus(result.scene ? `Done in ${ms} ms` : `Done in ${ms} ms (the cell shows no figure)`);
      setState("ready");
    } catch (err) {
      if (!mounted) return;
      if (err instanceof StoppedError) {
        setState("idle");
        setStatus("Stopped");
      } else {
        const e = err instanceof CellError ? err.error : { type: "Error", message: String(err?.message || err), traceback: String(err?.stack || err) };
        setState("error");
        setStatus(e.line ? `${e.message} (line ${e.line})` : e.message);
        const printed = streamed || (err instanceof CellError ? err.stdout : "");
        const sep = printed && !printed.endsWith("\n") ? "\n" : "";
        setOutput(printed + sep + (e.traceback || e.message), true);
      }
    } finally {
      offProgress();
      busy = false;
      if (mounted) {
        buttons.run.disabled = false;
        buttons.stop.disabled = true;
      }
    }
  }

  function stop() {
    if (!busy) return;
    ctx.runtime.stop();
    ctx.runtime.boot(); // a fresh worker boots in the background for the next Run
  }

  async function reset() {
    clearEdit(id);
    editor.setCode(original);
    setOutput("");
    if (busy) return;
    setState("idle");
    setStatus("Reset to the original code");
    try {
      await drawPrebuilt();
    } catch (err) {
      setStatus(String(err.message || err));
    }
  }

  /** The figure's camera state for a share link (the theme stays the reader's). */
  function viewState() {
    if (typeof figure.getState !== "function") return null;
    const { theme, ...view } = figure.getState() || {};
    return Object.keys(view).length ? view : null;
  }

  /** The URL of this cell's current state: edited code (only when it differs from the original) and view. */
  async function stateURL() {
    const code = editor.getCode();
    return shareURL(id, code === original ? null : code, location.href, viewState());
  }

  // History: a settings change is a new entry (undo with Back), a camera move updates the current one.
  // Entries carry state null, so Material's instant navigation ignores their popstate (same page).
  let recording = Promise.resolve();
  function recordState(kind) {
    recording = recording.then(async () => {
      if (!mounted) return;
      const url = await stateURL();
      if (!mounted || url === location.href) return;
      if (kind === "settings") history.pushState(null, "", url);
      else history.replaceState(history.state, "", url);
    }).catch((err) => console.error("mm: could not record the figure state", err));
  }

  /** Back/forward: this cell's entry restores its view; an entry of no (or another) cell its defaults. */
  async function restoreFromHistory() {
    const shared = await readShared();
    if (!mounted || typeof figure.setState !== "function") return;
    if (shared && shared.cellId === id) {
      const view = shared.view || {};
      figure.setState({ ...view, display: { ...DEFAULT_DISPLAY, ...(view.display || {}), spin: !!view.spin } });
    } else {
      figure.setState({ display: { ...DEFAULT_DISPLAY } });
    }
  }
  historyRestorers.add(restoreFromHistory);
  cleanups.push(() => historyRestorers.delete(restoreFromHistory));
  watchHistory();

  async function share() {
    const url = await shareURL(id, editor.getCode(), location.href, viewState());
    root.dataset.mmShareUrl = url;
    try {
      await navigator.clipboard.writeText(url);
      setStatus("Link copied");
    } catch {
      setOutput(url);
      setStatus("Copy the link below");
    }
  }

  const on = (el, type, fn) => {
    if (!el) return;
    el.addEventListener(type, fn);
    cleanups.push(() => el.removeEventListener(type, fn));
  };
  on(buttons.run, "click", () => run());
  on(buttons.run, "pointerenter", () => ctx.runtime.prewarm(true)); // about to click: start Python now
  on(buttons.stop, "click", () => stop());
  on(buttons.reset, "click", () => reset());
  on(buttons.share, "click", () => share());
  buttons.stop.disabled = true;

  // -- start ---------------------------------------------------------------------------------------------
  setState("idle");
  if (saved.note) setStatus(saved.note);
  if (mmLink) {
    setStatus("Opening the mm link…");
    run();
    // while Python works: the book's figure of the link, or the figure's shaders, so the link's first frame
    // skips compiling them
    openLinkFigure().catch((err) => console.warn("mm: the link's figure", err));
  } else {
    drawPrebuilt().catch((err) => { if (mounted) setStatus(String(err.message || err)); });
    readShared().then((shared) => {
      if (!mounted || !shared || shared.cellId !== id) return;
      if (shared.view && typeof figure.setState === "function") figure.setState(shared.view);
      if (shared.code !== null) {
        editor.setCode(shared.code);
        setStatus("Code loaded from the link: press Run to run it");
      }
      if (!scrolledToShared) root.scrollIntoView({ block: "start" });   // a link opened: show its cell once
      scrolledToShared = true;
    });
  }

  return {
    id,
    root,
    figure,
    run,
    stop,
    reset,
    getCode: () => editor.getCode(),
    setCode: (code) => editor.setCode(code),
    setTheme: (theme) => figure.setTheme(theme),
    unmount() {
      mounted = false;
      for (const fn of cleanups) fn();
      editor.destroy();
      figure.dispose();
      delete root.dataset.mmLive;
    },
  };
}

/**
 * Mark a cell's first frame, `mm:first-frame:<id>`, and tell the page in the same task with an `mm:first-frame`
 * event on `document` (app.js starts the background boot on it: a PerformanceObserver would hear of the mark
 * only in a later, low-priority task). Example: markFirstFrame("blog11")
 */
function markFirstFrame(id) {
  performance.mark(`mm:first-frame:${id}`);
  document.dispatchEvent(new CustomEvent("mm:first-frame", { detail: { id } }));
}

/**
 * The worker's phases of a run (epoch ms in `timings.marks`, worker.js) as this page's marks
 * `mm:<name>:<cell>`, and `mm:scene-received:<cell>` now. Example: markWorkerPhases("playground", result.timings)
 */
function markWorkerPhases(id, timings) {
  const origin = performance.timeOrigin;
  for (const [name, at] of Object.entries(timings?.marks || {})) {
    if (Number.isFinite(at)) performance.mark(`mm:${name}:${id}`, { startTime: Math.max(0, at - origin) });
  }
  performance.mark(`mm:scene-received:${id}`);
}

/** Restorers of the mounted cells, called on back/forward between entries of the same page. */
const historyRestorers = new Set();
/** A shared cell is scrolled into view only when the document opens, not when back/forward remounts it. */
let scrolledToShared = false;
let watchingHistory = false;

/**
 * One listener for the tab: a back/forward between entries of the same page whose hash is a cell state (or
 * empty) restores the mounted figures. (Material's instant navigation registered its own listener first and
 * swaps the page on the first back/forward after a load; the remounted cells then read the state from the
 * URL. stopImmediatePropagation keeps later listeners out.)
 */
function watchHistory() {
  if (watchingHistory) return;
  watchingHistory = true;
  let page = location.pathname + location.search;
  window.addEventListener("mm:mounted", () => { page = location.pathname + location.search; });
  window.addEventListener("popstate", (ev) => {
    const samePage = location.pathname + location.search === page;
    const ours = location.hash === "" || location.hash.startsWith("#cell=");
    if (!samePage || !ours || !historyRestorers.size) return;
    ev.stopImmediatePropagation();
    for (const restore of historyRestorers) restore();
  }, true);
}

/**
 * The renderer's figure, or (when it cannot be created, e.g. a renderer bug) a stand-in whose setScene
 * rejects with the reason, so the editor and Run still work and the reader sees what went wrong.
 */
function safeFigure(el, options, setStatus) {
  if (window.mmAtlas && !window.mmAtlas.liveContexts) window.mmAtlas.liveContexts = liveContexts;
  try {
    return createFigure(el, options);
  } catch (err) {
    console.error("mm: the figure could not be created", err);
    const reason = `The figure could not be drawn: ${err?.message || err}`;
    setStatus(reason);
    return {
      setScene: () => Promise.reject(new Error(reason)),
      setTheme: () => {},
      dispose: () => {},
    };
  }
}
