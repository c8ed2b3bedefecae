/**
 * Intermediate planes of an animated matmul node, drawn by the renderer's face shader with the
 * value replaced by a product of the argument textures: `L[i, k] * R[k, j]` (vmprod "kj" plane at
 * row i, mvprod "ik" plane at column j, vvprod "ij" plane at depth k; the dot-product and axpy
 * sweeps show one line of it) or a split-k partial sum over one k block ("partial" planes). One
 * mesh per block of the fixed axis; moving a plane is a uniform and a mesh position, never an upload.
 *
 * Geometry: a product (i, k, j) sits over the result element (i, j), at the depth of column k of
 * the left argument face (so the planes line up with the left face's columns, gaps included).
 *
 * @example
 *   const planes = createNodePlanes({track, faces, meshes, scene, palette});
 *   group.add(planes.group);  planes.update(trackAt(track, step, cycle));  planes.dispose();
 */
import * as THREE from "three";
import { createFaceMaterial, setFacePalette } from "../render/face-material.js";
import { ANCHORS } from "./face-patch.js";

const PLANE_DECLS = /* glsl */ `
uniform sampler2D animL;
uniform sampler2D animR;
uniform ivec4 animLR;        // (L texture width, K, R texture width, J)
uniform int animKind;        // 0 "kj" (row i fixed), 1 "ik" (column j fixed), 2 "ij" (depth k fixed), 3 partial sum
uniform int animFixed;       // the fixed absolute index
uniform ivec3 animLine;      // (axis 0 none / 1 rows / 2 columns, block-local index, block size on that axis)
uniform ivec2 animKRange;    // partial: [k0, k1)
uniform ivec3 animReveal;    // partial: (order, current local row, column) lexicographic reveal, order -1 = all

float animLoad(sampler2D t, int w, int idx) { return texelFetch(t, ivec2(idx % w, idx / w), 0).r; }

float animProduct(int r, int c) {
  int K = animLR.y, J = animLR.w;
  if (animKind == 3) {
    float acc = 0.0;
    for (int k = animKRange.x; k < animKRange.y; k++)
      acc += animLoad(animL, animLR.x, r * K + k) * animLoad(animR, animLR.z, k * J + c);
    return acc;
  }
  int i = animKind == 0 ? animFixed : r;
  int k = animKind == 0 ? r : (animKind == 1 ? c : animFixed);
  int j = animKind == 0 ? c : (animKind == 1 ? animFixed : c);
  return animLoad(animL, animLR.x, i * K + k) * animLoad(animR, animLR.z, k * J + j);
}
`;

function patchPlane(src) {
  for (const name of ["main", "cell", "value"]) {
    const pat = ANCHORS[name];
    const ok = typeof pat === "string" ? src.includes(pat) : pat.test(src);
    if (!ok) throw new Error(`animation: the face shader has no '${name}' anchor; expected face-material.js to keep it`);
  }
  const filter = `
  if (animLine.x == 1 && r % animLine.z != animLine.y) discard;
  if (animLine.x == 2 && c % animLine.z != animLine.y) discard;
  if (animReveal.x >= 0) {
    int lr = r % blockSize.y, lc = c % blockSize.x;
    bool vis = animReveal.x == 0 ? (lr < animReveal.y || (lr == animReveal.y && lc <= animReveal.z))
                                 : (lc < animReveal.z || (lc == animReveal.z && lr <= animReveal.y));
    if (!vis) discard;
  }`;
  return src
    .replace(ANCHORS.main, PLANE_DECLS + "\n" + ANCHORS.main)
    .replace(ANCHORS.cell, (m) => m + filter)
    .replace(ANCHORS.value, "float v = animProduct(r, c);");
}

const sub = (a, b) => a.map((x, d) => x - b[d]);
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const scale = (a, s) => a.map((x) => x * s);

/** A quad: rows along `rowVec` (offsets `rowOff`), columns along `colVec`, element (0, 0) at `origin`. */
function quad(origin, rowVec, colVec, rowOff, colOff) {
  const rowEnd = (rowOff.length ? rowOff[rowOff.length - 1] : 0) + 0.5;
  const colEnd = (colOff.length ? colOff[colOff.length - 1] : 0) + 0.5;
  const positions = [], cells = [];
  for (const a of [-0.5, rowEnd]) {
    for (const b of [-0.5, colEnd]) {
      positions.push(...[0, 1, 2].map((d) => origin[d] + a * rowVec[d] + b * colVec[d]));
      cells.push(b, a);
    }
  }
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.Float32BufferAttribute(positions, 3));
  g.setAttribute("cell", new THREE.Float32BufferAttribute(cells, 2));
  g.setIndex([0, 2, 1, 1, 2, 3]);
  g.computeBoundingSphere();
  return g;
}

/**
 * @param {{track: import("./schedule.js").AnimTrack, faces: Map<string, object>, meshes: Map<string, THREE.Mesh>,
 *          scene: object, palette: object, partialRange: number[]}} opts
 */
