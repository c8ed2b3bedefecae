// Module web worker hosting Pyodide, numpy and mmcore (one per tab).
//
// Protocol (pyodide_app/README.md):
//   -> {type: "init", sent?}              <- {type: "progress", stage, detail} ... {type: "ready", timings}
//      (sent: the page's epoch ms, for the timing init_delay)
//   -> {type: "make-snapshot"}            <- {type: "snapshot", stored: boolean, bytes, kept, timings}
//                                            (a second, short-lived worker of this bundle, the snapshot maker:
//                                            runtime/snapshot.js; the client then ends it)
//   -> {type: "run", id, cellId, code}    <- {type: "stdout", id, text} ... then
//                                            {type: "result", id, scene: ArrayBuffer|null, stdout, timings}
//                                            or {type: "error", id, error: {type, message, traceback, line}}
//                                         <- {type: "crash", reason}: the worker cannot go on (the client replaces it)
//
// Example (main thread):
//   const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
//   w.postMessage({ type: "init" });
//   w.postMessage({ type: "run", id: 1, cellId: "demo-1", code: "A = mmcore.matrix('A', 4, 4)\nA @ A" });

import { canInstall, fetchPackages, hookLazyLibs, installPackages, keepInflated, loadedSiteLibs } from "./packages.js";
import { IMPORT_NUMPY } from "./numpy-docs.js";
import { compileWasmEarly } from "./wasm-early.js";
import { RUN_HELPER } from "./run-helper.js";
import {
  AFTER_RESTORE, SNAPSHOT_PREIMPORT, bootKey, canStore, dropSnapshot, findSnapshot, snapshotBytes, storeSnapshot,
} from "./snapshot.js";

const PYODIDE_VERSION = "0.27.7";
const indexURL = new URL(`./pyodide/${PYODIDE_VERSION}/`, import.meta.url).href;
/** loadPyodide's options that a memory snapshot depends on (the same in the maker and the boot that restores it) */
const PYODIDE_OPTIONS = { indexURL, lockFileURL: indexURL + "pyodide-lock.json" };
const SNAPSHOT_KEY = bootKey(indexURL, PYODIDE_OPTIONS, PYODIDE_VERSION);

/** @type {any} */
let pyodide = null;
/** @type {Promise<any> | null} */
let booting = null;
/** @type {number | null} id of the run whose stdout is being streamed */
let currentRun = null;
/** shared libraries loaded together by the import hook (packages.js `hookLazyLibs`): [group, count, ms] */
const libsLoaded = [];
/** runs asked and not finished (the idle import waits for none) */
let runsAsked = 0;
/** the idle import (`IDLE_IMPORT`): {ms, reported}, ms -1 when it failed; null until it ran */
let idleImport = null;
/** how long after Python is ready the worker waits before `importWhenIdle` looks for runs */
const IDLE_IMPORT_DELAY_MS = 500;
/**
 * What the first run of most figures imports, done while nobody waits: numpy's docstrings (left out of the boot's
 * `import numpy`: numpy-docs.js), numpy.random (random leaves, ~100 ms of a first run) and mmcore.mm.api (`to_mm`:
 * every figure's scene carries its mm link; ~10-20 ms).
 */
const IDLE_IMPORT = "_mm_attach_numpy_docs()\nimport numpy.random\nimport mmcore.mm.api";

// A worker that ends itself (Python's `js.close()`) or hits an error outside a run would leave the page
// waiting for an answer that never comes: say so first, so the client replaces this worker.
const crash = (reason) => postMessage({ type: "crash", reason: String(reason) });
const closeWorker = self.close.bind(self);
self.close = () => {
  crash("the Python worker closed itself");
  closeWorker();
};
self.addEventListener("error", (ev) => crash(ev.message || "an error outside a run"));
self.addEventListener("unhandledrejection", (ev) => crash((ev.reason && ev.reason.message) || ev.reason || "an error outside a run"));

const now = () => performance.now();
const progress = (stage, detail) => postMessage({ type: "progress", stage, detail });

/**
 * The stored snapshot (runtime/snapshot.js), read as soon as this worker starts: the page prestarts it and it
 * waits idle for `init` until the first figure has drawn (runtime/client.js). Read with the boot instead, the
 * ~11 MB arrived 160-280 ms into `load_pyodide` (warm, load 3) and the interpreter's instantiation waited for
 * them. Resolves to null (none stored) or {bytes: a promise of them, readAt}; never rejects. Not in the maker.
 * @returns {Promise<{bytes: Promise<Uint8Array>, readAt: number | null} | null>}
 */
