// Hold back Material's search index while Python boots.
//
// Material's search starts a worker when the page starts and builds its lunr index there from
// search/search_index.json: ~350-400 ms of CPU for this book (a trace of a cold visit on the project's 2-core
// machine: 382 ms inside the Python boot's 1.5 s). On two cores that CPU is taken from the boot. Material makes
// its worker while its bundle runs (a classic script at the end of the body), before any module script, so the
// plugin puts the page's early script (`early.js`, small and classic) just before that bundle on pages with cells; it calls
// `holdSearchIndex()`, and Material's search worker is then a stand-in that keeps Material's messages and starts
// the real worker when it is released:
//   - by app.js: at once when the page does not boot Python in the background, else one second after Python is
//     ready; after `HOLD_MAX_MS` at the latest (app.js did not load, a boot that never ends);
//   - as soon as the reader shows an interest in search: the pointer over the search field or its button, a
//     focus inside it (the `/`, `s`, `f` shortcuts focus it), or a second message from Material (a query).
// The index is then built as before; the field says "Initializing search" meanwhile, as on any slow page.
// The release marks `mm:search-index`; its `detail` says why: "python-ready", "no-background-boot", "boot-waits"
// (a slower connection: the boot waits for the load), "boot-failed", "reader", "query" or "timeout". Only the
// first release counts.
//
// Example:
//   const release = holdSearchIndex();   // before Material's bundle runs
//   runtime.boot().then(() => setTimeout(() => release("python-ready"), 1000));

/** ms after which a held search worker starts anyway (a boot that never ends must not keep search away). */
export const HOLD_MAX_MS = 15000;

/** Material's search worker: site/assets/javascripts/workers/search.<hash>.min.js */
const SEARCH_WORKER = /\/workers\/search\.[^/?#]*\.js(?:[?#]|$)/;

/** A search worker that has not started yet: Material's listeners and messages wait here. */
class HeldWorker extends EventTarget {
  /**
   * @param {typeof Worker} Real @param {[string | URL, WorkerOptions | undefined]} args
   * @param {(reason: string) => void} wanted
   */
  constructor(Real, args, wanted) {
    super();
    this.real = null;
    this.ended = false;
    this.Real = Real;
    this.args = args;
    this.wanted = wanted;
    /** @type {[any, Transferable[] | undefined][]} */
    this.queue = [];
    this.onmessage = null;
    this.onerror = null;
  }

  postMessage(data, transfer) {
    if (this.real) return this.real.postMessage(data, transfer);
    this.queue.push([data, transfer]);
    if (this.queue.length > 1) this.wanted("query");   // the first is the index; another is the reader's query
  }

  terminate() {
    this.ended = true;
    this.real?.terminate();
  }

  /** Start the real worker, forward its events and hand it what Material posted meanwhile. */
  start() {
    if (this.real || this.ended) return;
    const real = new this.Real(...this.args);
    this.real = real;
    for (const type of ["message", "messageerror", "error"]) {
      real.addEventListener(type, (ev) => {
        const copy = type === "error"
          ? new ErrorEvent("error", { message: /** @type {ErrorEvent} */ (ev).message })
          : new MessageEvent(type, { data: /** @type {MessageEvent} */ (ev).data });
        const handler = type === "message" ? this.onmessage : type === "error" ? this.onerror : null;
        if (typeof handler === "function") handler.call(this, copy);
        this.dispatchEvent(copy);
      });
    }
    for (const [data, transfer] of this.queue.splice(0)) real.postMessage(data, transfer);
  }
}

let held = null;

/**
 * Hold Material's search worker until the returned function is called (or the reader turns to search, or
 * `HOLD_MAX_MS` has passed). Call it before Material's bundle runs: a worker it made already is not held.
 * Calling it again returns the same release function.
 * @returns {(reason?: string) => void} release: start the search worker now (`reason`: the mark's detail)
 */
export function holdSearchIndex() {
  if (held) return held.release;
  const Real = window.Worker;
  /** @type {HeldWorker[]} */
  const waiting = [];
  let released = false;
  const release = (reason = "released") => {
    if (released) return;
    released = true;
    performance.mark("mm:search-index", { detail: reason });
    if (window.Worker === Stand) window.Worker = Real;
    document.removeEventListener("focusin", onIntent, true);
    document.removeEventListener("pointerover", onIntent, true);
    clearTimeout(timer);
    for (const w of waiting.splice(0)) w.start();
  };
  /** @param {Event} ev */
  function onIntent(ev) {
    const el = /** @type {Element | null} */ (ev.target instanceof Element ? ev.target : null);
    if (el?.closest(".md-search, label[for='__search']")) release("reader");
  }
  /** The global `Worker` while held: Material's search worker is held, any other worker starts as usual. */
  function Stand(url, options) {
    if (released || !SEARCH_WORKER.test(String(url))) return new Real(url, options);
    const w = new HeldWorker(Real, [url, options], release);
    waiting.push(w);
    window.Worker = Real;   // Material makes one search worker; everything after it gets the real constructor
    return w;
  }
  Stand.prototype = Real.prototype;
  window.Worker = /** @type {any} */ (Stand);
  document.addEventListener("focusin", onIntent, true);
  document.addEventListener("pointerover", onIntent, true);
  const timer = setTimeout(() => release("timeout"), HOLD_MAX_MS);
  held = { release };
  return release;
}
