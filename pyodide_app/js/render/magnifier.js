/**
 * The magnifier (mm's "reveal" mode): a square lens, `lensSize` × the figure height, centred on the
 * pointer, showing a second render of the same scene at `magnification`× (a scissored viewport with
 * an offset view of the camera). Inside it, every element within `spotlight` world units of the
 * pointer ray gets its value as a label, `x.toFixed(5)`, with a font that shrinks as the text gets
 * longer (so with log10|x|).
 *
 * Opens with a long press (500 ms without moving; mouse or touch) or Ctrl/⌘ + drag, and follows the
 * pointer until it is released. Keyboard: the figure calls toggle() / moveBy() (M, arrows, Escape).
 *
 * @example
 *   const lens = createMagnifier({ wrapper, canvasRect: () => canvas.getBoundingClientRect(),
 *     settings: () => ({magnification: 7, lensSize: 0.5, spotlight: 2}), requestRender,
 *     onOpenChange: (open) => { controls.enabled = !open; } });
 *   // after each main render: lens.draw(renderer, threeScene, camera, faces, center)
 *   lens.openAt(200, 150);  lens.labels();  lens.close();  lens.dispose();
 */
import * as THREE from "three";

const LONG_PRESS_MS = 500;
const MOVE_TOLERANCE_PX = 6;
const MAX_LABELS = 400;
const MIN_FONT_PX = 6;

/** A value as the lens labels it (mm: x.toFixed(5)). */
export function lensLabel(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "−Inf";
  return x.toFixed(5);
}

/**
 * Elements of the faces within `radius` of a ray (all in centred world coordinates, the scene
 * group's `center` added to face positions).
 * @param {object[]} faces decoded faces
 * @param {number[]} center the scene's centring offset
 * @param {THREE.Ray} ray
 * @returns {Array<{face: object, row: number, col: number, value: number, position: THREE.Vector3}>}
 */
