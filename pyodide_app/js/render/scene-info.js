/**
 * Facts about a decoded scene that the figure needs: its text alternative and the corners of its
 * faces (for fitting views).
 *
 * @example
 *   canvas.setAttribute("aria-label", describeScene(scene, "A @ B"));
 *   const pts = sceneCorners(scene);   // [[x, y, z], ...] centred coordinates
 */
import { faceQuad } from "./face-mesh.js";

/** Text alternative of a scene: its title and the shapes of its matrices. */
export function describeScene(scene, label = "") {
  const names = scene.faces.map((f) => `${f.name} ${f.shape[0]}×${f.shape[1]}`);
  const head = label || scene.title || "matrix figure";
  return `3D figure: ${head}. Matrices: ${names.join(", ")}.`;
}

/** Corners of every face quad in centred coordinates (the box corners when there are no faces). */
export function sceneCorners(scene) {
  const c = scene.center || [0, 0, 0];
  const out = [];
  for (const face of scene.faces) {
    const { positions } = faceQuad(face);
    for (let k = 0; k < positions.length; k += 3) out.push([positions[k] + c[0], positions[k + 1] + c[1], positions[k + 2] + c[2]]);
  }
  if (!out.length) {
    const { min, max } = scene.bbox;
    for (const x of [min[0], max[0]]) for (const y of [min[1], max[1]]) for (const z of [min[2], max[2]]) out.push([x + c[0], y + c[1], z + c[2]]);
  }
  return out;
}
