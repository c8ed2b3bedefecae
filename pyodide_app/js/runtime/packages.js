// numpy and mmcore for the worker without Pyodide's Python-side unzip: the site ships their wheels' files in one
// gzip stream (pyodide_app/_assets.py `pack_packages`, named by `mm-packages.json` beside Pyodide). The worker
// downloads it and inflates it with the browser's native DecompressionStream on a helper thread while the
// interpreter starts (on the worker's own thread the inflating slowed that start), writes the files into
// site-packages and loads the shared libraries that `import numpy` needs with Pyodide's own loader (the
// interpreter loads the others on first import). Pyodide's loadPackage unzips in Python instead (~0.3 s of the boot on the project's machine). Anything missing or unexpected (no
// manifest, as with the plugin's `pyodide` URL option; a 404; a format this code does not know) gives null,
// and the worker uses loadPackage.
//
// The inflated bundle is kept in the browser's Cache Storage (`keepInflated`, after the boot), so later boots
// read it back (~14 MB) instead of inflating the download again (on a warm visit the inflating had become the
// step the restored interpreter waited for).
//
// Example (in the worker):
//   const download = fetchPackages(indexURL);          // at once: no interpreter needed
//   const py = await loadPyodide({ indexURL });
//   const bundle = await download;
//   if (bundle && canInstall(py)) await installPackages(py, bundle.packages); else await py.loadPackage("mmcore");
//   if (bundle && !bundle.cached) keepInflated(bundle);   // for the next boots

/**
 * @typedef {{name: string, wheel: string, files: {path: string, data: Uint8Array}[], preload: string[] | null}} Package
 * `preload`: the extension modules to load at install (the others load on first import); null: every one
 */

/** Cache Storage name of the inflated bundle (`keepInflated`; `fetchBundle` spells it out: it runs as text). */
export const INFLATED_CACHE = "mm-packages-inflated";

/**
 * @typedef {{packages: Package[], raw: Uint8Array, key: string, cached: boolean}} Bundle
 * `raw`: the inflated bundle (the packages' files are views of it); `key`: its Cache Storage URL (the content-hashed
 * bundle's URL without `.gz`); `cached`: read back from Cache Storage rather than downloaded and inflated
 */

/**
 * The site's packages, downloaded and inflated (or read back inflated from Cache Storage); resolves to the
 * `Bundle`, or null (never rejects): call it as soon as the worker starts. The download and the inflating (one
 * native DecompressionStream, ~100 ms for 13.7 MB) run on a helper thread of their own (a worker from a Blob URL:
 * no file of its own) when the browser lets this worker start one, so they overlap the interpreter's start instead
 * of following it (inflating on this worker's thread slowed that start by more than it saved); else here.
 * @param {string} indexURL @returns {Promise<Bundle | null>}
 */
export async function fetchPackages(indexURL) {
  const download = async () => await fetchAside(indexURL) ?? await fetchBundle(indexURL);
  const split = (got) => {
    const raw = new Uint8Array(got.raw);
    return { packages: readBundle(raw), raw, key: got.key, cached: got.cached };
  };
  try {
    const got = await download();
    if (got && got.cached) {
      try {
        return split(got);
      } catch {
        await forgetInflated();   // a kept bundle this code cannot read: forget it, download the bundle again
        const again = await download();
        return again && split(again);
      }
    }
    return got && split(got);
  } catch (err) {
    console.warn("mm: numpy and mmcore through loadPackage:", err);
    return null;
  }
}

/** Delete the kept inflated bundle (`keepInflated`); never rejects. */
async function forgetInflated() {
  try { await caches.delete(INFLATED_CACHE); } catch { /* nothing kept */ }
}

/**
 * Download the bundle named by the manifest and inflate it, or read it back inflated from Cache Storage (kept there
 * by `keepInflated`); null when there is none. The manifest is revalidated (`no-cache`): it names a content-hashed
 * bundle, so a rebuilt site is never mixed with an older one. Runs on the helper thread too (its source is sent as
 * text): it may use only globals. Resolves to {raw: ArrayBuffer, key, cached}.
 * @param {string} indexURL @returns {Promise<{raw: ArrayBuffer, key: string, cached: boolean} | null>}
 */