function readStored() {
  return findSnapshot(SNAPSHOT_KEY).then((entry) => {
    if (!entry) return null;
    const read = { bytes: null, readAt: null };
    read.bytes = snapshotBytes(SNAPSHOT_KEY, entry).then((b) => {
      read.readAt = now();
      return b;
    });
    read.bytes.catch(() => {});   // its rejection reaches loadPyodide, never the unhandledrejection handler (a crash)
    return read;
  });
}
const storedSnapshot = self.name === "mm-snapshot" ? null : readStored();

/**
 * Boot Pyodide and mmcore once; resolves to the timings of each step (ms). `initDelay`: ms from the page's
 * `init` to this worker reading it (the worker's own start when it was not prestarted: runtime/client.js).
 * Without a stored snapshot (a first visit) Pyodide's wasm compiles from the start, beside its JS glue
 * (wasm-early.js); a boot that restores one reads the wasm's compiled code from Chromium's cache instead, which
 * done early only competed with the rest of the boot's start (A/B: warm Python ready 1074 against 1024 ms).
 */
async function boot(initDelay = null) {
  const found = storedSnapshot ?? readStored();
  // registered before bootSteps awaits the same promise, so the shims are in place before loadPyodide runs
  const early = found.then((stored) => (stored ? NO_EARLY_WASM : compileWasmEarly(indexURL + "pyodide.asm.wasm")));
  try {
    const timings = await bootSteps(initDelay, found);
    timings.wasm_early = (await early).used();   // 1: the interpreter was instantiated from the early compile
    return timings;
  } finally {
    (await early).stop();
  }
}

const NO_EARLY_WASM = { used: () => 0, stop: () => {} };

/** `boot`'s steps; `found`: the stored snapshot's lookup (`readStored`). */
async function bootSteps(initDelay, found) {
  const timings = initDelay == null ? {} : { init_delay: initDelay };
  const started = now();
  const t = started;
  // numpy's and mmcore's files download and inflate on a helper thread while the interpreter starts (packages.js)
  const download = fetchPackages(indexURL).then((packs) => {
    timings.packages_ready = now() - started;   // ms after the boot started
    return packs;
  });
  // the snapshot of a started interpreter that an earlier page made in this browser (runtime/snapshot.js), if any
  const storage = canStore();
  timings.snapshot_storage = storage ? 1 : 0;
  progress("runtime", "Downloading the Python runtime");
  const { loadPyodide } = await import(/* @vite-ignore */ indexURL + "pyodide.mjs");
  timings.import_pyodide_mjs = now() - t;
  progress("runtime", "Starting Python");
  const waited = now();
  const read = await found;
  timings.snapshot_wait = now() - waited;   // the boot waited this long to know whether one is stored
  if (read) {
    const bytes = read.bytes.then((b) => {
      timings.snapshot_read = Math.max(0, read.readAt - started);   // ms after the boot started (0: before it)
      return b;
    });
    bytes.catch(() => {});
    try {
      pyodide = await startPython(loadPyodide, download, timings, bytes);
      timings.snapshot_restored = 1;
      return timings;
    } catch (err) {
      // corrupt, refused by Pyodide (another build), or anything after it: forget it, boot the normal way
      console.warn("mm: the Python snapshot did not restore; starting Python the normal way:", err);
      await dropSnapshot(SNAPSHOT_KEY);
      timings.snapshot_failed = 1;
    }
  }
  timings.snapshot_restored = 0;
  pyodide = await startPython(loadPyodide, download, timings, null);
  return timings;
}

/**
 * The interpreter (restored from `snapshot`, a promise of its bytes, when given; else initialised), then numpy,
 * mmcore and the run helper; resolves to the interpreter. `download`: the package bundle (packages.js); `timings`
 * gets each step's ms.
 */
