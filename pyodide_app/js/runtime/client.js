// The main-thread client of the Python worker: one module worker per tab, shared by every cell and kept
// across instant navigation (it lives at module scope of the page bundle, which Material does not reload).
//
// Example:
//   import { getRuntime } from "./runtime/client.js";
//   const rt = getRuntime();
//   const off = rt.onProgress((p) => console.log(p.detail));
//   const { scene, stdout } = await rt.run("demo-1", "A = mmcore.matrix('A', 4, 4)\nA @ A");
//   rt.stop();   // terminates the worker; the next run boots a fresh one
//   rt.allowSnapshot();   // the reader's page (app.js): after the first boot, keep a snapshot for the next ones

/** ms the page stays idle (Python ready, no run in flight) before the snapshot maker starts (`allowSnapshot`). */
export const SNAPSHOT_IDLE_MS = 1000;
/**
 * localStorage key: when a maker last failed to store its snapshot (epoch ms). A browser whose Cache Storage
 * refuses it (a private window, a full quota) would otherwise start a second Python on every page load for nothing;
 * the maker waits `SNAPSHOT_RETRY_MS` before it tries again.
 */
export const SNAPSHOT_FAILED_KEY = "mm:snapshot-failed";
export const SNAPSHOT_RETRY_MS = 7 * 24 * 3600 * 1000;

/** An exception raised by the cell's Python code (or a worker failure): `error` is the contract object. */
export class CellError extends Error {
  /** @param {{type: string, message: string, traceback: string, line: number | null}} error @param {string} [stdout] */
  constructor(error, stdout = "") {
    super(error.message);
    this.name = "CellError";
    this.error = error;
    this.stdout = stdout;
  }
}

/** The run was ended by Stop (the worker was terminated). */
export class StoppedError extends Error {
  constructor() {
    super("stopped");
    this.name = "StoppedError";
  }
}

/**
 * @typedef {{stage: string, detail: string}} Progress
 * @typedef {{scene: ArrayBuffer | null, stdout: string, timings: Record<string, number>}} RunResult
 */

export class PythonRuntime {
  /** @param {URL | string} workerURL */
  constructor(workerURL) {
    this.workerURL = workerURL;
    /** @type {Worker | null} */
    this.worker = null;
    /** @type {Promise<Record<string, number>> | null} */
    this.ready = null;
    this.isReady = false;
    /** @type {Progress | null} */
    this.lastProgress = null;
    /** @type {Set<(p: Progress) => void>} */
    this.progressListeners = new Set();
    /** @type {Map<number, {resolve: Function, reject: Function, onStdout?: (t: string) => void}>} */
    this.pending = new Map();
    this.nextId = 1;
    /** Worker generation, so messages from a terminated worker are ignored. */
    this.generation = 0;
    this.bootCount = 0;
    /** @type {{resolve: Function, reject: Function} | null} */
    this.bootWaiters = null;
    /** @type {Record<string, number> | null} ms of each boot step, from the worker */
    this.bootTimings = null;
    /**
     * The memory snapshot of this browser (runtime/snapshot.js): "off" (not allowed: `allowSnapshot`), "allowed",
     * "waiting" (for an idle page), "making", then "stored", "not-stored" or "failed"; "restored" when the boot
     * restored one (nothing to make). `snapshotResult`: the maker's answer.
     */
    this.snapshotState = "off";
    this.snapshotResult = null;
    this.snapshotTimer = 0;
    /** @type {Worker | null} the snapshot maker while it works */
    this.snapshotMaker = null;
    /** how many makers a run ended (`deferSnapshot`) */
    this.snapshotDeferred = 0;
  }

  /**
   * Allow a snapshot maker on this page (app.js: only in the reader's configuration, never with Save-Data). When
   * a boot did not restore a snapshot and this browser can keep one, a second, short-lived worker makes it once
   * the page is idle: `SNAPSHOT_IDLE_MS` after Python is ready with no run in flight, then an idle moment of the
   * main thread; mark `mm:snapshot-stored` (or `mm:snapshot-not-stored`) when it is done.
   */
  allowSnapshot() {
    if (this.snapshotState === "off") this.snapshotState = "allowed";
    this.maybeSnapshot();
  }