async function fetchBundle(indexURL) {
  const res = await fetch(indexURL + "mm-packages.json", { cache: "no-cache" });
  if (!res.ok) return null;
  const { bundle } = await res.json();
  if (typeof bundle !== "string" || !/^mm-packages-[0-9a-f]+\.bin\.gz$/.test(bundle)) return null;
  const key = indexURL + bundle.slice(0, -".gz".length);
  try {
    const kept = typeof caches === "undefined" ? null : await (await caches.open("mm-packages-inflated")).match(key);
    if (kept && kept.ok) return { raw: await kept.arrayBuffer(), key, cached: true };
  } catch { /* no Cache Storage here (not a secure context), or it failed: download */ }
  const body = await fetch(indexURL + bundle);
  if (!body.ok) return null;
  const raw = await new Response(body.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  return { raw, key, cached: false };
}

/**
 * Keep the inflated bundle in Cache Storage for the next boots (`fetchBundle` reads it back), replacing any other
 * bundle kept there (an older build of the site). Call it after the boot: it copies the ~14 MB (the installed files
 * keep their views of `raw`). Resolves to whether it was stored; never rejects.
 * @param {Bundle} bundle
 */
export async function keepInflated(bundle) {
  if (typeof caches === "undefined") return false;
  try {
    const cache = await caches.open(INFLATED_CACHE);
    for (const req of await cache.keys()) {
      if (req.url !== bundle.key) await cache.delete(req);
    }
    await cache.put(bundle.key, new Response(bundle.raw, { headers: { "content-type": "application/octet-stream" } }));
    return true;
  } catch (err) {
    console.warn("mm: the inflated package bundle was not kept:", err);
    return false;
  }
}

/**
 * `fetchBundle` on a helper worker; undefined when no worker can be started from here (the caller then runs it
 * itself), rejects when the helper failed.
 * @param {string} indexURL @returns {Promise<{raw: ArrayBuffer, key: string, cached: boolean} | null | undefined>}
 */
function fetchAside(indexURL) {
  const source = `const fetchBundle = ${fetchBundle};
onmessage = async (e) => {
  try { const got = await fetchBundle(e.data); postMessage({ got }, got ? [got.raw] : []); }
  catch (err) { postMessage({ error: String((err && err.message) || err) }); }
};`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  let helper;
  try {
    helper = new Worker(url, { name: "mm-packages" });
  } catch {
    URL.revokeObjectURL(url);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const done = () => { helper.terminate(); URL.revokeObjectURL(url); };
    helper.onmessage = (ev) => {
      done();
      if (ev.data.error) reject(new Error(`the package bundle: ${ev.data.error}`));
      else resolve(ev.data.got);
    };
    helper.onerror = (ev) => { done(); reject(new Error(`the package bundle's worker failed: ${ev.message || "no reason"}`)); };
    helper.postMessage(indexURL);
  });
}

/**
 * Split an inflated bundle into its packages (views into `raw`, no copy).
 * @param {Uint8Array} raw @returns {Package[]}
 */
export function readBundle(raw) {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const headLen = view.getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(raw.subarray(4, 4 + headLen)));
  if (head.format !== 1 || !Array.isArray(head.packages)) throw new Error(`unknown package bundle format ${head.format}`);
  let at = 4 + headLen;
  const packages = head.packages.map(({ name, wheel, files, preload }) => ({
    name,
    wheel,
    preload: Array.isArray(preload) ? preload : null,
    files: files.map(([path, size]) => {
      if (typeof path !== "string" || path.startsWith("/") || path.split("/").includes("..")) {
        throw new Error(`unsafe path in the package bundle: ${path}`);
      }
      const data = raw.subarray(at, at + size);
      at += size;
      return { path, data };
    }),
  }));
  if (at !== raw.length) throw new Error(`package bundle: ${raw.length - at} bytes left over`);
  return packages;
}

/** Whether this Pyodide has the two internals `installPackages` needs (Pyodide 0.27: `_api`). */
export function canInstall(py) {
  return Boolean(py && py._api && typeof py._api.sitepackages === "string"
                 && typeof py._api.loadDynlibsFromPackage === "function");
}

/**
 * Python run after the files are written: the import system forgets its cached directory listings, so the new
 * packages are found. What `importlib.invalidate_caches()` does, without two costly steps that do nothing here:
 * re-reading the standard library zip's directory (its `zipimporter`: ~100 ms; the zip has not changed) and
 * importing `importlib.metadata` (and `email`, `csv`, ...) to clear a cache nothing has filled yet.
 */
