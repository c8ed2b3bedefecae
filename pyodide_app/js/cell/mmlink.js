// The playground opens an mm link: `playground/?mm=<an mm link or its query>`.
// Everything after `mm=` is the link (mm's own `&`-separated query stays intact); the cell's program becomes
// `mmcore.from_mm("<the link>")`, which is data, so it runs without a click. When the book already holds the
// link's figure (the build's index `assets/mm/links.json`, pyodide_app/_links.py), `prebuiltForLink` finds
// its prebuilt scene, which the page draws while Python boots.
//
// Example:
//   readMmLink("?mm=https://x/mm/?params=%7B%7D&a=1")  // "https://x/mm/?params=%7B%7D&a=1"
//   programForLink("?params={}")                        // 'mmcore.from_mm("?params={}")'
//   linkKey("https://x/mm/?0=A+%40+B&expr=0#v")         // "0=A%20%40%20B&expr=0"

/**
 * @param {string} search  location.search
 * @returns {string | null}
 */
export function readMmLink(search = location.search) {
  const query = search.replace(/^\?/, "");
  const m = /(?:^|&)mm=/.exec(query);
  if (!m) return null;
  let link = query.slice(m.index + m[0].length);
  // A fully percent-encoded link (no raw "?" or "=") is decoded once; anything else is passed as typed.
  if (link.includes("%") && !/[?=]/.test(link)) {
    try {
      link = decodeURIComponent(link);
    } catch {
      /* keep it raw */
    }
  }
  return link || null;
}

/** The data-only program for a link: a Python string literal (JSON string syntax is valid Python). */
export function programForLink(link) {
  return `mmcore.from_mm(${JSON.stringify(link)})\n`;
}

const URL_START = /^[a-z][a-z0-9+.-]*:\/\//i;
const EDGE_SPACES = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;

/** `+` is a space, then strict percent-decoding; null when an escape is bad. */
function formDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/**
 * The normalized form of an mm link, the same as pyodide_app/_links.py `link_key` (two links are the same
 * figure's when their keys are equal; null: no key, so no prebuilt figure): the part after the first `?`
 * without `#…`, its non-empty `&` pairs in order, each name and value form-decoded and encoded again with
 * encodeURIComponent. The params JSON stays text (JSON.parse would turn `1.0` into `1`).
 * @param {string} link
 * @returns {string | null}
 */
export function linkKey(link) {
  if (typeof link !== "string") return null;
  let s = link.replace(EDGE_SPACES, "");
  if (s.startsWith("{")) return null;               // params as raw JSON: not a link
  const q = s.indexOf("?");
  if (q >= 0) s = s.slice(q + 1);
  else if (URL_START.test(s) || s.startsWith("/")) return null;   // an address without a query
  s = s.split("#", 1)[0];
  const pairs = [];
  try {
    for (const piece of s.split("&")) {
      if (!piece) continue;
      const eq = piece.indexOf("=");
      const name = formDecode(eq < 0 ? piece : piece.slice(0, eq));
      const value = formDecode(eq < 0 ? "" : piece.slice(eq + 1));
      if (name === null || value === null) return null;
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
  } catch {
    return null;                                      // a lone surrogate cannot be encoded
  }
  return pairs.join("&") || null;
}

/** The index's key of a link: SHA-256 of its normalized form, 32 hex digits (null without a key or WebCrypto). */
export async function linkHash(link) {
  const key = linkKey(link);
  if (key === null || !globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

/**
 * The book's prebuilt scene of `link`, when the build's index lists it: `{url, bytes}`, else null (no index,
 * no such link, any failure: the link then opens the normal way, by running it).
 * @param {string} link
 * @param {URL | string} indexURL  the site's `assets/mm/links.json`
 * @returns {Promise<{url: string, bytes: ArrayBuffer} | null>}
 */
export async function prebuiltForLink(link, indexURL) {
  try {
    const hash = await linkHash(link);
    if (!hash) return null;
    const res = await fetch(indexURL, { cache: "no-cache" });   // a fixed name that changes with each build
    if (!res.ok) return null;
    const index = await res.json();
    const rel = index && index.version === 1 && index.scenes ? index.scenes[hash] : undefined;
    if (typeof rel !== "string") return null;
    const url = new URL(rel, indexURL).href;
    const scene = await fetch(url);
    return scene.ok ? { url, bytes: await scene.arrayBuffer() } : null;
  } catch (err) {
    console.warn("mm: no prebuilt figure for the link", err);
    return null;
  }
}

/** Whether two scenes are the same bytes. */
export function sameBytes(a, b) {
  if (!a || !b || a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a), y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
