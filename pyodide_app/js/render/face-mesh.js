/**
 * One matrix (a decoded scene face) as one quad mesh with a float data texture.
 *
 * Geometry is four vertices whatever the matrix size; GPU memory is 8 bytes per element: the values
 * (R32F, for the value anchor of the animation patches) and mm's colour and size precomputed once
 * (RGBA8, face-colors.js), which is what the shader reads on its common path. With `deferColors` the
 * face is first drawn with the shader's own colour rule (EXACT_COLOR: the same colours within one 8-bit
 * step) and `computeColors()` fills the texture later in slices between frames, so a very large scene
 * shows its first frame without waiting for the colour pass.
 * Element (r, c) sits at p00 + rowOffsets[r] * row_dir + colOffsets[c] * col_dir (world coordinates
 * before centring); the quad spans half a cell beyond the first and last elements.
 *
 * @example
 *   const fm = createFaceMesh(scene.faces[0], scene, palette, renderer.capabilities.maxTextureSize);
 *   group.add(fm.mesh);   ...   fm.dispose();
 */
import * as THREE from "three";
import { createFaceMaterial } from "./face-material.js";
import { faceColorBytes, faceColorsInto } from "./face-colors.js";

/** Elements coloured per slice of a deferred colour pass (a few tens of ms on a slow machine). */
export const COLOR_SLICE = 1 << 19;

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
 * @param {{deferColors?: boolean}} [opts]
 */
export function createFaceMesh(face, scene, palette, maxTextureSize, { deferColors = false } = {}) {
  const [H, W] = face.shape;
  const layout = textureLayout(face.values, H, W, maxTextureSize);
  const texture = new THREE.DataTexture(layout.data, layout.width, layout.height, THREE.RedFormat, THREE.FloatType);
  texture.magFilter = THREE.NearestFilter;
  texture.minFilter = THREE.NearestFilter;
  texture.generateMipmaps = false;
  texture.needsUpdate = true;

  const colorRange = face.color_range || [0, face.absmax || 1];
  const colorTexture = (bytes) => {
    const t = new THREE.DataTexture(bytes, layout.width, layout.height, THREE.RGBAFormat, THREE.UnsignedByteType);
    t.magFilter = THREE.NearestFilter;
    t.minFilter = THREE.NearestFilter;
    t.generateMipmaps = false;
    t.needsUpdate = true;
    return t;
  };
  let colors = deferColors ? null
    : colorTexture(faceColorBytes(layout.data, layout.width * layout.height, colorRange, scene.viz));
  let disposed = false;

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
  /**
   * Fill the deferred colour texture, one slice per task, and switch the shader to it (unless a sensitivity
   * override or an animation patch keeps it on its own colour rule). Resolves to true once switched (false
   * when there was nothing to do or the face was disposed first).
   */
  async function computeColors() {
    if (colors || disposed) return false;
    const n = layout.data.length;
    const out = new Uint32Array(Math.max(layout.width * layout.height, 1));
    for (let i = 0; i < n; i += COLOR_SLICE) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (disposed) return false;
      faceColorsInto(out, layout.data, i, Math.min(i + COLOR_SLICE, n), colorRange, scene.viz);
    }
    colors = colorTexture(new Uint8Array(out.buffer));
    const u = material.uniforms, defines = material.defines;
    u.colors.value = colors;
    if (material.userData.patched) return true;   // an animation patch computes colours itself
    if (u.range.value.x === colorRange[0] && u.range.value.y === colorRange[1]) {
      delete defines.EXACT_COLOR;
      material.needsUpdate = true;
    } else {
      material.userData.exactForOverride = true;   // figure-display.js switches back when the override ends
    }
    return true;
  }

  return {
    mesh, texture, material, geometry, computeColors,
    /** The colour texture (null while a deferred colour pass has not finished). */
    get colors() { return colors; },
    /** Free GPU resources; three.js keeps a CPU copy of the texture data until then. */
    dispose() {
      disposed = true;
      geometry.dispose();
      material.dispose();
      texture.dispose();
      colors?.dispose();
    },
  };
}