export const FORGET_LISTINGS = `
def _mm_forget_listings():
    import sys, zipimport
    for finder in list(sys.path_importer_cache.values()):
        if finder is not None and not isinstance(finder, zipimport.zipimporter) and hasattr(finder, "invalidate_caches"):
            finder.invalidate_caches()
    namespace = getattr(sys.modules.get("_frozen_importlib_external"), "_NamespacePath", None)
    if namespace is not None and hasattr(namespace, "_epoch"):
        namespace._epoch += 1
    if "importlib.metadata" in sys.modules:
        sys.modules["importlib.metadata"].MetadataPathFinder.invalidate_caches()
_mm_forget_listings()
del _mm_forget_listings
`;

/**
 * Write the packages' files into site-packages and record each as loadPackage does (the dist-info's INSTALLER
 * file, `pyodide.loadedPackages`), then load the shared libraries the bundle names in `preload` (extension
 * modules that `import numpy, mmcore` needs) with Pyodide's own loader; the interpreter's dlopen loads the other
 * ones from site-packages when they are first imported (numpy.random, numpy.fft: 16 of numpy's 19).
 * `timings` receives the ms of each step (packages_write, packages_libs, packages_forget).
 * @param {any} py @param {Package[]} packages @param {Record<string, number>} [timings]
 */
export async function installPackages(py, packages, timings = {}) {
  const site = py._api.sitepackages;
  const FS = py.FS;
  const made = new Set();
  let t = performance.now();
  for (const pkg of packages) {
    let distInfo = null;
    for (const { path, data } of pkg.files) {
      const full = `${site}/${path}`;
      const dir = full.slice(0, full.lastIndexOf("/"));
      if (!made.has(dir)) { FS.mkdirTree(dir); made.add(dir); }
      FS.writeFile(full, data, { canOwn: true });   // the file keeps its view of the bundle: no 13.7 MB copy
      const top = path.split("/")[0];
      if (top.endsWith(".dist-info")) distInfo = top;
    }
    if (distInfo) FS.writeFile(`${site}/${distInfo}/INSTALLER`, "pyodide.loadPackage");
  }
  timings.packages_write = performance.now() - t;
  t = performance.now();
  for (const pkg of packages) {
    const libs = pkg.preload ?? sharedLibs(pkg);
    await py._api.loadDynlibsFromPackage({ file_name: pkg.wheel }, libs.map((p) => `${site}/${p}`));
    py.loadedPackages[pkg.name] = "default channel";
  }
  timings.packages_libs = performance.now() - t;
  t = performance.now();
  py.runPython(FORGET_LISTINGS);
  timings.packages_forget = performance.now() - t;
}

const SHARED_LIBRARY = /\.cpython-[^/]*\.so$/;

/** A package's shared libraries (extension modules), as paths in site-packages. @param {Package} pkg */
const sharedLibs = (pkg) => pkg.files.map((f) => f.path).filter((p) => SHARED_LIBRARY.test(p));

/**
 * The shared libraries left out of `preload`, grouped by the Python package that imports them, for `loadLibs`:
 * {"numpy.random": [9 paths], "numpy.fft": [1 path]} (full paths in site-packages). A folder that also holds a
 * preloaded library (numpy/_core, numpy/linalg: their other modules are tests or rarely used) is left out: its
 * package is imported by `import numpy`, so a group there would load on every boot.
 * @param {string} site @param {Package[]} packages @returns {Record<string, string[]>}
 */
export function lazyLibGroups(site, packages) {
  const groups = {};
  const skip = new Set();
  for (const pkg of packages) {
    const libs = sharedLibs(pkg);
    const preload = new Set(pkg.preload ?? libs);
    for (const p of preload) skip.add(p.slice(0, p.lastIndexOf("/")));
    for (const p of libs) {
      if (preload.has(p)) continue;
      const dir = p.slice(0, p.lastIndexOf("/"));
      (groups[dir.split("/").join(".")] ??= []).push(`${site}/${p}`);
    }
  }
  for (const dir of skip) delete groups[dir.split("/").join(".")];
  return groups;
}