  /** Start waiting for the idle moment that starts the maker, if one is wanted now. */
  maybeSnapshot() {
    const t = this.bootTimings;
    if (!["allowed", "waiting"].includes(this.snapshotState) || !this.isReady || !t) return;
    if (t.snapshot_restored === 1) { this.snapshotState = "restored"; return; }
    if (t.snapshot_storage !== 1 || failedLately()) { this.snapshotState = "not-stored"; return; }
    if (this.pending.size) return;   // a run in flight: its end calls this again
    this.snapshotState = "waiting";
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => {
      const start = () => {
        if (this.snapshotState !== "waiting") return;
        if (this.pending.size) return;   // asked to run meanwhile: its end calls maybeSnapshot again
        this.makeSnapshot();
      };
      if ("requestIdleCallback" in window) requestIdleCallback(start, { timeout: 2000 });
      else start();
    }, SNAPSHOT_IDLE_MS);
  }

  /** The maker: a second worker of the same bundle that starts Python, snapshots it, stores it and is ended. */
  makeSnapshot() {
    this.snapshotState = "making";
    performance.mark("mm:snapshot-start");
    const maker = new Worker(this.workerURL, { type: "module", name: "mm-snapshot" });
    this.snapshotMaker = maker;
    const end = (state, result) => {
      maker.terminate();
      if (this.snapshotState !== "making" || this.snapshotMaker !== maker) return;
      this.snapshotMaker = null;
      this.snapshotState = state;
      this.snapshotResult = result;
      if (state !== "stored") rememberFailure();
      performance.mark(state === "stored" ? "mm:snapshot-stored" : "mm:snapshot-not-stored", { detail: result });
    };
    maker.onmessage = (ev) => {
      const msg = ev.data;
      if (msg.type === "snapshot") end(msg.stored ? "stored" : "not-stored", msg);
      else if (msg.type === "crash") end("failed", { error: msg.reason });
    };
    maker.onerror = (ev) => {
      ev.preventDefault?.();
      end("failed", { error: ev.message || "the snapshot worker failed" });
    };
    maker.postMessage({ type: "make-snapshot" });
  }

  /**
   * A run is asked while the maker works: end the maker (a run must not share a 2-core machine with a second
   * Python starting; a small run measured beside it was within the spread of runs without it) and wait for the
   * next idle moment after the run.
   */
  deferSnapshot() {
    clearTimeout(this.snapshotTimer);
    if (this.snapshotState === "making" && this.snapshotMaker) {
      this.snapshotMaker.terminate();   // a Cache Storage write in flight is dropped whole
      this.snapshotMaker = null;
      this.snapshotState = "allowed";
      this.snapshotDeferred += 1;
      performance.mark("mm:snapshot-deferred");
    }
  }

  /**
   * Boot in the background: when the browser is idle (the reader started editing), or at once
   * (`now`: the pointer is on a Run button).
   */
  prewarm(now = false) {
    if (this.ready) return;
    const start = () => { if (!this.ready) this.boot(); };
    if (now) start();
    else if ("requestIdleCallback" in window) requestIdleCallback(start, { timeout: 2000 });
    else setTimeout(start, 200);
  }

  /** Subscribe to boot progress; returns the unsubscribe function. */
  onProgress(listener) {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /**
   * Start the worker's thread now and Python later (`boot`). A worker created while the main thread is busy only
   * starts when that task ends (its start needs the main thread): created at the first figure's frame, whose task
   * then blocks ~150-300 ms on a 2-core machine with software WebGL, it started that much later. An idle worker
   * costs its thread and its 8 kB script, nothing more until `init`.
   */
  prestart() {
    if (!this.worker) this.spawn();
  }

  /**
   * A fresh worker with this runtime's handlers; Python starts on `boot`. The first one may be adopted: the
   * playground's early script (early.js) creates it while the page is still parsed
   * (`window.mmEarlyWorker`, for the same URL, not failed to load).
   */
  spawn() {
    const generation = ++this.generation;
    const early = /** @type {any} */ (window).mmEarlyWorker;
    /** @type {any} */ (window).mmEarlyWorker = undefined;
    const adopt = early && !early.failed && early.url === new URL(this.workerURL, location.href).href;
    if (early && !adopt) early.worker.terminate?.();   // it failed to load, or serves another URL: end it
    if (!adopt) performance.mark("mm:worker-start");
    const worker = adopt ? early.worker : new Worker(this.workerURL, { type: "module", name: "mm-python" });
    this.worker = worker;
    worker.onmessage = (ev) => {
      if (generation === this.generation) this.handle(ev.data);
    };
    worker.onerror = (ev) => {
      if (generation !== this.generation) return;
      ev.preventDefault?.();
      if (this.isReady) { this.crashed(ev.message || "the Python worker failed"); return; }
      const error = { type: "WorkerError", message: ev.message || "the Python worker failed to start",
                      traceback: ev.message || "", line: null };
      this.failAll(new CellError(error));
    };
  }

  /** Start the worker (unless `prestart` did) and Python if needed; resolves with the boot timings. */
  boot() {
    if (this.ready) return this.ready;
    if (!this.worker) this.spawn();
    this.bootCount += 1;
    this.isReady = false;
    performance.mark("mm:boot-start");
    this.ready = new Promise((resolve, reject) => {
      this.bootWaiters = { resolve, reject };
    });
    this.ready.catch(() => {}); // a failed or stopped boot is reported to each run, not as unhandled
    this.emitProgress({ stage: "start", detail: "Starting the Python worker" });
    this.worker.postMessage({ type: "init", sent: performance.timeOrigin + performance.now() });
    return this.ready;
  }

  /**
   * Run one cell's code; boots first if needed.
   * @param {string} cellId @param {string} code
   * @param {{onStdout?: (text: string) => void}} [opts]
   * @returns {Promise<RunResult>}
   */
  run(cellId, code, opts = {}) {
    this.deferSnapshot();
    this.boot();
    const id = this.nextId++;
    const done = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onStdout: opts.onStdout });
    });
    this.worker.postMessage({ type: "run", id, cellId, code });
    return done;
  }

  /** Terminate the worker (ends a runaway cell). Pending runs reject with StoppedError. */
  stop() {
    if (!this.worker) return;
    this.worker.terminate();
    this.worker = null;
    this.generation += 1;
    const waiters = this.bootWaiters;
    this.ready = null;
    this.isReady = false;
    this.lastProgress = null;
    if (waiters) waiters.reject(new StoppedError());
    for (const p of this.pending.values()) p.reject(new StoppedError());
    this.pending.clear();
  }

  /** @param {any} msg */
  handle(msg) {
    switch (msg.type) {
      case "progress":
        this.emitProgress({ stage: msg.stage, detail: msg.detail });
        break;
      case "ready":
        this.isReady = true;
        this.bootTimings = msg.timings;
        performance.mark("mm:python-ready");
        this.emitProgress({ stage: "ready", detail: "Python ready" });
        this.bootWaiters.resolve(msg.timings);
        this.maybeSnapshot();
        break;
      case "boot-error":
        this.failAll(new CellError(msg.error));
        break;
      case "crash":
        this.crashed(msg.reason);
        break;
      case "stdout": {
        const p = this.pending.get(msg.id);
        if (p && p.onStdout) p.onStdout(msg.text);
        break;
      }
      case "result": {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (p) p.resolve({ scene: msg.scene, stdout: msg.stdout || "", timings: msg.timings || {} });
        this.maybeSnapshot();
        break;
      }
      case "error": {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error && msg.error.fatal) {
          // the interpreter is broken: say so, drop this worker and start a fresh one
          if (p) p.reject(new CellError(crashError(msg.error.message, msg.error.traceback), msg.stdout || ""));
          this.crashed(msg.error.message);
          break;
        }
        if (p) p.reject(new CellError(msg.error, msg.stdout || ""));
        this.maybeSnapshot();
        break;
      }
      default:
        break;
    }
  }

  /** A boot failure: every waiter gets the error; the next run starts a fresh worker. */
  failAll(err) {
    const waiters = this.bootWaiters;
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.generation += 1;
    this.ready = null;
    this.isReady = false;
    if (waiters) waiters.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * The worker crashed (closed itself, a fatal interpreter error, an error outside a run): every run in
   * flight gets a `WorkerCrash` error that says so, and a fresh worker boots in the background.
   */
  crashed(reason) {
    this.crashCount = (this.crashCount || 0) + 1;
    this.failAll(new CellError(crashError(reason)));
    this.boot();
  }

  emitProgress(p) {
    this.lastProgress = p;
    for (const listener of this.progressListeners) listener(p);
  }
}

