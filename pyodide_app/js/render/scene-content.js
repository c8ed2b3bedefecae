/**
 * The three.js objects of one decoded scene: a face mesh per matrix, the guides and arrows and the
 * labels, in one group translated by the scene's `center` (mm's centring).
 *
 * @example
 *   const content = createSceneContent(scene, palette, renderer.capabilities.maxTextureSize);
 *   threeScene.add(content.group);
 *   content.setPalette(darkPalette);   ...   content.dispose();
 */
import * as THREE from "three";
import { createFaceMesh } from "./face-mesh.js";
import { setFacePalette } from "./face-material.js";
import { createGuides } from "./guides.js";
import { createLabels } from "./labels.js";

/**
 * Elements of a scene whose colour textures are computed before its first frame; the faces past this budget
 * are drawn first with the shader's own colour rule and get their textures in slices afterwards (face-mesh.js).
 */
export const SYNC_COLORS = 1 << 20;

/**
 * @param {import("./scene-decode.js").DecodedScene} scene
 * @param {object} palette themes.js palette
 * @param {number} maxTextureSize the renderer's MAX_TEXTURE_SIZE (wider matrices are wrapped)
 * @param {{onColors?: () => void, onColorsDone?: () => void, syncColors?: number}} [opts] onColors: a deferred colour
 *   texture is in use (draw again); onColorsDone: every deferred colour texture is (called at once when none was
 *   deferred); syncColors: the elements coloured before the first frame (default SYNC_COLORS)
 */
export function createSceneContent(scene, palette, maxTextureSize, { onColors, onColorsDone, syncColors = SYNC_COLORS } = {}) {
  const group = new THREE.Group();
  group.name = "scene";
  group.position.fromArray(scene.center || [0, 0, 0]);
  // Colours of the first SYNC_COLORS elements now; those of larger scenes after the first frame, in slices
  let budget = syncColors;
  const faces = scene.faces.map((face) => {
    const n = face.values.length;
    const deferColors = n > budget;
    if (!deferColors) budget -= n;
    return createFaceMesh(face, scene, palette, maxTextureSize, { deferColors });
  });
  let live = true;
  const deferred = faces.filter((f) => !f.colors);
  if (deferred.length) {
    // after the first frame (the next animation frame, then a task), largest faces first
    deferred.sort((a, b) => b.texture.image.data.length - a.texture.image.data.length);
    requestAnimationFrame(() => setTimeout(async () => {
      for (const f of deferred) {
        if (!live) return;
        if (await f.computeColors() && live) onColors?.();
      }
      if (live) onColorsDone?.();
    }, 0));
  } else {
    onColorsDone?.();
  }
  for (const f of faces) group.add(f.mesh);
  const deco = createGuides(scene.guides, scene.arrows, palette);
  const labels = createLabels(scene.labels, palette);
  group.add(deco.group, labels.group);

  return {
    group,
    /** The face meshes (userData.face is the decoded face). */
    faceMeshes: () => faces.map((f) => f.mesh),
    setPalette(p) {
      for (const f of faces) setFacePalette(f.material, p);
      deco.setPalette(p);
      labels.setPalette(p);
    },
    dispose() {
      live = false;
      group.removeFromParent();
      for (const f of faces) f.dispose();
      deco.dispose();
      labels.dispose();
    },
  };
}