/**
 * Load shared libraries now, synchronously, as Pyodide's own loader does (not global, never unloaded, undefined
 * symbols allowed), then resolve the symbols they left undefined once. The interpreter's dlopen (a Python import
 * of an extension module that is not loaded yet) resolves them after *every* library: Emscripten's
 * `reportUndefinedSymbols` reads all ~10,000 entries of the global offset table each time (numpy.random's 9
 * libraries: ~120 of its ~160 ms in Node). Libraries already loaded are skipped; on a failure the ones not
 * finished are forgotten, so the interpreter's dlopen loads them later. Returns how many were loaded here.
 * Example: loadLibs(py, lazyLibGroups(py._api.sitepackages, packages)["numpy.random"])   // 9
 * @param {any} py @param {string[]} paths @returns {number}
 */
export function loadLibs(py, paths) {
  const M = py._module;
  const byName = M.LDSO.loadedLibsByName;
  let loaded = 0;
  let path = null;
  try {
    for (path of paths) {
      if (byName[path]) continue;
      M.loadDynamicLibrary(path, { loadAsync: false, global: false, nodelete: true, allowUndefined: true, fs: M.FS }, {});
      const base = path.slice(path.lastIndexOf("/") + 1);
      byName[base] ??= byName[path];   // as Pyodide's loadDynlib: also known by its file name
      loaded += 1;
    }
    path = null;
  } finally {
    if (path !== null && byName[path] && byName[path].exports === "loading") delete byName[path];   // failed half-way
    if (loaded) M.reportUndefinedSymbols();
  }
  return loaded;
}

/** Whether this Pyodide has the Emscripten internals `loadLibs` needs. */
export function canLoadLibs(py) {
  const M = py && py._module;
  return Boolean(M && M.LDSO && M.LDSO.loadedLibsByName && typeof M.loadDynamicLibrary === "function"
                 && typeof M.reportUndefinedSymbols === "function" && M.FS);
}

/**
 * Install an import hook, first on `sys.meta_path`, that loads each group of `lazyLibGroups` with `loadLibs` when
 * its package is first imported (before the package's extension modules are), then lets the normal import go on
 * (it finds no spec); it leaves `sys.meta_path` once every group is loaded, and a failure only leaves the libraries
 * to dlopen. The finder is a JS object (Python calls its `find_spec` through a JsProxy): a finder class written in
 * Python cost the boot ~7-20 ms (Node) to compile and create. `onLoad(name, count, ms)` hears of each group loaded.
 * Returns the groups (empty when this Pyodide lacks the internals: the interpreter's dlopen then loads every
 * library, as before).
 * Example: hookLazyLibs(py, bundle.packages, (name, n, ms) => console.log(name, n, ms));   // {"numpy.random": [...], ...}
 * @param {any} py @param {Package[]} packages @param {(name: string, count: number, ms: number) => void} onLoad
 * @returns {Record<string, string[]>}
 */
export function hookLazyLibs(py, packages, onLoad = () => {}) {
  if (!canLoadLibs(py) || typeof py._api?.sitepackages !== "string" || typeof py.pyimport !== "function") return {};
  const groups = lazyLibGroups(py._api.sitepackages, packages);
  const waiting = new Set(Object.keys(groups));
  if (!waiting.size) return groups;
  const sys = py.pyimport("sys");
  const metaPath = sys.meta_path;   // borrowed from `sys`: both proxies live until the finder leaves
  const finder = {
    find_spec(name) {
      if (typeof name !== "string" || !waiting.delete(name)) return undefined;
      if (!waiting.size) {
        // the import system iterates sys.meta_path while it calls this: drop the finder once that import is over
        queueMicrotask(() => {
          try { metaPath.remove(finder); } catch { /* gone already */ }
          sys.destroy();
        });
      }
      const t = performance.now();
      let count = 0;
      try {
        count = loadLibs(py, groups[name]);
      } catch (err) {
        console.warn(`mm: ${name}'s libraries are left to dlopen:`, err);
      }
      onLoad(name, count, performance.now() - t);
      return undefined;
    },
  };
  metaPath.insert(0, finder);
  return groups;
}

/**
 * The shared libraries of site-packages that are loaded now (by any loader), as full paths.
 * @param {any} py @returns {Set<string>}
 */
export function loadedSiteLibs(py) {
  const site = py._api?.sitepackages;
  const byName = py._module?.LDSO?.loadedLibsByName ?? {};
  return new Set(Object.keys(byName).filter((name) => site && name.startsWith(site + "/") && SHARED_LIBRARY.test(name)));
}
