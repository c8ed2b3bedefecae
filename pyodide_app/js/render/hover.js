/**
 * Hover inspection: the element under the mouse pointer, a tooltip with its matrix, indices and
 * value, and for a result element the formula `dot(row i of L, column j of R)` (+ epilog) with the
 * source row and column highlighted on the argument faces.
 *
 * @example
 *   const hover = createHover({ canvas, camera, wrapper, requestRender });
 *   hover.setFaces(faceMeshes, group);   // after each setScene
 *   hover.dispose();
 */
import * as THREE from "three";

/**
 * Index along one axis for a coordinate in offset units (r + floor(r / s) * gap), or -1 in a gap.
 * Mirrors the face shader's axisIndex.
 */
export function axisIndex(x, blockSize, n, gap) {
  const xs = x + 0.5;
  if (xs < 0) return -1;
  const s = Math.max(1, blockSize);
  const pitch = s + gap;
  const b = Math.floor(xs / pitch);
  const w = xs - b * pitch;
  if (w >= s) return -1;
  const idx = b * s + Math.floor(w);
  return idx < n ? idx : -1;
}

/**
 * The element of a face at a point in scene coordinates (before centring), or null.
 * @param {import("./scene-decode.js").DecodedFace} face
 * @param {number[]} p
 * @param {number} gap
 * @returns {{row: number, col: number, value: number} | null}
 */
export function elementAt(face, p, gap) {
  const d = [p[0] - face.p00[0], p[1] - face.p00[1], p[2] - face.p00[2]];
  const dot = (u) => d[0] * u[0] + d[1] * u[1] + d[2] * u[2];
  const [H, W] = face.shape;
  const row = axisIndex(dot(face.row_dir), face.blocks.i[1] || H, H, gap);
  const col = axisIndex(dot(face.col_dir), face.blocks.j[1] || W, W, gap);
  if (row < 0 || col < 0) return null;
  return { row, col, value: face.values[row * W + col] };
}

/** A value as the tooltip shows it. */
export function formatTipValue(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Infinity" : "−Infinity";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-4 ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}

/**
 * Tooltip lines for an element of a face.
 * @param {object} face decoded face
 * @param {{row: number, col: number, value: number}} el
 * @param {(path: string) => object | undefined} faceByPath
 */
export function describeElement(face, el, faceByPath) {
  const lines = [`${face.name} [${el.row}, ${el.col}] = ${formatTipValue(el.value)}`];
  if (face.kind === "result" && Array.isArray(face.inputs) && face.inputs.length === 2) {
    const left = faceByPath(face.inputs[0]);
    const right = faceByPath(face.inputs[1]);
    const ln = left ? left.name : "L", rn = right ? right.name : "R";
    let f = `= dot(row ${el.row} of ${ln}, column ${el.col} of ${rn})`;
    if (face.epilog && face.epilog !== "none") f += `, then ${face.epilog}`;
    lines.push(f);
  }
  return lines;
}

/**
 * @param {{canvas: HTMLCanvasElement, camera: THREE.Camera, wrapper: HTMLElement, requestRender: () => void}} opts
 */
export function createHover({ canvas, camera, wrapper, requestRender }) {
  const tip = document.createElement("div");
  tip.className = "mm-fig__tip";
  tip.hidden = true;
  wrapper.appendChild(tip);
  const raycaster = new THREE.Raycaster();
  const ndc = new THREE.Vector2();
  let meshes = [];
  let group = null;
  let gap = 0;
  let byPath = new Map();
  let highlighted = [];
  let pending = null;
  let frame = 0;
  let current = "";

  function clearHighlights() {
    for (const m of highlighted) m.material.uniforms.highlight.value.set(-1, -1);
    highlighted = [];
  }

  function setHighlight(path, row, col) {
    const mesh = byPath.get(path);
    if (!mesh) return;
    mesh.material.uniforms.highlight.value.set(row, col);
    highlighted.push(mesh);
  }

  function hide() {
    if (!tip.hidden || highlighted.length) {
      tip.hidden = true;
      clearHighlights();
      current = "";
      requestRender();
    }
  }

  /** Pick the element under client position (x, y); returns what was found (for tests). */
  function pick(clientX, clientY) {
    if (!meshes.length || !group) return null;
    const rect = canvas.getBoundingClientRect();
    ndc.set(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(ndc, camera);
    for (const hit of raycaster.intersectObjects(meshes, false)) {
      const face = hit.object.userData.face;
      const local = group.worldToLocal(hit.point.clone());
      const el = elementAt(face, local.toArray(), gap);
      if (el) return { face, ...el };
    }
    return null;
  }

  function show(clientX, clientY) {
    const found = pick(clientX, clientY);
    if (!found) return hide();
    const key = `${found.face.path}:${found.row}:${found.col}`;
    if (key !== current) {
      const lines = describeElement(found.face, found, (p) => byPath.get(p)?.userData.face);
      tip.textContent = lines.join("\n");
      tip.hidden = false;
    }
    // beside the pointer, kept inside the figure
    const rect = wrapper.getBoundingClientRect();
    const x = clientX - rect.left, y = clientY - rect.top;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = `${Math.max(2, x + 14 + w > rect.width ? x - 14 - w : x + 14)}px`;
    tip.style.top = `${Math.max(2, Math.min(y - h - 8, rect.height - h - 2))}px`;
    if (key === current) return;
    current = key;
    clearHighlights();
    setHighlight(found.face.path, found.row, found.col);
    if (found.face.kind === "result" && Array.isArray(found.face.inputs) && found.face.inputs.length === 2) {
      setHighlight(found.face.inputs[0], found.row, -1);
      setHighlight(found.face.inputs[1], -1, found.col);
    }
    requestRender();
  }

  const onMove = (ev) => {
    if (ev.pointerType !== "mouse" || ev.buttons) {
      if (ev.buttons) hide();
      return;
    }
    pending = [ev.clientX, ev.clientY];
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (pending) show(pending[0], pending[1]);
      });
    }
  };
  const onLeave = () => { pending = null; hide(); };
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerleave", onLeave);
  canvas.addEventListener("pointerdown", onLeave);

  return {
    element: tip,
    pick,
    show,
    hide,
    /** @param {THREE.Mesh[]} faceMeshes meshes with userData.face  @param {THREE.Group} sceneGroup  @param {number} sceneGap */
    setFaces(faceMeshes, sceneGroup, sceneGap) {
      hide();
      meshes = faceMeshes;
      group = sceneGroup;
      gap = sceneGap;
      byPath = new Map(faceMeshes.map((m) => [m.userData.face.path, m]));
    },
    dispose() {
      if (frame) cancelAnimationFrame(frame);
      canvas.removeEventListener("pointermove", onMove);
      canvas.removeEventListener("pointerleave", onLeave);
      canvas.removeEventListener("pointerdown", onLeave);
      tip.remove();
    },
  };
}
