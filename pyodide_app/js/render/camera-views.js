/**
 * Camera geometry of a figure: mm's field of view, fitting a box, preset views, keyboard moves and
 * auto-spin. Pure functions over plain arrays / three.js vectors; no DOM.
 *
 * Scene coordinates are centred (the renderer adds the scene's `center`), so the box centre is
 * near the origin. Directions point from the target toward the camera.
 *
 * @example
 *   const fov = mmFov(aspect);                               // degrees
 *   const view = presetView("isometric", box, fov, aspect);  // {position, target, up}
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
 * Distance at which a sphere of the given radius fills the view (with a margin).
 * @param {number} radius
 * @param {number} fovDeg vertical field of view
 * @param {number} aspect width / height
 */
export function fitDistance(radius, fovDeg, aspect, margin = 1.08) {
  const v = THREE.MathUtils.degToRad(fovDeg) / 2;
  const h = Math.atan(Math.tan(v) * aspect);
  const half = Math.min(v, h);
  return (margin * Math.max(radius, 1e-3)) / Math.sin(half);
}

/** Radius of the bounding sphere of a centred box {min, max} (offset by `center`). */
export function boxRadius(bbox) {
  const d = [0, 1, 2].map((k) => (bbox.max[k] - bbox.min[k]) / 2);
  return Math.hypot(d[0], d[1], d[2]);
}

/**
 * A preset view of a box of the given radius centred at `target`.
 * @returns {{position: number[], target: number[], up: number[]}}
 */
export function presetView(name, radius, fovDeg, aspect, target = [0, 0, 0]) {
  const preset = PRESETS[name] || PRESETS.isometric;
  const dir = new THREE.Vector3(...preset.dir).normalize();
  const dist = fitDistance(radius, fovDeg, aspect);
  const position = new THREE.Vector3(...target).addScaledVector(dir, dist);
  return { position: position.toArray(), target: [...target], up: [...preset.up] };
}

/**
 * Move the camera along its current direction so a sphere of `radius` around `target` fits.
 * @param {THREE.PerspectiveCamera} camera
 * @param {THREE.Vector3} target (left unchanged)
 */
export function fitCamera(camera, target, radius) {
  const dir = camera.position.clone().sub(target);
  if (dir.lengthSq() < 1e-12) dir.set(-1, 1, 1);
  dir.normalize();
  camera.position.copy(target).addScaledVector(dir, fitDistance(radius, camera.fov, camera.aspect));
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

/** Near and far planes that keep depth precision for a scene of `radius` around `target`. */
export function clipPlanes(camera, target, radius) {
  const d = camera.position.distanceTo(target);
  const near = Math.max(d - 2 * radius, d * 0.01, 0.01);
  const far = d + 3 * radius + 10;
  return { near, far };
}