async function startPython(loadPyodide, download, timings, snapshot) {
  let t = now();
  // numpy and mmcore are installed after the interpreter: passing them as loadPyodide's `packages` (Pyodide then
  // unzips them while the interpreter starts) was measured and did not win here (one thread for both)
  const py = await loadPyodide({
    ...PYODIDE_OPTIONS,
    ...(snapshot ? { _loadSnapshot: snapshot } : {}),
    stdout: (text) => postMessage({ type: "stdout", id: currentRun, text: text + "\n" }),
    stderr: (text) => postMessage({ type: "stdout", id: currentRun, text: text + "\n" }),
  });
  if (snapshot) {
    if (py._api?.config) py._api.config._loadSnapshot = undefined;   // Pyodide's config kept the 21 MB alive
    py.runPython(AFTER_RESTORE);
  }
  timings.load_pyodide = now() - t;
  // ms into load_pyodide when the wasm had arrived (and, streamed, compiled); the rest is the interpreter's start
  const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/pyodide.asm.wasm"));
  if (wasm) timings.wasm_fetched = wasm.responseEnd - t;
  t = now();
  progress("packages", "Loading numpy and mmcore");
  const bundle = await download;
  timings.packages_wait = now() - t;   // the bundle was still downloading or inflating this long
  if (bundle && canInstall(py)) {
    await installPackages(py, bundle.packages, timings);   // + packages_write, packages_libs, packages_forget
    timings.packages_bundled = 1;   // from the site's bundle (0: Pyodide's loadPackage)
    timings.packages_cached = bundle.cached ? 1 : 0;   // read back inflated from Cache Storage (packages.js)
  } else {
    await py.loadPackage("mmcore", {
      messageCallback: (msg) => progress("packages", msg),
      errorCallback: (msg) => progress("packages", msg),
    });
    timings.packages_bundled = 0;
  }
  timings.load_packages = now() - t;
  t = now();
  progress("import", "Importing mmcore");
  py.runPython(IMPORT_NUMPY);   // without its docstrings: attached when the worker is idle (numpy-docs.js)
  timings.import_numpy = now() - t;   // the part of import_mmcore spent on numpy
  py.runPython(RUN_HELPER);
  timings.import_mmcore = now() - t;
  if (bundle && timings.packages_bundled) {
    // numpy.random's 9 libraries (and numpy.fft's) load together when first imported, with one symbol
    // resolution instead of one per library by the interpreter's dlopen (packages.js `loadLibs`). Installed
    // after the boot's own imports: a finder first on sys.meta_path is asked about every module numpy and
    // mmcore import (~190), each a call into JS (A/B, 12 pages each: warm import_numpy 125 -> 171 ms with it)
    const groups = hookLazyLibs(py, bundle.packages, (name, count, ms) => libsLoaded.push([name, count, ms]));
    timings.libs_groups = Object.keys(groups).length;   // 2 with numpy 2.0: numpy.random, numpy.fft
  }
  // for the next boots in this browser, after this one (its copy and write are not on the way to Python ready)
  if (bundle && timings.packages_bundled && !bundle.cached) keepInflated(bundle);
  return py;
}

/**
 * In a second, short-lived worker (the client's, after the page's first boot): start Python as `boot` does, import
 * what the boot imports from the standard library, and keep a memory snapshot of it for the next boots
 * (runtime/snapshot.js). Resolves to {stored, bytes: its size, kept: the bytes stored, timings}; never loads numpy
 * (no binary extension may be in it).
 */
async function makeSnapshot() {
  const timings = {};
  let t = now();
  if (!canStore()) return { stored: false, bytes: 0, kept: 0, timings };
  const { loadPyodide } = await import(/* @vite-ignore */ indexURL + "pyodide.mjs");
  const py = await loadPyodide({ ...PYODIDE_OPTIONS, _makeSnapshot: true });
  timings.load_pyodide = now() - t;
  t = now();
  py.runPython(SNAPSHOT_PREIMPORT);
  timings.preimport = now() - t;
  t = now();
  const bytes = py.makeMemorySnapshot();
  timings.snapshot = now() - t;
  t = now();
  const kept = await storeSnapshot(SNAPSHOT_KEY, bytes, String(py._api?.config?.BUILD_ID || ""));
  timings.store = now() - t;   // packed and written
  return { stored: kept > 0, bytes: bytes.length, kept, timings };
}

/**
 * Once Python is ready and no run has been asked for `IDLE_IMPORT_DELAY_MS`, run `IDLE_IMPORT` (numpy.random's 9
 * libraries through the import hook, then the modules: ~100 ms in Chromium), so a reader's first Run does not pay for it. A
 * run already asked (the playground's link, a Run clicked during the boot) needs the worker at once: then nothing
 * is done here (that run imports what it needs) and the worker tries again once the runs are done. The next run's
 * timings report it once (`idle_import_ms`).
 */
function importWhenIdle() {
  setTimeout(() => {
    if (runsAsked > 0 || !pyodide || idleImport) return;
    const t = now();
    try {
      pyodide.runPython(IDLE_IMPORT);
      idleImport = { ms: now() - t, reported: false };
    } catch (err) {
      console.warn("mm: the idle import failed (the first run imports it):", err);
      idleImport = { ms: -1, reported: false };
    }
  }, IDLE_IMPORT_DELAY_MS);
}

/**
 * Run one cell; the scene bytes are copied once out of the wasm heap and transferred.
 * @param {{id: number, cellId: string, code: string}} msg
 */
