// Share links: the page URL with a cell's code in the hash, `#cell=<id>&code=<base64url(deflate-raw(utf-8))>`,
// optionally followed by `&view=<base64url(JSON of the figure's camera state)>`.
// Opening such a link loads the code into that cell's editor; it never runs without a click.
//
// Example:
//   const url = await shareURL("demo-1", "A @ B");      // https://…/page/#cell=demo-1&code=c3ZWcHCt…
//   const shared = await readShared(new URL(url).hash); // {cellId: "demo-1", code: "A @ B", view: null}

/** @param {Uint8Array} bytes */
function toBase64Url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @param {string} text */
function fromBase64Url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} bytes @param {CompressionStream | DecompressionStream} stream */
async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** @param {string} code @returns {Promise<string>} */
export async function encodeCode(code) {
  return toBase64Url(await pipe(new TextEncoder().encode(code), new CompressionStream("deflate-raw")));
}

/** @param {string} packed @returns {Promise<string>} */
export async function decodeCode(packed) {
  return new TextDecoder().decode(await pipe(fromBase64Url(packed), new DecompressionStream("deflate-raw")));
}

/**
 * The page's URL (query kept) with the cell's code in the hash, and the figure's view (camera, spin: the
 * renderer's getState() without the theme, which stays the reader's own) when given.
 */
export async function shareURL(cellId, code, base = location.href, view = null) {
  const url = new URL(base);
  let hash = `cell=${encodeURIComponent(cellId)}&code=${await encodeCode(code)}`;
  if (view) hash += `&view=${toBase64Url(new TextEncoder().encode(JSON.stringify(view)))}`;
  url.hash = hash;
  return url.href;
}

/**
 * @param {string} hash  location.hash
 * @returns {Promise<{cellId: string, code: string, view: object | null} | null>} null when the hash holds no
 *   shared cell or its code is damaged
 */
export async function readShared(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const cellId = params.get("cell");
  const packed = params.get("code");
  if (!cellId || !packed) return null;
  let code;
  try {
    code = await decodeCode(packed);
  } catch {
    return null;
  }
  let view = null;
  try {
    const text = params.get("view");
    if (text) view = JSON.parse(new TextDecoder().decode(fromBase64Url(text)));
  } catch {
    view = null; // a damaged view is dropped, the code is still loaded
  }
  return { cellId, code, view };
}
