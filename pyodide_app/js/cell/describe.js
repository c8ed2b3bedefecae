// The text alternative of a cell's figure, read from the scene's JSON header only (no values decoded):
// "3D figure: A @ B. Matrices: A @ B 24×32, A 24×12, B 12×32." Names are text (set with setAttribute).
//
// Example:
//   figureEl.setAttribute("aria-label", describeSceneBytes(buffer) ?? figureEl.getAttribute("aria-label"));

/** At most this many matrices are listed (a figure may hold hundreds). */
const MAX_LISTED = 24;

/** @param {ArrayBuffer} buffer @returns {string | null} null when the bytes are not a readable scene */
export function describeSceneBytes(buffer) {
  try {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 12) return null;
    const view = new DataView(buffer);
    const n = view.getUint32(8, true);
    if (12 + n > buffer.byteLength) return null;
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, n)));
    const faces = Array.isArray(header.faces) ? header.faces : [];
    const listed = faces.slice(0, MAX_LISTED).map((f) => {
      const [h, w] = Array.isArray(f.shape) ? f.shape : ["?", "?"];
      return `${short(f.name ?? "?")} ${h}×${w}`;
    });
    if (faces.length > MAX_LISTED) listed.push(`and ${faces.length - MAX_LISTED} more`);
    const title = short(header.title || "matrix figure");
    return `3D figure: ${title}. ${faces.length === 1 ? "Matrix" : "Matrices"}: ${listed.join(", ")}.`;
  } catch {
    return null;
  }
}

function short(text) {
  const t = String(text).replace(/\s+/g, " ");
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}
