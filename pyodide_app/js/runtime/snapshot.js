// A memory snapshot of the started interpreter, made in the reader's own browser and kept in its Cache Storage, so
// that every later boot (a reload, the next page loaded in full, the next visit, a fresh worker after Stop) restores
// it instead of initialising Python again (Pyodide 0.27's experimental `_makeSnapshot` / `_loadSnapshot`).
//
// - Made once, after the first boot, by a short-lived second worker (worker.js `makeSnapshot`, started by
//   runtime/client.js when the page is idle): Pyodide started with `_makeSnapshot: true`, the pure standard
//   library modules that numpy, mmcore and the run helper import (`SNAPSHOT_PREIMPORT`), then
//   `makeMemorySnapshot()` (~21 MB: the wasm heap and a JSON header). No binary extension may be loaded before
//   (pyodide#5195), so numpy is not in it; the file system is not in it (Pyodide writes the standard library again).
//   Stored without its pages of zeros (`packSnapshot`: ~11 MB of the ~21 MB).
// - Key: the Pyodide version (the cache's name) and a hash of everything the snapshot depends on here (`bootKey`:
//   the version, the site's Pyodide URL, the boot options, the pre-imported source); Pyodide itself refuses a
//   snapshot of another build (its build id). Each entry carries its length and a checksum of its bytes.
// - Restored by every later boot: worker.js reads the bytes as soon as the worker starts and gives them to
//   loadPyodide as `_loadSnapshot`.
// - Any failure (no Cache Storage, as on a page not served over https or from localhost; missing, short or
//   corrupt bytes; Pyodide's own checks; an exception later in the boot) deletes the entry, and the worker boots
//   the normal way.
//
// Example (in the worker):
//   const key = bootKey(indexURL, { env: { HOME: "/home/pyodide" } });
//   const entry = await findSnapshot(key);           // a Response, or null: then a normal boot
//   const py = await loadPyodide({ indexURL, _loadSnapshot: snapshotBytes(key, entry) });   // rejects when bad
//   py.runPython(AFTER_RESTORE);                     // reseeds `random`
//   await storeSnapshot(key, maker.makeMemorySnapshot(), buildId);   // in the maker worker

/** Cache Storage name prefix; the Pyodide version completes it, so a snapshot is never used by another version. */
export const CACHE_PREFIX = "mm-pyodide-snapshot-";

/**
 * Python run in the maker before the snapshot: the standard library modules the boot imports later (numpy, mmcore,
 * the run helper) that Pyodide's own start does not, all pure Python or built into the interpreter (no `.so`).
 * An import that fails is skipped (the boot then imports it itself).
 */
export const SNAPSHOT_PREIMPORT = `
def _mm_preimport():
    import importlib
    # found by diffing sys.modules around "import numpy, mmcore" and a first run_cell, in Pyodide 0.27.7
    for name in ("__future__", "ctypes", "dataclasses", "hashlib", "hmac", "json", "numbers",
                 "pickle", "platform", "secrets"):
        try:
            importlib.import_module(name)
        except Exception:
            pass
_mm_preimport()
del _mm_preimport
`;

/** Run right after a restore: what a snapshot freezes that must differ per start (`random`'s seed). */
export const AFTER_RESTORE = `
import sys as _mm_sys
if "random" in _mm_sys.modules:
    _mm_sys.modules["random"].seed()
del _mm_sys
`;

/**
 * The cache entry's URL for this site's Pyodide and boot options: `<indexURL>mm-snapshot-<hash>.bin` (never
 * fetched: a Cache Storage key). Example: bootKey("https://x.org/assets/mm/pyodide/0.27.7/", {env: {}})
 * -> "https://x.org/assets/mm/pyodide/0.27.7/mm-snapshot-9e081d30.bin"
 * @param {string} indexURL @param {object} options the loadPyodide options the snapshot is made with (JSON-able)
 * @param {string} [version]
 */
