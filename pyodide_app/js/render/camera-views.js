/**
 * Camera geometry of a figure: mm's field of view, fitting a box, preset views, keyboard moves and
 * auto-spin. Pure functions over plain arrays / three.js vectors; no DOM.
 *
 * Scene coordinates are centred (the renderer adds the scene's `center`), so the box centre is
 * near the origin. Directions point from the target toward the camera.
 *
 * @example
 *   const fov = mmFov(aspect);                               // degrees
 *   const view = presetView("isometric", cornerPoints, fov, aspect);  // {position, target, up}
 */
import * as THREE from "three";

/** Directions (target -> camera) and up vectors of the preset views. */
export const PRESETS = Object.freeze({
  front: { dir: [0, 0, 1], up: [0, 1, 0] },
  top: { dir: [0, 1, 0], up: [0, 0, -1] },
  left: { dir: [-1, 0, 0], up: [0, 1, 0] },
  isometric: { dir: [-1, 1, 1], up: [0, 1, 0] },   // mm's default camera (-48, 48, 48)
});

/** mm's vertical field of view in degrees: 45 / min(1, aspect). */
export function mmFov(aspect) {
  return Math.min(120, 45 / Math.min(1, aspect || 1));
}

/**
 * The view along `dir` (target -> camera) that fits every point: the target is moved sideways to
 * the centre of the points' spread across the view, the distance is the least that keeps every
 * point inside the frustum (with a margin).
 * @param {number[][]} points centred scene coordinates
 * @param {THREE.Vector3} dir unit direction from target to camera
 * @param {THREE.Vector3} up camera up
 * @returns {{target: THREE.Vector3, distance: number}}
 */
export function fitPoints(points, dir, up, fovDeg, aspect, margin = 1.06) {
  const back = dir.clone().normalize();
  let right = new THREE.Vector3().crossVectors(up, back);
  if (right.lengthSq() < 1e-12) right = new THREE.Vector3().crossVectors(new THREE.Vector3(0, 0, 1), back);
  if (right.lengthSq() < 1e-12) right = new THREE.Vector3(1, 0, 0);
  right.normalize();
  const trueUp = new THREE.Vector3().crossVectors(back, right).normalize();
  const pts = points.length ? points.map((p) => new THREE.Vector3(...p)) : [new THREE.Vector3()];
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const p of pts) {
    const x = p.dot(right), y = p.dot(trueUp);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const target = right.clone().multiplyScalar((x0 + x1) / 2).addScaledVector(trueUp, (y0 + y1) / 2);
  const tv = Math.tan(THREE.MathUtils.degToRad(fovDeg) / 2);
  const th = tv * aspect;
  const distanceFor = () => {
    let d = 0;
    for (const p of pts) {
      const q = p.clone().sub(target);
      const x = Math.abs(q.dot(right)) * margin, y = Math.abs(q.dot(trueUp)) * margin, z = q.dot(back);
      d = Math.max(d, z + x / th, z + y / tv);
    }
    return Math.max(d, 1e-3);
  };
  let d = distanceFor();
  // Perspective makes near points spread more: re-centre on the projected extents a few times.
  for (let it = 0; it < 4; it++) {
    let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
    for (const p of pts) {
      const q = p.clone().sub(target);
      const depth = Math.max(d - q.dot(back), 1e-6);
      const u = q.dot(right) / depth, v = q.dot(trueUp) / depth;
      u0 = Math.min(u0, u); u1 = Math.max(u1, u); v0 = Math.min(v0, v); v1 = Math.max(v1, v);
    }
    target.addScaledVector(right, ((u0 + u1) / 2) * d).addScaledVector(trueUp, ((v0 + v1) / 2) * d);
    d = distanceFor();
  }
  return { target, distance: d };
}

/** Radius of the bounding sphere of a centred box {min, max} (offset by `center`). */
export function boxRadius(bbox) {
  const d = [0, 1, 2].map((k) => (bbox.max[k] - bbox.min[k]) / 2);
  return Math.hypot(d[0], d[1], d[2]);
}

/**
 * A preset view that fits the given points (centred scene coordinates, e.g. the faces' corners).
 * @returns {{position: number[], target: number[], up: number[]}}
 */
export function presetView(name, points, fovDeg, aspect) {
  const preset = PRESETS[name] || PRESETS.isometric;
  const dir = new THREE.Vector3(...preset.dir).normalize();
  const { target, distance } = fitPoints(points, dir, new THREE.Vector3(...preset.up), fovDeg, aspect);
  const position = target.clone().addScaledVector(dir, distance);
  return { position: position.toArray(), target: target.toArray(), up: [...preset.up] };
}

/**
 * Keep the viewing direction and move camera and target so every point fits the view.
 * @param {THREE.PerspectiveCamera} camera
 * @param {THREE.Vector3} target (updated)
 * @param {number[][]} points centred scene coordinates
 */
export function fitCamera(camera, target, points) {
  const dir = camera.position.clone().sub(target);
  if (dir.lengthSq() < 1e-12) dir.set(-1, 1, 1);
  dir.normalize();
  const fit = fitPoints(points, dir, camera.up, camera.fov, camera.aspect);
  target.copy(fit.target);
  camera.position.copy(fit.target).addScaledVector(dir, fit.distance);
  camera.lookAt(target);
}

/** Rotate the camera about the world y axis through the target by `angle` radians. */
export function orbitY(camera, target, angle) {
  const offset = camera.position.clone().sub(target);
  offset.applyAxisAngle(new THREE.Vector3(0, 1, 0), angle);
  camera.position.copy(target).add(offset);
  camera.lookAt(target);
}

/** Move camera toward (factor < 1) or away from (factor > 1) the target. */
export function dolly(camera, target, factor) {
  const offset = camera.position.clone().sub(target).multiplyScalar(factor);
  camera.position.copy(target).add(offset);
}

/** Pan camera and target sideways by `fraction` of the viewing distance. */
export function panSideways(camera, target, fraction) {
  const dist = camera.position.distanceTo(target);
  const right = new THREE.Vector3().setFromMatrixColumn(camera.matrixWorld, 0);
  const move = right.multiplyScalar(dist * fraction);
  camera.position.add(move);
  target.add(move);
}

/**
 * Near and far planes that never clip a scene of `radius` around the origin (the centred scene),
 * wherever the camera and its target are.
 */
export function clipPlanes(camera, radius) {
  const d = camera.position.length();
  const near = Math.max(d - 1.5 * radius, 0.01);   // faces write no depth: a small near is harmless
  const far = d + 1.5 * radius + 10;
  return { near, far };
}

/**
 * mm's keys: ↑/↓ zoom, ←/→ pan, Shift/Ctrl/⌘ + ←/→ orbit. Returns true when the key was used.
 * @param {{key: string, shiftKey?: boolean, ctrlKey?: boolean, metaKey?: boolean}} ev
 */
export function applyKey(ev, camera, target) {
  const rotate = ev.shiftKey || ev.ctrlKey || ev.metaKey;
  switch (ev.key) {
    case "ArrowUp": dolly(camera, target, 0.9); return true;
    case "ArrowDown": dolly(camera, target, 1 / 0.9); return true;
    case "ArrowLeft": rotate ? orbitY(camera, target, 0.1) : panSideways(camera, target, 0.05); return true;
    case "ArrowRight": rotate ? orbitY(camera, target, -0.1) : panSideways(camera, target, -0.05); return true;
    default: return false;
  }
}
