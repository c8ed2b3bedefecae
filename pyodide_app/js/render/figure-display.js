/**
 * Display settings applied to a figure's scene content (sensitivity override, legends, row guides)
 * and the clipboard helper of the figure's export buttons. Used by figure.js.
 *
 * @example
 *   applySceneDisplay(scene, content, legend, {sensitivity: "local", legends: false, rowGuides: true});
 *   await copyText("https://…", "Copy this link:");   // true when copied (or shown for copying)
 */
import { faceColorRanges, sceneWithSensitivity } from "./display-settings.js";

/**
 * Colour a face material with another range (a sensitivity override). The shader's exact path reads
 * the range uniforms; a material whose colours were precomputed for the scene's own range (a `colors`
 * texture) is switched to that path (define EXACT_COLOR) while an override is on.
 */
export function setFaceRange(material, [lo, hi], override) {
  const u = material.uniforms;
  if (!u.range || !u.invDiff) return;
  u.range.value.set(lo, hi);
  u.invDiff.value = hi > lo ? 1 / (hi - lo) : 0;
  if (!u.colors || u.colors.value === u.data?.value) return;
  const defines = material.defines || (material.defines = {});
  if (override && !defines.EXACT_COLOR) {
    defines.EXACT_COLOR = 1;
    material.userData.exactForOverride = true;
    material.needsUpdate = true;
  } else if (!override && material.userData.exactForOverride) {
    delete defines.EXACT_COLOR;
    material.userData.exactForOverride = false;
    material.needsUpdate = true;
  }
}

/**
 * Apply display settings: colour ranges of the faces, the legend, the visibility of labels and row guides.
 * @param {object} scene decoded scene
 * @param {{faceMeshes: () => object[], group: object} | null} content scene-content.js objects (or null)
 * @param {{update: (scene: object) => void}} legend
 * @param {{sensitivity: string | null, legends: boolean, rowGuides: boolean}} display
 */
export function applySceneDisplay(scene, content, legend, display) {
  legend.update(sceneWithSensitivity(scene, display.sensitivity));
  if (!content) return;
  const ranges = faceColorRanges(scene, display.sensitivity);
  content.faceMeshes().forEach((mesh, i) => setFaceRange(mesh.material, ranges[i], display.sensitivity !== null));
  content.group.traverse((o) => {
    if (o.name === "labels") o.visible = display.legends;
    else if (o.name.startsWith("guide:") || o.name.startsWith("corner:")) o.visible = display.rowGuides;
  });
}

/** Copy text to the clipboard; without clipboard access, show it in a prompt. Returns false for no text. */
export async function copyText(text, promptLabel) {
  if (!text) return false;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    window.prompt(promptLabel, text);
  }
  return true;
}