export function spotlightElements(faces, center, ray, radius, max = MAX_LABELS) {
  const out = [];
  const o = new THREE.Vector3(...center);
  const p = new THREE.Vector3();
  for (const face of faces) {
    const [H, W] = face.shape;
    if (!H || !W) continue;
    const p00 = new THREE.Vector3(...face.p00).add(o);
    const rd = new THREE.Vector3(...face.row_dir), cd = new THREE.Vector3(...face.col_dir);
    const n = new THREE.Vector3().crossVectors(rd, cd);
    const cos = Math.abs(n.dot(ray.direction));
    if (cos < 1e-6) continue;
    const t = p00.clone().sub(ray.origin).dot(n) / n.dot(ray.direction);
    if (t <= 0) continue;
    const hit = ray.at(t, new THREE.Vector3()).sub(p00);
    const a = hit.dot(rd), b = hit.dot(cd);
    const reach = radius / Math.max(cos, 0.2);     // in-plane window that can hold elements near the ray
    const rows = rangeWithin(face.rowOffsets, a - reach, a + reach);
    const cols = rangeWithin(face.colOffsets, b - reach, b + reach);
    for (let r = rows[0]; r < rows[1]; r++) {
      for (let c = cols[0]; c < cols[1]; c++) {
        p.copy(p00).addScaledVector(rd, face.rowOffsets[r]).addScaledVector(cd, face.colOffsets[c]);
        if (ray.distanceSqToPoint(p) > radius * radius) continue;
        out.push({ face, row: r, col: c, value: face.values[r * W + c], position: p.clone() });
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}

/** [first, end) indices of a sorted array whose values lie in [lo, hi]. */
function rangeWithin(sorted, lo, hi) {
  const lower = (x) => {
    let l = 0, h = sorted.length;
    while (l < h) { const m = (l + h) >> 1; if (sorted[m] < x) l = m + 1; else h = m; }
    return l;
  };
  return [lower(lo), lower(hi + 1e-9)];
}

/**
 * @param {{wrapper: HTMLElement, canvasRect: () => DOMRect | null,
 *   settings: () => {magnification: number, lensSize: number, spotlight: number},
 *   requestRender: () => void, onOpenChange?: (open: boolean) => void}} opts
 */
export function createMagnifier({ wrapper, canvasRect, settings, requestRender, onOpenChange = () => {} }) {
  const lens = document.createElement("div");
  lens.className = "mm-fig__lens";
  lens.hidden = true;
  lens.setAttribute("role", "status");
  lens.setAttribute("aria-label", "Magnifier");
  wrapper.appendChild(lens);
  const lensCamera = new THREE.PerspectiveCamera();
  const raycaster = new THREE.Raycaster();
  const ndc = new THREE.Vector2();
  const v = new THREE.Vector3();
  let open = false;
  let at = [0, 0];                 // lens centre in canvas CSS pixels
  let press = null;                // {id, x, y, timer} of a pending long press
  let dragId = null;               // pointer that moves the open lens
  let shown = [];                  // labels of the last draw: {text, x, y, row, col, face}

  function setOpen(on) {
    if (open === on) return;
    open = on;
    lens.hidden = !on;
    if (!on) { lens.replaceChildren(); shown = []; }
    onOpenChange(on);
    requestRender();
  }

  function toCanvas(clientX, clientY) {
    const r = canvasRect();
    return r ? [clientX - r.left, clientY - r.top] : [clientX, clientY];
  }

  /** Open (or move) the lens centred at canvas CSS pixel (x, y). */
  function openAt(x, y) {
    at = [x, y];
    setOpen(true);
    requestRender();
  }

  function cancelPress() {
    if (press) clearTimeout(press.timer);
    press = null;
  }

  const onDown = (ev) => {
    if (ev.button !== 0 && ev.pointerType === "mouse") return;
    if (press) { cancelPress(); return; }          // a second finger: a pinch, not a long press
    if (ev.ctrlKey || ev.metaKey) {
      ev.stopPropagation();                          // the orbit controls do not see it
      ev.preventDefault();
      dragId = ev.pointerId;
      wrapper.setPointerCapture?.(ev.pointerId);
      openAt(...toCanvas(ev.clientX, ev.clientY));
      return;
    }
    const start = { id: ev.pointerId, x: ev.clientX, y: ev.clientY };
    start.timer = setTimeout(() => {
      press = null;
      dragId = start.id;
      openAt(...toCanvas(start.x, start.y));
    }, LONG_PRESS_MS);
    press = start;
  };
  const onMove = (ev) => {
    if (press && ev.pointerId === press.id &&
        Math.hypot(ev.clientX - press.x, ev.clientY - press.y) > MOVE_TOLERANCE_PX) cancelPress();
    if (press && ev.pointerId === press.id) { press.x = ev.clientX; press.y = ev.clientY; }
    if (open && dragId === ev.pointerId) {
      ev.stopPropagation();
      at = toCanvas(ev.clientX, ev.clientY);
      requestRender();
    }
  };
  const onUp = (ev) => {
    if (press && ev.pointerId === press.id) cancelPress();
    if (dragId === ev.pointerId) {
      dragId = null;
      setOpen(false);
    }
  };
  wrapper.addEventListener("pointerdown", onDown, true);
  wrapper.addEventListener("pointermove", onMove, true);
  wrapper.addEventListener("pointerup", onUp, true);
  wrapper.addEventListener("pointercancel", onUp, true);

  /**
   * Draw the lens over the frame just rendered (same task: the drawing buffer is not preserved).
   * @param {THREE.WebGLRenderer} renderer
   */
  function draw(renderer, threeScene, camera, faces, center) {
    if (!open) return;
    const size = renderer.getSize(new THREE.Vector2());
    const W = size.x, H = size.y;
    const s = settings();
    const L = Math.max(16, Math.round(s.lensSize * H));
    const m = Math.max(1, s.magnification);
    at = [Math.min(Math.max(at[0], 0), W), Math.min(Math.max(at[1], 0), H)];
    const left = Math.round(at[0] - L / 2), top = Math.round(at[1] - L / 2);
    lensCamera.copy(camera);
    lensCamera.setViewOffset(W, H, at[0] - L / (2 * m), at[1] - L / (2 * m), L / m, L / m);
    lensCamera.updateProjectionMatrix();
    renderer.setScissorTest(true);
    renderer.setScissor(left, H - top - L, L, L);
    renderer.setViewport(left, H - top - L, L, L);
    renderer.render(threeScene, lensCamera);
    renderer.setScissorTest(false);
    renderer.setViewport(0, 0, W, H);
    lens.style.left = `${left}px`;
    lens.style.top = `${top}px`;
    lens.style.width = lens.style.height = `${L}px`;
    placeLabels(camera, faces, center, L, s.spotlight);
  }

  function placeLabels(camera, faces, center, L, radius) {
    const r = canvasRect();
    if (!r) return;
    ndc.set((at[0] / r.width) * 2 - 1, -(at[1] / r.height) * 2 + 1);
    raycaster.setFromCamera(ndc, camera);
    const found = radius > 0 ? spotlightElements(faces, center, raycaster.ray, radius) : [];
    const nodes = [];
    shown = [];
    const toLens = (p) => { v.copy(p).project(lensCamera); return [(v.x + 1) / 2 * L, (1 - v.y) / 2 * L, v.z]; };
    for (const el of found) {
      const [x, y, z] = toLens(el.position);
      if (x < 0 || y < 0 || x > L || y > L || z > 1) continue;
      const [x1, y1] = toLens(v.set(...el.face.col_dir).add(el.position));
      const cellPx = Math.hypot(x1 - x, y1 - y);
      const text = lensLabel(el.value);
      const font = Math.min(16, cellPx / (0.62 * text.length));
      if (font < MIN_FONT_PX) continue;
      const span = document.createElement("span");
      span.className = "mm-fig__lens-label";
      span.textContent = text;
      span.style.left = `${x}px`;
      span.style.top = `${y}px`;
      span.style.fontSize = `${font.toFixed(1)}px`;
      nodes.push(span);
      shown.push({ text, x, y, row: el.row, col: el.col, face: el.face.name, font });
    }
    lens.replaceChildren(...nodes);
  }

  return {
    element: lens,
    openAt,
    /** Open at the centre of the figure, or close. */
    toggle() {
      if (open) return setOpen(false);
      const r = canvasRect();
      openAt(r ? r.width / 2 : 0, r ? r.height / 2 : 0);
    },
    /** Move the open lens by (dx, dy) CSS pixels. */
    moveBy(dx, dy) { if (open) { at = [at[0] + dx, at[1] + dy]; requestRender(); } },
    close: () => setOpen(false),
    draw,
    /** The labels of the last frame (for tests): [{text, x, y, row, col, face, font}]. */
    labels: () => shown.slice(),
    get open() { return open; },
    get center() { return at.slice(); },
    dispose() {
      cancelPress();
      wrapper.removeEventListener("pointerdown", onDown, true);
      wrapper.removeEventListener("pointermove", onMove, true);
      wrapper.removeEventListener("pointerup", onUp, true);
      wrapper.removeEventListener("pointercancel", onUp, true);
      lens.remove();
    },
  };
}
