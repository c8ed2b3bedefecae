/**
 * Name and shape legends (scene `labels`) as flat text quads drawn from canvas textures.
 *
 * Each label is a quad in the plane spanned by its `right` and `up` vectors, `size` world units
 * tall, centred on `position`. The vertex shader looks at how the label's right and up vectors
 * land on the screen: seen from behind (mirrored) the text is flipped back, and when it would read
 * right to left (or downward) it is turned half a turn, so it reads left to right or upward (mm
 * rebuilds its text meshes for the same purpose).
 *
 * @example
 *   const labels = createLabels(scene.labels, palette);
 *   group.add(labels.group);  labels.setPalette(darkPalette);  labels.dispose();
 */
import * as THREE from "three";
import { rawColor } from "./face-material.js";

const VERTEX = /* glsl */ `
uniform vec3 anchor;     // label centre, right and up (local coordinates of the label group)
uniform vec3 rightDir;
uniform vec3 upDir;
out vec2 vUv;
vec2 screen(vec3 p) { vec4 c = projectionMatrix * modelViewMatrix * vec4(p, 1.0); return c.xy / max(abs(c.w), 1e-6); }
void main() {
  vec2 o = screen(anchor), r = screen(anchor + rightDir) - o, u = screen(anchor + upDir) - o;
  vec2 t = uv;
  if (r.x * u.y - r.y * u.x < 0.0) { t.x = 1.0 - t.x; r = -r; }   // mirrored: seen from behind
  // reading right to left (or top to bottom): half a turn, so text reads left to right or upward
  float len = length(r);
  if (r.x < -0.17 * len || (abs(r.x) <= 0.17 * len && r.y < 0.0)) t = 1.0 - t;
  vUv = t;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

const FRAGMENT = /* glsl */ `
precision highp float;
uniform sampler2D map;
uniform vec3 color;
in vec2 vUv;
out vec4 outColor;
void main() {
  float a = texture(map, vUv).a;
  if (a < 0.02) discard;
  outColor = vec4(color, a);
}`;

const FONT = "600 64px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const FONT_PX = 64;

/** A label longer than this is cut (with an ellipsis): a name is text, and its canvas must stay small. */
export const MAX_LABEL_CHARS = 120;
/** Widest label canvas (px): below every browser's texture limit. */
const MAX_CANVAS_W = 4096;

/** The text a label draws: always plain text (fillText never parses markup), cut to MAX_LABEL_CHARS. */
export function labelText(text) {
  const t = String(text ?? "").replace(/[\u0000-\u001f\u007f]+/g, " ");
  return t.length > MAX_LABEL_CHARS ? `${t.slice(0, MAX_LABEL_CHARS - 1)}…` : t;
}

/** Draw text white-on-transparent into a canvas; returns the canvas and its aspect (width / height). */
export function textCanvas(text) {
  text = labelText(text);
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  ctx.font = FONT;
  const w = Math.min(MAX_CANVAS_W, Math.max(1, Math.ceil(ctx.measureText(text).width)) + 16);
  const h = Math.ceil(FONT_PX * 1.3);
  canvas.width = w;
  canvas.height = h;
  ctx.font = FONT;
  ctx.fillStyle = "#ffffff";
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
  return { canvas, aspect: w / h };
}

/**
 * @param {import("./scene-decode.js").Label[]} labels
 * @param {object} palette
 */
export function createLabels(labels, palette) {
  const group = new THREE.Group();
  group.name = "labels";
  const items = [];
  for (const label of labels) {
    if (!label.text || !(label.size > 0)) continue;
    const { canvas, aspect } = textCanvas(String(label.text));
    const texture = new THREE.CanvasTexture(canvas);
    texture.minFilter = THREE.LinearMipmapLinearFilter;
    texture.magFilter = THREE.LinearFilter;
    texture.anisotropy = 4;
    const right = new THREE.Vector3(...label.right).normalize();
    const up = new THREE.Vector3(...label.up).normalize();
    const h = label.size * 1.3;   // the canvas is 1.3 font sizes tall
    const w = h * aspect;
    const c = new THREE.Vector3(...label.position);
    const corner = (sx, sy) => c.clone().addScaledVector(right, sx * w / 2).addScaledVector(up, sy * h / 2);
    const pts = [corner(-1, -1), corner(1, -1), corner(-1, 1), corner(1, 1)];
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute("position", new THREE.Float32BufferAttribute(pts.flatMap((p) => p.toArray()), 3));
    geometry.setAttribute("uv", new THREE.Float32BufferAttribute([0, 0, 1, 0, 0, 1, 1, 1], 2));
    geometry.setIndex([0, 1, 2, 2, 1, 3]);
    const material = new THREE.ShaderMaterial({
      glslVersion: THREE.GLSL3, vertexShader: VERTEX, fragmentShader: FRAGMENT,
      uniforms: {
        map: { value: texture }, color: { value: rawColor(colorOf(label, palette)) },
        anchor: { value: c.clone() }, rightDir: { value: right.clone() }, upDir: { value: up.clone() },
      },
      side: THREE.DoubleSide, transparent: true, depthWrite: false,
    });
    const mesh = new THREE.Mesh(geometry, material);
    mesh.name = `label:${label.text}`;
    mesh.renderOrder = 2;
    mesh.userData.label = label;
    group.add(mesh);
    items.push({ label, mesh, texture, material, geometry });
  }
  return {
    group,
    setPalette(p) {
      for (const it of items) it.material.uniforms.color.value.copy(rawColor(colorOf(it.label, p)));
    },
    dispose() {
      for (const it of items) {
        it.geometry.dispose();
        it.material.dispose();
        it.texture.dispose();
      }
    },
  };
}

function colorOf(label, palette) {
  return label.kind === "shape" ? palette.shapeText : palette.text;
}
