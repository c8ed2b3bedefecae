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
 * @param {import("./scene-decode.js").DecodedScene} scene
 * @param {object} palette themes.js palette
 * @param {number} maxTextureSize the renderer's MAX_TEXTURE_SIZE (wider matrices are wrapped)
 */
export function createSceneContent(scene, palette, maxTextureSize) {
  const group = new THREE.Group();
  group.name = "scene";
  group.position.fromArray(scene.center || [0, 0, 0]);
  const faces = scene.faces.map((face) => createFaceMesh(face, scene, palette, maxTextureSize));
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
      group.removeFromParent();
      for (const f of faces) f.dispose();
      deco.dispose();
      labels.dispose();
    },
  };
}
