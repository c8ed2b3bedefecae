/**
 * Camera geometry of a figure: mm's field of view, fitting a box, preset views, keyboard moves and
 * auto-spin. Pure functions over plain arrays / three.js vectors; no DOM.
 *
 * Scene coordinates are centred (the renderer adds the scene's `center`), so the box centre is
 * near the origin. Directions point from the target toward the camera.
 *
 * @example
 *   const fov = mmFov(aspect);                               // degrees
 *   const view = presetView("isometric", boxHalf(scene.bbox), fov, aspect);  // {position, target, up}
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

/**
 * Distance along `dir` (target -> camera) at which every corner of a box fits the view.
 * @param {number[]} half half extents of the box, centred on the target
 * @param {THREE.Vector3} dir unit direction from target to camera
 * @param {THREE.Vector3} up camera up
 */
export function fitBoxDistance(half, dir, up, fovDeg, aspect, margin = 1.06) {
  const back = dir.clone().normalize();
  let right = new THREE.Vector3().crossVectors(up, back);
  if (right.lengthSq() < 1e-12) right = new THREE.Vector3(1, 0, 0);
  right.normalize();
  const trueUp = new THREE.Vector3().crossVectors(back, right).normalize();
  const tv = Math.tan(THREE.MathUtils.degToRad(fovDeg) / 2);
  const th = tv * aspect;
  let d = 0;
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) {
      for (const sz of [-1, 1]) {
        const p = new THREE.Vector3(sx * half[0], sy * half[1], sz * half[2]);
        const x = Math.abs(p.dot(right)) * margin, y = Math.abs(p.dot(trueUp)) * margin, z = p.dot(back);
        d = Math.max(d, z + x / th, z + y / tv);
      }
    }
  }
  const size = Math.hypot(half[0], half[1], half[2]);
  return Math.max(d, size * 0.05, 1e-3);
}

/** Half extents of a scene box {min, max}. */
export function boxHalf(bbox) {
  return [0, 1, 2].map((k) => Math.max((bbox.max[k] - bbox.min[k]) / 2, 0.5));
}

/** Radius of the bounding sphere of a centred box {min, max} (offset by `center`). */
export function boxRadius(bbox) {
  const d = [0, 1, 2].map((k) => (bbox.max[k] - bbox.min[k]) / 2);
  return Math.hypot(d[0], d[1], d[2]);
}

/**
 * A preset view that fits a box with half extents `half` centred at `target`.
 * @returns {{position: number[], target: number[], up: number[]}}
 */
export function presetView(name, half, fovDeg, aspect, target = [0, 0, 0]) {
  const preset = PRESETS[name] || PRESETS.isometric;
  const dir = new THREE.Vector3(...preset.dir).normalize();
  const dist = fitBoxDistance(half, dir, new THREE.Vector3(...preset.up), fovDeg, aspect);
  const position = new THREE.Vector3(...target).addScaledVector(dir, dist);
  return { position: position.toArray(), target: [...target], up: [...preset.up] };
}

/**
 * Keep the viewing direction, aim at the box centre (the origin of centred coordinates) and move
 * so the whole box with half extents `half` fits the view.
 * @param {THREE.PerspectiveCamera} camera
 * @param {THREE.Vector3} target set to the origin
 */
export function fitCamera(camera, target, half) {
  const dir = camera.position.clone().sub(target);
  if (dir.lengthSq() < 1e-12) dir.set(-1, 1, 1);
  dir.normalize();
  target.set(0, 0, 0);
  camera.position.copy(dir).multiplyScalar(fitBoxDistance(half, dir, camera.up, camera.fov, camera.aspect));
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
