// Share links: the page URL with a cell's code in the hash, `#cell=<id>&code=<base64url(deflate-raw(utf-8))>`.
// Opening such a link loads the code into that cell's editor; it never runs without a click.
//
// Example:
//   const url = await shareURL("demo-1", "A @ B");      // https://…/page/#cell=demo-1&code=c3ZWcHCt…
//   const shared = await readShared(new URL(url).hash); // {cellId: "demo-1", code: "A @ B"}

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

/** The page's URL (query kept) with the cell's code in the hash. */
export async function shareURL(cellId, code, base = location.href) {
  const url = new URL(base);
  url.hash = `cell=${encodeURIComponent(cellId)}&code=${await encodeCode(code)}`;
  return url.href;
}

/**
 * @param {string} hash  location.hash
 * @returns {Promise<{cellId: string, code: string} | null>} null when the hash holds no shared cell or is damaged
 */
export async function readShared(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const cellId = params.get("cell");
  const packed = params.get("code");
  if (!cellId || !packed) return null;
  try {
    return { cellId, code: await decodeCode(packed) };
  } catch {
    return null;
  }
}
