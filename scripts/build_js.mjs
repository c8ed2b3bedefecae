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
//   pyodide_app/static/mm/preload.json  what a page fetches before it runs (the MkDocs hook writes them as
//                                     <link rel="modulepreload"> into the page's <head>: pyodide_app/_preload.py):
//                                     {"page": app.js and its static imports, "cells": the cell chunk and its static
//                                     imports (three.js), never the editor's}
//   pyodide_app/static/mm/mm.css      cell styles
//   pyodide_app/static/mm/early.js    a classic script before Material's bundle on cell pages: holds its search
//                                     index back while Python boots, creates the playground link's worker (js/early.js)
//   pyodide_app/static/mm/widget.js   the Jupyter widget's ES module (anywidget `_esm`, mmcore/widget.py)
//   pyodide_app/static/mm/widget-static.js  the same renderer as a classic script (global `mmAtlasWidget`)
//                                     that the widget's static HTML fallback inlines (nbconvert, no kernel)
// Source maps only with --dev: the published site ships none. Paths are found relative to this file, never absolute.

import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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
  const [page] = await Promise.all([
    // the page bundle: ESM code splitting; every dynamic import() becomes a chunk loaded on demand
    build({ ...common, entryPoints: [join(app, "js", "app.js")], outdir, splitting: true, metafile: true,
            entryNames: "[name]", chunkNames: "chunks/[name]-[hash]" }),
    build({ ...common, entryPoints: [join(app, "js", "runtime", "worker.js")], outfile: join(outdir, "worker.js") }),
    build({ ...common, entryPoints: [join(app, "css", "mm.css")], outfile: join(outdir, "mm.css") }),
    build({ ...common, entryPoints: [join(app, "js", "widget", "index.js")], outfile: join(outdir, "widget.js") }),
    // a classic script that runs before Material's bundle on a page with cells (pyodide_app/_early_script.py)
    build({ ...common, format: "iife", entryPoints: [join(app, "js", "early.js")], outfile: join(outdir, "early.js") }),
    build({ ...common, format: "iife", globalName: "mmAtlasWidget", entryPoints: [join(app, "js", "widget", "index.js")],
            outfile: join(outdir, "widget-static.js") }),
  ]);
  writeFileSync(join(outdir, "preload.json"), JSON.stringify(preloadManifest(page.metafile), null, 1) + "\n");
  console.log(`build_js: bundled app.js (+ chunks/), worker.js, mm.css, widget.js, widget-static.js, early.js into pyodide_app/static/mm/ in ${(performance.now() - t0).toFixed(0)} ms`);
}

/**
 * The page bundle's files a page needs before it can draw its first figure, from esbuild's metafile (paths relative
 * to the output folder): {page: ["app.js", its static imports], cells: [the cell chunk, its static imports]}.
 * Example: {"page": ["app.js", "chunks/chunk-U3SOYPRG.js"], "cells": ["chunks/cell-QI3HSP7P.js", ...]}
 */
function preloadManifest(metafile) {
  const outputs = metafile.outputs;
  const name = (path) => relative(outdir, resolve(path))   // metafile paths are relative to the working folder
    .split("\\").join("/");
  const entryOf = (suffix) => {
    const found = Object.keys(outputs).filter((path) => (outputs[path].entryPoint || "").endsWith(suffix));
    if (found.length !== 1) throw new Error(`build_js: expected one output for ${suffix}, found ${found.length}`);
    return found[0];
  };
  const withStaticImports = (path, seen = new Set()) => {
    if (seen.has(path)) return [];
    seen.add(path);
    const statics = outputs[path].imports.filter((i) => i.kind === "import-statement" && !i.external);
    return [path, ...statics.flatMap((i) => withStaticImports(i.path, seen))];
  };
  const page = withStaticImports(entryOf("js/app.js"));
  const cells = withStaticImports(entryOf("js/cell/cell.js")).filter((path) => !page.includes(path));
  return { page: page.map(name), cells: cells.map(name) };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