export function bootKey(indexURL, options, version = versionOf(indexURL)) {
  const text = JSON.stringify({ version, indexURL, options, preimport: SNAPSHOT_PREIMPORT, after: AFTER_RESTORE });
  return `${indexURL}mm-snapshot-${fnv1a(new TextEncoder().encode(text))}.bin`;
}

/** "0.27.7" from ".../pyodide/0.27.7/". */
function versionOf(indexURL) {
  const m = /\/([^/]+)\/$/.exec(indexURL);
  return m ? m[1] : "unknown";
}

/** Whether this context can keep a snapshot (Cache Storage exists only in secure contexts). */
export function canStore() {
  return typeof caches !== "undefined" && typeof caches.open === "function";
}

const cacheName = (key) => CACHE_PREFIX + versionOf(key.slice(0, key.lastIndexOf("/") + 1));

/**
 * The stored snapshot's cache entry for `key` (its bytes not read yet), or null: none stored, no Cache Storage, or
 * the storage failed. Fast (no body read): the boot asks this first and starts Pyodide the normal way on null.
 * Never rejects.
 * @param {string} key @returns {Promise<Response | null>}
 */
export async function findSnapshot(key) {
  if (!canStore()) return null;
  try {
    const cache = await caches.open(cacheName(key));
    return (await cache.match(key)) || null;
  } catch {
    return null;
  }
}

/**
 * The bytes of a stored snapshot (`findSnapshot`'s entry), checked against its length and checksum; rejects
 * with the reason when they are bad, after deleting the entry. Give the promise to loadPyodide as `_loadSnapshot`:
 * Pyodide loads its script and starts downloading the wasm while the ~21 MB are read.
 * @param {string} key @param {Response} entry @returns {Promise<Uint8Array>}
 */
export async function snapshotBytes(key, entry) {
  let problem;
  try {
    const bytes = new Uint8Array(await entry.arrayBuffer());
    const size = Number(entry.headers.get("x-mm-bytes"));
    const sum = entry.headers.get("x-mm-checksum");
    if (bytes.length === size && size % 4 === 0 && checksum(bytes) === sum) return unpackSnapshot(bytes);
    problem = `bad bytes: ${bytes.length} of ${size}`
      + (bytes.length % 4 ? "" : `, checksum ${checksum(bytes)} of ${sum}`);
  } catch (err) {
    problem = String((err && err.message) || err);
  }
  await dropSnapshot(key);
  throw new Error(`the stored Python snapshot is unusable (${problem}); it is deleted`);
}

/**
 * Keep `bytes` as the snapshot of `key` (packed: `packSnapshot`); older snapshots (this site's other keys, any
 * other Pyodide version's cache) are deleted. Resolves to the bytes stored, 0 when nothing was (no Cache
 * Storage, a full quota: no error for the reader); never rejects.
 * @param {string} key @param {Uint8Array} bytes @param {string} buildId
 */
export async function storeSnapshot(key, bytes, buildId) {
  if (!canStore()) return 0;
  try {
    const name = cacheName(key);
    for (const other of await caches.keys()) {
      if (other.startsWith(CACHE_PREFIX) && other !== name) await caches.delete(other);
    }
    const cache = await caches.open(name);
    // only this site's: another site on the same origin keeps its own
    const mine = key.slice(0, key.lastIndexOf("/") + 1) + "mm-snapshot-";
    for (const req of await cache.keys()) {
      if (req.url !== key && req.url.startsWith(mine)) await cache.delete(req);
    }
    const packed = packSnapshot(bytes);
    const headers = { "content-type": "application/octet-stream", "x-mm-bytes": String(packed.length),
                      "x-mm-checksum": checksum(packed), "x-mm-build-id": buildId };
    await cache.put(key, new Response(packed, { headers }));
    return packed.length;
  } catch (err) {
    console.warn("mm: the Python snapshot was not stored:", err);
    await dropSnapshot(key);
    return 0;
  }
}