async function run(msg) {
  await booting;
  const timings = {};
  const t0 = now();
  const started = epoch();
  currentRun = msg.id;
  const runCell = pyodide.globals.get("_mm_run_cell");
  const echo = (text) => postMessage({ type: "stdout", id: msg.id, text });
  const libsBefore = loadedSiteLibs(pyodide);
  const hookedBefore = libsLoaded.length;
  let out;
  try {
    out = runCell(msg.code, msg.cellId, echo);
  } finally {
    runCell.destroy();
    currentRun = null;
  }
  timings.run = now() - t0;
  libTimings(timings, libsBefore, libsLoaded.slice(hookedBefore));
  if (idleImport && !idleImport.reported) {
    timings.idle_import_ms = idleImport.ms;   // numpy.random was imported while the worker was idle
    idleImport.reported = true;
  }
  try {
    const ok = out.get("ok");
    if (!ok) {
      const error = {
        type: out.get("type"),
        message: out.get("message"),
        traceback: out.get("traceback"),
        line: out.get("line") ?? null,
      };
      postMessage({ type: "error", id: msg.id, error, stdout: out.get("stdout") });
      return;
    }
    const t1 = now();
    let scene = null;
    const view = out.get("scene");
    if (view) {
      const buf = view.getBuffer("u8");
      try {
        scene = buf.data.slice().buffer; // the one copy out of the wasm heap
      } finally {
        buf.release();
        view.destroy();
      }
    }
    timings.extract = now() - t1;
    timings.marks = runMarks(started, timings, out.get("phases"));
    const result = { type: "result", id: msg.id, scene, stdout: out.get("stdout"), timings };
    postMessage(result, scene ? [scene] : []);
  } finally {
    out.destroy();
  }
}

/**
 * What the run loaded of site-packages' shared libraries: `libs_hooked` (by the import hook, together: packages.js
 * `loadLibs`), `libs_ms` (its time), `libs_dlopened` (by the interpreter's dlopen, one symbol resolution each).
 */
function libTimings(timings, before, hooked) {
  const added = [...loadedSiteLibs(pyodide)].filter((p) => !before.has(p)).length;
  timings.libs_hooked = hooked.reduce((n, [, count]) => n + count, 0);
  timings.libs_ms = hooked.reduce((ms, [, , t]) => ms + t, 0);
  timings.libs_dlopened = added - timings.libs_hooked;
}

/** Epoch ms (this worker's clock and the page's differ only by their time origins). */
const epoch = () => performance.timeOrigin + performance.now();

/**
 * The run's phases as marks for the page, `mm:<name>:<cell>` in epoch ms (cell.js): the Python run split by the
 * helper's phase durations laid end to end (the cell's own code, layout, values, link, encode: the values are
 * computed inside the encoding, so these are durations, not moments), then the copy out of the wasm heap and
 * the post. Example: {"python-start": 1.7e12, "python-eval": 1.7e12 + 40, ..., "scene-posted": 1.7e12 + 900}
 */
function runMarks(started, timings, phases) {
  const p = phases ? phases.toJs({ dict_converter: Object.fromEntries }) : {};
  phases?.destroy?.();
  const steps = ["layout", "values", "link", "encode"];
  const inPhases = steps.reduce((sum, k) => sum + (p[k] || 0), 0);
  const marks = { "python-start": started };
  let t = started + Math.max(0, timings.run - inPhases);
  marks["python-eval"] = t;
  for (const k of steps.slice(0, -1)) marks[`python-${k}`] = (t += p[k] || 0);
  marks["python-encode"] = started + timings.run;
  marks["scene-extracted"] = marks["python-encode"] + timings.extract;
  marks["scene-posted"] = epoch();
  return marks;
}

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (msg.type === "init") {
    if (!booting) booting = boot(msg.sent ? epoch() - msg.sent : null);
    try {
      const timings = await booting;
      postMessage({ type: "ready", timings });
      importWhenIdle();
    } catch (err) {
      postMessage({ type: "boot-error", error: describe(err) });
    }
  } else if (msg.type === "make-snapshot") {
    try {
      postMessage({ type: "snapshot", ...(await makeSnapshot()) });
    } catch (err) {
      postMessage({ type: "snapshot", stored: false, bytes: 0, kept: 0, error: describe(err).message });
    }
  } else if (msg.type === "run") {
    if (!booting) booting = boot();
    runsAsked += 1;
    try {
      await run(msg);
    } catch (err) {
      postMessage({ type: "error", id: msg.id, error: describe(err) });
    } finally {
      runsAsked -= 1;
      // a run asked during the boot (the playground's link) found the worker busy: the idle import comes after it
      if (!idleImport) importWhenIdle();
    }
  }
};

/**
 * A JS-side failure (boot, conversion, a crash of the interpreter) as a contract error object;
 * `fatal: true` when Pyodide cannot run anything more (the client then starts a fresh worker).
 */
function describe(err) {
  const text = String((err && err.message) || err);
  const fatal = /fatal error/i.test(text) || Boolean(pyodide && pyodide._api && pyodide._api.fatal_error_occurred);
  return { type: (err && err.name) || "Error", message: text, traceback: text, line: null, fatal };
}
