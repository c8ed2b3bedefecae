// A classic script that the plugin puts just before Material's bundle on a page with cells (pyodide_app/_search_hold.py):
// it holds Material's search worker back (search-hold.js) and leaves the release to app.js.
//
// Example (app.js):   window.mmSearchHold?.release();

import { holdSearchIndex } from "./search-hold.js";

if (document.querySelector("[data-mm-cell]")) window.mmSearchHold = { release: holdSearchIndex() };
