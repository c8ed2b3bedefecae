// numpy and mmcore for the worker without Pyodide's Python-side unzip: the site ships their wheels' files in one
// gzip stream (pyodide_app/_assets.py `pack_packages`, named by `mm-packages.json` beside Pyodide). The worker
// downloads it while the interpreter starts, inflates it with the browser's native DecompressionStream once the
// interpreter is up (inflating during the start slowed the start more than it saved: one thread), writes the
// files into site-packages and loads numpy's shared libraries with Pyodide's own loader. Pyodide's loadPackage
// unzips in Python instead (~0.3 s of the boot on the project's machine). Anything missing or unexpected (no
// manifest, as with the plugin's `pyodide` URL option; a 404; a format this code does not know) gives null,
// and the worker uses loadPackage.
//
// Example (in the worker):
//   const download = downloadPackages(indexURL);        // at once: no interpreter needed
//   const py = await loadPyodide({ indexURL });
//   const gz = await download;
//   const packs = gz && await inflatePackages(gz);
//   if (packs && canInstall(py)) await installPackages(py, packs); else await py.loadPackage("mmcore");

/**
 * @typedef {{name: string, wheel: string, files: {path: string, data: Uint8Array}[]}} Package
 */

/**
 * Download the site's package bundle (still compressed); resolves to its bytes, or null (never rejects). The
 * manifest is revalidated (`no-cache`): it names a content-hashed bundle, so a rebuilt site is never mixed with
 * an older one.
 * @param {string} indexURL @returns {Promise<ArrayBuffer | null>}
 */
export async function downloadPackages(indexURL) {
  try {
    const res = await fetch(indexURL + "mm-packages.json", { cache: "no-cache" });
    if (!res.ok) return null;
    const { bundle } = await res.json();
    if (typeof bundle !== "string" || !/^mm-packages-[0-9a-f]+\.bin\.gz$/.test(bundle)) return null;
    const body = await fetch(indexURL + bundle);
    return body.ok ? await body.arrayBuffer() : null;
  } catch (err) {
    console.warn("mm: numpy and mmcore through loadPackage:", err);
    return null;
  }
}

/**
 * Inflate a downloaded bundle (one native DecompressionStream) into its packages, in install order; null when
 * it cannot be read (never rejects).
 * @param {ArrayBuffer} gz @returns {Promise<Package[] | null>}
 */
export async function inflatePackages(gz) {
  try {
    const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
    return readBundle(new Uint8Array(await new Response(stream).arrayBuffer()));
  } catch (err) {
    console.warn("mm: numpy and mmcore through loadPackage:", err);
    return null;
  }
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
  const packages = head.packages.map(({ name, wheel, files }) => ({
    name,
    wheel,
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
 * Write the packages' files into site-packages and record each as loadPackage does (the dist-info's INSTALLER
 * file, `pyodide.loadedPackages`), then load their shared libraries (extension modules: `*.cpython-*.so`) in
 * bundle order with Pyodide's own loader.
 * @param {any} py @param {Package[]} packages
 */
export async function installPackages(py, packages) {
  const site = py._api.sitepackages;
  const FS = py.FS;
  const made = new Set();
  for (const pkg of packages) {
    const dynlibs = [];
    let distInfo = null;
    for (const { path, data } of pkg.files) {
      const full = `${site}/${path}`;
      const dir = full.slice(0, full.lastIndexOf("/"));
      if (!made.has(dir)) { FS.mkdirTree(dir); made.add(dir); }
      FS.writeFile(full, data);
      if (/\.cpython-[^/]*\.so$/.test(path)) dynlibs.push(full);
      const top = path.split("/")[0];
      if (top.endsWith(".dist-info")) distInfo = top;
    }
    if (distInfo) FS.writeFile(`${site}/${distInfo}/INSTALLER`, "pyodide.loadPackage");
    await py._api.loadDynlibsFromPackage({ file_name: pkg.wheel }, dynlibs);
    py.loadedPackages[pkg.name] = "default channel";
  }
  py.runPython("import importlib\nimportlib.invalidate_caches()");
}
