// The page's early script: a classic script that the plugin puts just before Material's bundle on a page with cells
// (pyodide_app/_early_script.py).
// - It holds Material's search worker back (search-hold.js) and leaves the release to app.js.
// - On the playground opening a `?mm=` link, whose Python boots as soon as app.js runs, it also creates the
//   Python worker now (idle until app.js sends `init`; runtime/client.js `spawn` adopts it): the worker's thread
//   then starts while the page is still parsed instead of after app.js, which a busy main thread delays.
//
// Example (app.js):   window.mmSearchHold?.release();

import { opensMmLink } from "./link-page.js";
import { holdSearchIndex } from "./search-hold.js";

const cells = [...document.querySelectorAll("[data-mm-cell]")];
if (cells.length) window.mmSearchHold = { release: holdSearchIndex() };

const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
if (script && opensMmLink(cells)) {
  try {
    const url = new URL("worker.js", script.src);   // beside this script, in assets/mm/
    performance.mark("mm:worker-start");
    const worker = new Worker(url, { type: "module", name: "mm-python" });
    const early = { worker, url: url.href, failed: false };
    worker.addEventListener("error", () => { early.failed = true; }, { once: true });
    window.mmEarlyWorker = early;
  } catch { /* app.js creates the worker as usual */ }
}
