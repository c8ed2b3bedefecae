// Bundle the browser runtime with esbuild.
//
//   node scripts/build_js.mjs            (or: npm run build)
//   node scripts/build_js.mjs --dev      (not minified, for debugging)
//
// Output (git-ignored), copied by the MkDocs hook into site/assets/mm/:
//   pyodide_app/static/mm/app.js      page bundle (ES module; mounts every [data-mm-cell]); small: it loads
//                                     the rest on demand from the chunks below (esbuild code splitting)
//   pyodide_app/static/mm/chunks/*.js the cell and renderer (three.js: only on a page with cells) and the
//                                     editor (CodeMirror: only when the reader starts editing), content-hashed
//                                     names; imported relative to app.js, so they work under any sub-path
//   pyodide_app/static/mm/worker.js   module worker bundle (hosts Pyodide)
//   pyodide_app/static/mm/mm.css      cell styles
//   pyodide_app/static/mm/widget.js   the Jupyter widget's ES module (anywidget `_esm`, mmcore/widget.py)
//   pyodide_app/static/mm/widget-static.js  the same renderer as a classic script (global `mmAtlasWidget`)
//                                     that the widget's static HTML fallback inlines (nbconvert, no kernel)
// Source maps only with --dev: the published site ships none. Paths are found relative to this file, never absolute.

import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const app = join(root, "pyodide_app");
const outdir = join(app, "static", "mm");
const dev = process.argv.includes("--dev");

const common = {
  bundle: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  minify: !dev,
  sourcemap: dev,
  legalComments: "linked",
  logLevel: "warning",
};

async function main() {
  mkdirSync(outdir, { recursive: true });
  const t0 = performance.now();
  for (const f of readdirSync(outdir)) {   // maps of an earlier --dev build, legal notes of an earlier layout
    if (f.endsWith(".map") || f.endsWith(".LEGAL.txt")) rmSync(join(outdir, f));
  }
  const chunks = join(outdir, "chunks");
  if (existsSync(chunks)) rmSync(chunks, { recursive: true });   // chunks of an earlier build (hashed names)
  await Promise.all([
    // the page bundle: ESM code splitting; every dynamic import() becomes a chunk loaded on demand
    build({ ...common, entryPoints: [join(app, "js", "app.js")], outdir, splitting: true,
            entryNames: "[name]", chunkNames: "chunks/[name]-[hash]" }),
    build({ ...common, entryPoints: [join(app, "js", "runtime", "worker.js")], outfile: join(outdir, "worker.js") }),
    build({ ...common, entryPoints: [join(app, "css", "mm.css")], outfile: join(outdir, "mm.css") }),
    build({ ...common, entryPoints: [join(app, "js", "widget", "index.js")], outfile: join(outdir, "widget.js") }),
    build({ ...common, format: "iife", globalName: "mmAtlasWidget", entryPoints: [join(app, "js", "widget", "index.js")],
            outfile: join(outdir, "widget-static.js") }),
  ]);
  console.log(`build_js: bundled app.js (+ chunks/), worker.js, mm.css, widget.js, widget-static.js into pyodide_app/static/mm/ in ${(performance.now() - t0).toFixed(0)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