/** Delete the snapshot of `key` (a failed restore); never rejects. @param {string} key */
export async function dropSnapshot(key) {
  if (!canStore()) return;
  try {
    const cache = await caches.open(cacheName(key));
    await cache.delete(key);
  } catch { /* nothing to delete */ }
}

/** Packed snapshot: "MMS1", the snapshot's length, the page size, a byte per page (1: stored), the stored pages. */
const PACK_MAGIC = 0x31534d4d;   // "MMS1" little-endian
const PAGE = 4096;

/**
 * The snapshot without its pages of zeros (about half of Pyodide 0.27's ~21 MB heap: ~11 MB are kept, so half
 * as much to read and keep). Example: unpackSnapshot(packSnapshot(bytes)) equals bytes.
 * @param {Uint8Array} bytes @returns {Uint8Array} (length a multiple of 4)
 */
export function packSnapshot(bytes) {
  if (bytes.byteOffset % 4) bytes = bytes.slice();   // word access below
  const pages = Math.ceil(bytes.length / PAGE);
  const map = new Uint8Array(pages);
  let kept = 0;
  for (let p = 0; p < pages; p++) {
    const page = bytes.subarray(p * PAGE, Math.min(bytes.length, (p + 1) * PAGE));
    if (!isZero(page)) { map[p] = 1; kept += page.length; }
  }
  const head = 16 + Math.ceil(pages / 4) * 4;
  const out = new Uint8Array(Math.ceil((head + kept) / 4) * 4);
  new Uint32Array(out.buffer, 0, 4).set([PACK_MAGIC, bytes.length, PAGE, pages]);
  out.set(map, 16);
  let at = head;
  for (let p = 0; p < pages; p++) {
    if (!map[p]) continue;
    const page = bytes.subarray(p * PAGE, Math.min(bytes.length, (p + 1) * PAGE));
    out.set(page, at);
    at += page.length;
  }
  return out;
}

/**
 * The snapshot `packSnapshot` packed; throws on anything else.
 * @param {Uint8Array} packed @returns {Uint8Array}
 */
export function unpackSnapshot(packed) {
  const [magic, length, page, pages] = new Uint32Array(packed.buffer, packed.byteOffset, 4);
  if (magic !== PACK_MAGIC || page !== PAGE || pages !== Math.ceil(length / PAGE)) {
    throw new Error("not a packed snapshot");
  }
  const map = packed.subarray(16, 16 + pages);
  const bytes = new Uint8Array(length);
  let at = 16 + Math.ceil(pages / 4) * 4;
  for (let p = 0; p < pages; p++) {
    if (!map[p]) continue;
    const size = Math.min(PAGE, length - p * PAGE);
    if (at + size > packed.length) throw new Error("a packed snapshot cut short");
    bytes.set(packed.subarray(at, at + size), p * PAGE);
    at += size;
  }
  return bytes;
}

function isZero(page) {
  const words = new Int32Array(page.buffer, page.byteOffset, page.length >> 2);
  for (let i = 0; i < words.length; i++) if (words[i]) return false;
  for (let i = words.length * 4; i < page.length; i++) if (page[i]) return false;
  return true;
}

/**
 * A quick checksum of the whole snapshot (~8 ms for 21 MB): two 32-bit sums over its words, as hex.
 * Example: checksum(new Uint8Array(8)) -> "117697cd00000000"
 * @param {Uint8Array} bytes (length a multiple of 4)
 */
export function checksum(bytes) {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  let h = 0x811c9dc5 | 0;
  let s = 0;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ words[i], 16777619);
    s = (s + words[i]) | 0;
  }
  return hex(h) + hex(s);
}

/** FNV-1a of bytes as 8 hex digits (the key's hash). */
function fnv1a(bytes) {
  let h = 0x811c9dc5 | 0;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619);
  return hex(h);
}

const hex = (n) => (n >>> 0).toString(16).padStart(8, "0");
