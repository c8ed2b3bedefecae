/**
 * One matrix (a decoded scene face) as one quad mesh with a float data texture.
 *
 * Geometry is four vertices whatever the matrix size; GPU memory is 8 bytes per element: the values
 * (R32F, for the value anchor of the animation patches) and mm's colour and size precomputed once
 * (RGBA8, face-colors.js), which is what the shader reads on its common path.
 * Element (r, c) sits at p00 + rowOffsets[r] * row_dir + colOffsets[c] * col_dir (world coordinates
 * before centring); the quad spans half a cell beyond the first and last elements.
 *
 * @example
 *   const fm = createFaceMesh(scene.faces[0], scene, palette, renderer.capabilities.maxTextureSize);
 *   group.add(fm.mesh);   ...   fm.dispose();
 */
import * as THREE from "three";
import { createFaceMaterial } from "./face-material.js";
import { faceColorBytes } from "./face-colors.js";

/**
 * Texture layout for H*W values: direct (texture W x H, no copy) when both fit, else the row-major
 * values wrapped into rows of `width` texels (padded copy).
 * @returns {{width: number, height: number, data: Float32Array}}
 */
export function textureLayout(values, H, W, maxSize) {
  if (W <= maxSize && H <= maxSize) return { width: Math.max(W, 1), height: Math.max(H, 1), data: values.length ? values : new Float32Array(1) };
  const n = H * W;
  const width = Math.min(maxSize, 4096);
  const height = Math.ceil(n / width);
  if (height > maxSize) {
    throw new Error(`matrix ${H}×${W} (${n} elements) does not fit a ${maxSize}×${maxSize} texture`);
  }
  const data = new Float32Array(width * height);
  data.set(values);
  return { width, height, data };
}

/** Quad corners (world) and their cell coordinates (offset units) for a face. */
export function faceQuad(face) {
  const [H, W] = face.shape;
  const rowEnd = (H ? face.rowOffsets[H - 1] : 0) + 0.5;
  const colEnd = (W ? face.colOffsets[W - 1] : 0) + 0.5;
  const corner = (a, b) => [0, 1, 2].map((d) => face.p00[d] + a * face.row_dir[d] + b * face.col_dir[d]);
  const rows = [-0.5, rowEnd], cols = [-0.5, colEnd];
  const positions = [], cells = [];
  for (const a of rows) {
    for (const b of cols) {
      positions.push(...corner(a, b));
      cells.push(b, a);
    }
  }
  return { positions, cells };
}

/**
 * @param {import("./scene-decode.js").DecodedFace} face
 * @param {{gap: number, viz: object}} scene
 * @param {object} palette theme palette (themes.js)
 * @param {number} maxTextureSize
 */
export function createFaceMesh(face, scene, palette, maxTextureSize) {
  const [H, W] = face.shape;
  const layout = textureLayout(face.values, H, W, maxTextureSize);
  const texture = new THREE.DataTexture(layout.data, layout.width, layout.height, THREE.RedFormat, THREE.FloatType);
  texture.magFilter = THREE.NearestFilter;
  texture.minFilter = THREE.NearestFilter;
  texture.generateMipmaps = false;
  texture.needsUpdate = true;

  const colorRange = face.color_range || [0, face.absmax || 1];
  const colorBytes = faceColorBytes(layout.data, layout.width * layout.height, colorRange, scene.viz);
  const colors = new THREE.DataTexture(colorBytes, layout.width, layout.height, THREE.RGBAFormat, THREE.UnsignedByteType);
  colors.magFilter = THREE.NearestFilter;
  colors.minFilter = THREE.NearestFilter;
  colors.generateMipmaps = false;
  colors.needsUpdate = true;

  const { positions, cells } = faceQuad(face);
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.Float32BufferAttribute(positions, 3));
  geometry.setAttribute("cell", new THREE.Float32BufferAttribute(cells, 2));
  geometry.setIndex([0, 2, 1, 1, 2, 3]);
  geometry.computeBoundingSphere();
  geometry.computeBoundingBox();

  const material = createFaceMaterial({
    texture, colors, texWidth: layout.width, shape: [H, W],
    blockSize: [face.blocks.i[1] || H || 1, face.blocks.j[1] || W || 1],
    gap: scene.gap, colorRange, viz: scene.viz, palette,
  });
  const mesh = new THREE.Mesh(geometry, material);
  mesh.name = face.name;
  mesh.userData.face = face;
  return {
    mesh, texture, colors, material, geometry,
    /** Free GPU resources; three.js keeps a CPU copy of the texture data until then. */
    dispose() {
      geometry.dispose();
      material.dispose();
      texture.dispose();
      colors.dispose();
    },
  };
}