/** Whether a snapshot maker failed to store in this browser less than `SNAPSHOT_RETRY_MS` ago. */
function failedLately() {
  try {
    const when = Number(localStorage.getItem(SNAPSHOT_FAILED_KEY));
    return when > 0 && Date.now() - when < SNAPSHOT_RETRY_MS;
  } catch {
    return false;   // no localStorage: the worker's own check (Cache Storage) still applies
  }
}

function rememberFailure() {
  try { localStorage.setItem(SNAPSHOT_FAILED_KEY, String(Date.now())); } catch { /* storage blocked */ }
}

/** The error a run gets when the worker crashed under it. */
function crashError(reason, traceback = "") {
  const why = String(reason || "the worker stopped").replace(/\s+/g, " ").slice(0, 300);
  const message = `Python crashed (${why}); a fresh Python is starting: press Run again`;
  return { type: "WorkerCrash", message, traceback: traceback || message, line: null };
}

/** @type {PythonRuntime | null} */
let shared = null;

/**
 * The tab's single runtime. `workerURL`: the worker bundle, beside the page bundle; the entry (app.js) passes
 * it, because this module may sit in a shared chunk (assets/mm/chunks/), where import.meta.url is the chunk's.
 * @param {URL | string} [workerURL]
 */
export function getRuntime(workerURL) {
  if (!shared) shared = new PythonRuntime(workerURL || new URL("./worker.js", import.meta.url));
  return shared;
}
