// Share links and history entries: the page URL with one cell's state in the hash,
// `#cell=<id>[&code=<base64url(deflate-raw(utf-8))>][&view=<text>]` — the code (when given) and the
// figure's view in the compact text of render/display-settings.js (camera, sensitivity override,
// legends, row guides, spin, view preset, magnifier settings), e.g. `view=c61.5,22.25,70,1,-2,0.5_sl_l0`.
// Links of the first version (`view=<base64url(JSON)>`, always starting "ey") are still read. Opening a link loads its code into that cell's editor;
// it never runs without a click.
//
// Example:
//   const url = await shareURL("demo-1", "A @ B");      // https://…/page/#cell=demo-1&code=c3ZWcHCt…
//   const shared = await readShared(new URL(url).hash); // {cellId: "demo-1", code: "A @ B", view: null}
//   await shareURL("demo-1", null, location.href, {camera, display: {legends: false}})  // …#cell=demo-1&view=c…_l0

import { encodeView, decodeView, isDefaultDisplay } from "../render/display-settings.js";

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
 * The page's URL (query kept) with the cell's code (omitted when null) in the hash, and the figure's
 * view when given: the renderer's getState() ({camera, spin, display}; its theme stays the reader's own).
 */
export async function shareURL(cellId, code, base = location.href, view = null) {
  const url = new URL(base);
  let hash = `cell=${encodeURIComponent(cellId)}`;
  if (code !== null && code !== undefined) hash += `&code=${await encodeCode(code)}`;
  if (view) {
    const display = { ...(view.display || {}) };
    if (typeof view.spin === "boolean") display.spin = view.spin;
    const text = encodeView({ camera: view.camera || null, display });
    if (text) hash += `&view=${text}`;
  }
  url.hash = hash;
  return url.href;
}

/** A view text (display-settings.js) as {camera?, spin, display?}: display only when not the defaults. */
function viewOf(text) {
  const { camera, display } = decodeView(text);
  if (!camera && isDefaultDisplay(display) && !display.spin) return null;
  const view = {};
  if (camera) view.camera = camera;
  view.spin = display.spin;
  if (!isDefaultDisplay(display)) view.display = display;
  return view;
}

/**
 * @param {string} hash  location.hash
 * @returns {Promise<{cellId: string, code: string | null, view: {camera?, spin?, display?} | null} | null>} null when
 *   the hash names no cell, or its code is damaged
 */
export async function readShared(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const cellId = params.get("cell");
  if (!cellId) return null;
  const packed = params.get("code");
  let code = null;
  if (packed) {
    try {
      code = await decodeCode(packed);
    } catch {
      return null;
    }
  }
  let view = null;
  const text = params.get("view");
  try {
    if (text) view = text.startsWith("ey") ? JSON.parse(new TextDecoder().decode(fromBase64Url(text))) : viewOf(text);
  } catch {
    view = null; // a damaged view is dropped, the code is still loaded
  }
  if (code === null && !view) return null;
  return { cellId, code, view };
}
