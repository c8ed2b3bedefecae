/**
 * Row guides (border and row lines plus the (0,0) corner mark) and flow arrows.
 *
 * Guides: scene `guides[i].lines` is a Float32Array of n segments × 2 points × xyz, drawn as one
 * LineSegments per guide with the guide's alpha; `corner` is a filled triangle.
 * Arrows: each arrow's `points` is a polygon (a vane) filled as a triangle fan; the left
 * argument's vane is blue and the right argument's red, as mm draws them.
 *
 * @example
 *   const deco = createGuides(scene.guides, scene.arrows, palette);
 *   group.add(deco.group);  deco.setPalette(p);  deco.dispose();
 */
import * as THREE from "three";

/** Opacity of the flow vanes (mm: "flow guides" 0.5). */
const ARROW_OPACITY = 0.5;

/**
 * @param {import("./scene-decode.js").Guide[]} guides
 * @param {import("./scene-decode.js").Arrow[]} arrows
 * @param {object} palette
 */
export function createGuides(guides, arrows, palette) {
  const group = new THREE.Group();
  group.name = "guides";
  const disposables = [];
  const lineMaterials = [];
  const arrowMaterials = [];

  for (const guide of guides) {
    const alpha = guide.alpha ?? 0.6;
    if (alpha <= 0) continue;
    const material = new THREE.LineBasicMaterial({ color: palette.guide, transparent: true, opacity: alpha, depthWrite: false });
    lineMaterials.push(material);
    disposables.push(material);
    if (guide.lines && guide.lines.length >= 6) {
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute("position", new THREE.BufferAttribute(new Float32Array(guide.lines), 3));
      disposables.push(geometry);
      const lines = new THREE.LineSegments(geometry, material);
      lines.name = `guide:${guide.face}`;
      group.add(lines);
    }
    if (Array.isArray(guide.corner) && guide.corner.length === 3) {
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute("position", new THREE.Float32BufferAttribute(guide.corner.flat(), 3));
      disposables.push(geometry);
      const meshMaterial = new THREE.MeshBasicMaterial({
        color: palette.guide, transparent: true, opacity: alpha, side: THREE.DoubleSide, depthWrite: false,
      });
      lineMaterials.push(meshMaterial);
      disposables.push(meshMaterial);
      const corner = new THREE.Mesh(geometry, meshMaterial);
      corner.name = `corner:${guide.face}`;
      group.add(corner);
    }
  }

  for (const arrow of arrows) {
    const pts = arrow.points || [];
    if (pts.length < 3) continue;
    const index = [];
    for (let i = 1; i + 1 < pts.length; i++) index.push(0, i, i + 1);
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.Float32BufferAttribute(pts.flat(), 3));
    geometry.setIndex(index);
    disposables.push(geometry);
    const material = new THREE.MeshBasicMaterial({
      color: arrow.side === "right" ? palette.arrowRight : palette.arrowLeft,
      transparent: true, opacity: ARROW_OPACITY,
      side: THREE.DoubleSide, depthWrite: false,
    });
    material.userData.side = arrow.side;
    arrowMaterials.push(material);
    disposables.push(material);
    const mesh = new THREE.Mesh(geometry, material);
    mesh.name = `arrow:${arrow.node}:${arrow.side}`;
    group.add(mesh);
  }

  return {
    group,
    setPalette(p) {
      for (const m of lineMaterials) m.color.set(p.guide);
      for (const m of arrowMaterials) m.color.set(m.userData.side === "right" ? p.arrowRight : p.arrowLeft);
    },
    dispose() {
      for (const d of disposables) d.dispose();
    },
  };
}