export function createNodePlanes({ track, faces, meshes, scene, palette }) {
  const res = faces.get(track.path), L = faces.get(track.left), R = faces.get(track.right);
  const lu = meshes.get(track.left).material.uniforms, ru = meshes.get(track.right).material.uniforms;
  const [I, K, J] = track.shape;
  const [si, sk, sj] = track.block_size;
  const [ib, kb, jb] = track.blocks;
  const n = cross(res.row_dir, res.col_dir);
  const s = dot(L.col_dir, n);                          // ±1: k runs along ±n
  const dL0 = dot(sub(L.p00, res.p00), n);
  const kdir = scale(n, s);
  const kOff = L.colOffsets;
  const depth = (k) => dL0 + s * kOff[k];               // along n, relative to the result face
  const base = res.p00.map((x, d) => x + n[d] * dL0);
  const group = new THREE.Group();
  group.name = `anim ${track.path || "root"}`;
  const planes = [];

  function material(rows, cols, rowBlock, colBlock, range) {
    const m = createFaceMaterial({
      texture: lu.data.value, texWidth: 1, shape: [rows, cols], blockSize: [rowBlock, colBlock],
      gap: scene.gap, colorRange: range, viz: scene.viz, palette,
    });
    Object.assign(m.uniforms, {
      animL: { value: lu.data.value }, animR: { value: ru.data.value },
      animLR: { value: new THREE.Vector4(lu.texWidth.value, K, ru.texWidth.value, J) },
      animKind: { value: 0 }, animFixed: { value: 0 }, animLine: { value: new THREE.Vector3(0, 0, 1) },
      animKRange: { value: new THREE.Vector2(0, 0) }, animReveal: { value: new THREE.Vector3(-1, 0, 0) },
    });
    m.fragmentShader = patchPlane(m.fragmentShader);
    // Drawn before the faces and writing depth: a face in front blends over the plane, a face
    // behind it is hidden where the plane draws (the gaps between discs are discarded, no depth).
    m.depthWrite = true;
    return m;
  }

  function add(kind, geometry, mat, block, extra = {}) {
    mat.uniforms.animKind.value = kind;
    const mesh = new THREE.Mesh(geometry, mat);
    mesh.visible = false;
    mesh.renderOrder = -1;
    group.add(mesh);
    planes.push({ kind, mesh, mat, geometry, block, ...extra });
  }

  const range = track.product_range || [0, 1];
  const alg = track.alg;
  if (alg === "vmprod" || alg === "dotprod (row major)") {
    for (let b = 0; b < ib; b++) add(0, quad(base, kdir, res.col_dir, kOff, res.colOffsets), material(K, J, sk, sj, range), b);
  } else if (alg === "mvprod" || alg === "dotprod (col major)") {
    for (let b = 0; b < jb; b++) add(1, quad(base, res.row_dir, kdir, res.rowOffsets, kOff), material(I, K, si, sk, range), b);
  } else {
    for (let b = 0; b < kb; b++) add(2, quad(base, res.row_dir, res.col_dir, res.rowOffsets, res.colOffsets), material(I, J, si, sj, range), b);
  }
  if (kb > 1 && alg !== "vvprod" && alg !== "axpy") {
    // split-k partial sums: one plane per k block, at the block's edge nearest the result face
    // (the nearest block's plane lies on the result face itself)
    const resRange = res.color_range || [0, res.absmax || 1];
    const near = Math.abs(depth(0)) < Math.abs(depth(K - 1)) ? 0 : K - 1;
    const nearBlock = Math.floor(near / sk);
    for (let b = 0; b < kb; b++) {
      const k0 = b * sk, k1 = Math.min(K, k0 + sk);
      const edge = Math.abs(depth(k0)) < Math.abs(depth(k1 - 1)) ? k0 : k1 - 1;
      const d = b === nearBlock ? 0 : depth(edge) - Math.sign(depth(edge)) * (scene.gap / 2 + 0.5);
      const origin = res.p00.map((x, dd) => x + n[dd] * d);
      const mat = material(I, J, si, sj, resRange);
      mat.uniforms.animKRange.value.set(k0, k1);
      add(3, quad(origin, res.row_dir, res.col_dir, res.rowOffsets, res.colOffsets), mat, b);
    }
  }

  /** Show the planes of one track state. @param {import("./schedule.js").TrackState} st */
  function update(st) {
    const active = st.phase === "active";
    for (const p of planes) {
      const u = p.mat.uniforms;
      if (!active) { p.mesh.visible = false; continue; }
      const idx = st.idx;
      if (p.kind === 3) {
        const order = alg === "vmprod" || alg === "dotprod (row major)" ? 0 : 1;
        const big = 1 << 30;
        const row = idx.i ?? big, col = idx.j ?? big;
        u.animReveal.value.set(order, row, col);
        p.mesh.visible = true;
        continue;
      }
      let fixed, ext, line = [0, 0, 1];
      if (p.kind === 0) {
        fixed = p.block * si + idx.i; ext = Math.min(I, (p.block + 1) * si);
        p.mesh.position.set(...scale(res.row_dir, res.rowOffsets[Math.min(fixed, I - 1)]));
        if (idx.j !== undefined) line = [2, idx.j, sj];
      } else if (p.kind === 1) {
        fixed = p.block * sj + idx.j; ext = Math.min(J, (p.block + 1) * sj);
        p.mesh.position.set(...scale(res.col_dir, res.colOffsets[Math.min(fixed, J - 1)]));
        if (idx.i !== undefined) line = [1, idx.i, si];
      } else {
        fixed = p.block * sk + idx.k; ext = Math.min(K, (p.block + 1) * sk);
        p.mesh.position.set(...scale(kdir, kOff[Math.min(fixed, K - 1)]));
        if (idx.j !== undefined) line = [2, idx.j, sj];
      }
      p.mesh.visible = fixed < ext;
      u.animFixed.value = fixed;
      u.animLine.value.set(...line);
    }
  }

  function setPalette(pal) {
    for (const p of planes) setFacePalette(p.mat, pal);
  }

  function dispose() {
    for (const p of planes) { p.geometry.dispose(); p.mat.dispose(); }
    group.clear();
  }

  return { group, planes, update, setPalette, dispose };
}
