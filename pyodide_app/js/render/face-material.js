/**
 * The shader that draws a whole matrix on one quad (DESIGN §6).
 *
 * The quad carries, per vertex, its position in "offset units" along columns and rows (the same
 * units as the face's col/row offsets: element (r, c) is centred at (colOffset(c), rowOffset(r))).
 * The fragment shader finds the element under the pixel, skipping block gaps
 * (offset(r) = r + floor(r / s) * gap), reads its value from an R32F texture with texelFetch and
 * draws mm's element: a disc sized and coloured by value with mm's HSL mapping, zero invisible,
 * NaN a ring and ±Infinity a full disc in the palette's mark colour. When a cell is smaller than
 * about 2 px the disc turns into a filled square whose opacity follows the disc size; faint grid
 * lines at cell borders fade in when cells are larger than about 5 px (level of detail).
 *
 * @example
 *   const material = createFaceMaterial({texture, texWidth: W, shape: [H, W], blockSize: [si, sj], gap: 4,
 *                                         colorRange: [0, 1], viz, palette});
 */
import * as THREE from "three";

const VERTEX = /* glsl */ `
in vec2 cell;
out vec2 vCell;
void main() {
  vCell = cell;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

// The animation player (pyodide_app/js/anim/face-patch.js, planes.js) patches this shader at four
// anchors: "void main() {", "if (c < 0 || r < 0) discard;", "float v = texelFetch(data, ...);" and
// "outColor = vec4(outRgb,". Keep those lines as they are. A patched shader may compute v itself,
// so any change of the material's fragmentShader switches it to EXACT_COLOR (colour from v).
//
// Cost (software WebGL is fill-bound): the common path reads mm's colour and size from a
// precomputed RGBA8 texture (face-colors.js) instead of evaluating the HSL rule per pixel; measured
// with scripts/bench_face_shader.py.
const FRAGMENT = /* glsl */ `
precision highp float;
precision highp int;
precision highp sampler2D;
uniform sampler2D data;
uniform sampler2D colors;     // RGBA8 colour and size code per element (unless EXACT_COLOR)
uniform int texWidth;
uniform ivec2 dims;          // (W, H)
uniform ivec2 blockSize;     // (column block size, row block size)
uniform float gap;
uniform vec2 range;          // (absmin, absmax) of the colour mapping
uniform float invDiff;       // 1 / (absmax - absmin), or 0 when absmax <= absmin
uniform vec3 hueParams;      // zero_hue, hue_gap, hue_spread
uniform vec3 lightSize;      // min light, max light (both as mm clamps them), min_size
uniform float elemDiameter;  // full element diameter in cells
uniform vec3 markColor;      // NaN / Infinity
uniform vec3 gridColor;
uniform float gridAlpha;
uniform float opacity;
uniform ivec2 highlight;     // (row, col): that element ringed; (row, -1): that row; (-1, col): that column; (-1, -1): none
in vec2 vCell;
out vec4 outColor;

// Index along one axis for a coordinate in offset units; -1 in a block gap or outside.
int axisIndex(float x, int s, int n, out float frac) {
  float xs = x + 0.5;
  float pitch = float(s) + gap;
  float b = floor(xs / pitch);
  float w = xs - b * pitch;
  frac = fract(w);
  if (w >= float(s) || xs < 0.0) return -1;
  int idx = int(b) * s + int(floor(w));
  return idx >= n ? -1 : idx;
}

vec3 hsl(float h, float l) {   // saturation 1, as mm (branch-free form of the HSL -> RGB rule)
  float a = min(l, 1.0 - l);
  vec3 k = mod(vec3(0.0, 8.0, 4.0) + h * 12.0, 12.0);
  return l - a * clamp(min(k - 3.0, 9.0 - k), -1.0, 1.0);
}

void main() {
  vec2 fw = fwidth(vCell);
  float pw = max(max(fw.x, fw.y), 1e-6);   // cells per pixel
  float fc, fr;
#ifdef BLOCKED
  int c = axisIndex(vCell.x, blockSize.x, dims.x, fc);
  int r = axisIndex(vCell.y, blockSize.y, dims.y, fr);
#else
  vec2 cf = vCell + 0.5;
  fc = fract(cf.x);
  fr = fract(cf.y);
  int c = int(floor(cf.x)), r = int(floor(cf.y));
  if (c >= dims.x || r >= dims.y) c = -1;
#endif
  if (c < 0 || r < 0) discard;
#ifdef WRAPPED
  int idx = r * dims.x + c;
  ivec2 texel = ivec2(idx % texWidth, idx / texWidth);   // values wrapped into rows of texWidth texels
#else
  ivec2 texel = ivec2(c, r);                           // texture W x H
#endif
  float v = texelFetch(data, texel, 0).r;

#ifdef EXACT_COLOR
  // mm's colour and size from v, branch-free (t is |x| normalised into the colour range, clamped)
  float av = abs(v);
  float sgn = sign(v);
  float rel = (av - range.x) * invDiff;                 // invDiff = 0 when the range is empty
  float st = sqrt(clamp(rel, 0.0, 1.0));
  float hue = fract(hueParams.x + sgn * (hueParams.y + rel * hueParams.z));
  vec3 col = hsl(hue, lightSize.x + (lightSize.y - lightSize.x) * st);
  float size = v == 0.0 ? 0.0 : lightSize.z + (1.0 - lightSize.z) * st;
  bool ring = isnan(v);
  if (ring || isinf(v)) { col = markColor; size = 1.0; }
#else
  // Precomputed on the CPU (face-colors.js): rgb = mm's colour, alpha = size code
  // (0 zero, 1 NaN, 2 ±Infinity, else 3 + size * 252). v itself is then unused.
  vec4 cs = texelFetch(colors, texel, 0);
  float code = cs.a * 255.0;
  bool ring = code > 0.5 && code < 1.5;
  bool mark = code > 0.5 && code < 2.5;
  vec3 col = mark ? markColor : cs.rgb;
  float size = mark ? 1.0 : max(code - 3.0, 0.0) * (1.0 / 252.0);
#endif
  float diameter = min(size * elemDiameter, 1.0);
  float alpha;
  vec3 rgb;
  float g = 0.0;
  // Software WebGL runs the code of every branch, taken or not, so the level of detail is chosen
  // per face on the CPU (lodDefines): NEAR_LOD where a cell may exceed ~1.5 px, GRID where it may
  // exceed ~4.5 px, HIGHLIGHT while something of this face is highlighted.
#ifdef NEAR_LOD
  if (pw > 0.6) {
#endif
    // Far: a cell is under ~1.7 px; a filled square whose opacity follows the disc size.
    alpha = diameter * (ring ? 0.6 : 1.0);
    rgb = col * 0.9;
#ifdef NEAR_LOD
  } else {
    // Near: an anti-aliased disc with a little shading (exact colour at its centre).
    float radius = 0.5 * diameter;
    float dist = length(vec2(fc, fr) - 0.5);
    float disc = radius > 0.0 ? clamp((radius - dist) / pw + 0.5, 0.0, 1.0) : 0.0;
    if (ring) disc *= clamp((dist - 0.6 * radius) / pw + 0.5, 0.0, 1.0);
    float q = clamp(dist / max(radius, 1e-3), 0.0, 1.0);
    float far = smoothstep(0.3, 0.6, pw);
    alpha = mix(disc, diameter * (ring ? 0.6 : 1.0), far);
    rgb = col * mix(1.0 - 0.28 * q * q, 0.9, far);
#ifdef GRID
    // Grid lines at cell borders, only while a cell is larger than ~5 px (fading out from ~12 px).
    if (pw < 0.2) {
      vec2 f = vec2(fc, fr);
      vec2 edge = min(f, 1.0 - f) / max(fw, vec2(1e-6));
      g = (1.0 - smoothstep(0.5, 1.2, min(edge.x, edge.y))) * (1.0 - smoothstep(0.08, 0.2, pw)) * gridAlpha;
    }
#endif
#ifdef HIGHLIGHT
    if (highlight.x == r && highlight.y == c) {
      g = max(g, 1.0 - smoothstep(0.0, 1.5 * pw, abs(dist - 0.5)));
    }
#endif
  }
#endif
#ifdef HIGHLIGHT
  // Row or column highlight (the arguments of a hovered result element): a translucent band.
  if ((highlight.x == r && highlight.y < 0) || (highlight.y == c && highlight.x < 0)) g = max(g, 0.3);
#endif

  float outA = alpha + g * (1.0 - alpha);
  if (outA * opacity < 0.01) discard;
  vec3 outRgb = (rgb * alpha + gridColor * g * (1.0 - alpha)) / outA;
  outColor = vec4(outRgb, outA * opacity);
}`;

/** A css colour as raw (sRGB-encoded) RGB for a shader that writes its output unconverted. */
export function rawColor(css) {
  return new THREE.Color(css).convertLinearToSRGB();
}

/** Full element diameter in cells: mm's point size at 45° fov makes elem_scale 1.25 ≈ 1.04 cells. */
export function elementDiameter(elemScale) {
  return elemScale * 2 * Math.tan(Math.PI / 8);
}

/**
 * @param {{texture: THREE.Texture, colors?: THREE.Texture, texWidth: number, shape: [number, number], blockSize: [number, number],
 *          gap: number, colorRange: [number, number], viz: object, palette: object}} opts
 *   blockSize is [row block size, column block size]; colors: the RGBA8 texture of faceColorBytes
 *   (same layout as texture); without it the shader evaluates mm's colour rule per pixel.
 */
export function createFaceMaterial({ texture, colors = null, texWidth, shape, blockSize, gap, colorRange, viz, palette }) {
  const [H, W] = shape;
  const minLight = Math.max(viz.min_light, 1e-5);
  const material = new THREE.ShaderMaterial({
    glslVersion: THREE.GLSL3,
    vertexShader: VERTEX,
    fragmentShader: FRAGMENT,
    uniforms: {
      data: { value: texture },
      colors: { value: colors || texture },
      texWidth: { value: texWidth },
      dims: { value: new THREE.Vector2(W, H) },
      blockSize: { value: new THREE.Vector2(blockSize[1], blockSize[0]) },
      gap: { value: gap },
      range: { value: new THREE.Vector2(colorRange[0], colorRange[1]) },
      invDiff: { value: colorRange[1] > colorRange[0] ? 1 / (colorRange[1] - colorRange[0]) : 0 },
      hueParams: { value: new THREE.Vector3(viz.zero_hue, viz.hue_gap, viz.hue_spread) },
      lightSize: { value: new THREE.Vector3(minLight, Math.max(viz.max_light, minLight), viz.min_size) },
      elemDiameter: { value: elementDiameter(viz.elem_scale) },
      markColor: { value: rawColor(palette.mark) },
      gridColor: { value: rawColor(palette.grid) },
      gridAlpha: { value: palette.gridAlpha },
      opacity: { value: 1.0 },
      highlight: { value: new THREE.Vector2(-1, -1) },
    },
    // compile-time variants: block gaps only for partitioned faces, index wrapping only for very wide ones
    defines: {
      ...(blockSize[0] < H || blockSize[1] < W ? { BLOCKED: 1 } : {}),
      ...(texWidth !== W ? { WRAPPED: 1 } : {}),
      ...(colors ? {} : { EXACT_COLOR: 1 }),
    },
    side: THREE.DoubleSide,
    transparent: true,
    depthWrite: false,
  });
  exactColorOnPatch(material);
  material.onBeforeRender = (renderer, scene, camera, geometry, object) => lodDefines(material, renderer, camera, geometry, object);
  return material;
}

export const NEAR_CELL_PX = 1.5;   // the disc path is compiled in when a cell may be larger
export const GRID_CELL_PX = 4.5;   // grid lines are compiled in when a cell may be larger
const box = new THREE.Box3();
const bufferSize = new THREE.Vector2();

/**
 * The largest size of one cell (one offset unit) in drawing-buffer pixels anywhere on the object:
 * at the point of its bounding box nearest the camera (perspective camera; Infinity inside the box).
 */
export function maxCellPixels(renderer, camera, geometry, object) {
  if (!geometry.boundingBox) geometry.computeBoundingBox();
  box.copy(geometry.boundingBox).applyMatrix4(object.matrixWorld);
  const d = box.distanceToPoint(camera.position);
  if (!camera.isPerspectiveCamera) return Infinity;
  const h = renderer.getDrawingBufferSize(bufferSize).y;
  const scale = object.matrixWorld.getMaxScaleOnAxis();
  return d > 0 ? (h * scale) / (2 * d * Math.tan((camera.fov * Math.PI) / 360) * camera.zoom) : Infinity;
}

/** Switch the level-of-detail defines (NEAR_LOD, GRID, HIGHLIGHT) before a draw; recompiles only on change. */
function lodDefines(material, renderer, camera, geometry, object) {
  const px = maxCellPixels(renderer, camera, geometry, object);
  const u = material.uniforms, defs = material.defines;
  const want = {
    NEAR_LOD: px > NEAR_CELL_PX,
    GRID: px > GRID_CELL_PX && u.gridAlpha.value > 0,
    HIGHLIGHT: u.highlight.value.x >= 0 || u.highlight.value.y >= 0,
  };
  let changed = false;
  for (const [name, on] of Object.entries(want)) {
    if (on === (name in defs)) continue;
    if (on) defs[name] = 1; else delete defs[name];
    changed = true;
  }
  if (changed) material.needsUpdate = true;
}

/** A material whose fragment shader is replaced (animation patches) takes its colour from v. */
function exactColorOnPatch(material) {
  let source = material.fragmentShader;
  Object.defineProperty(material, "fragmentShader", {
    configurable: true,
    enumerable: true,
    get: () => source,
    set: (src) => {
      if (src !== source) {
        material.defines.EXACT_COLOR = 1;
        material.userData.patched = true;
      }
      source = src;
    },
  });
}

/** Apply a palette (theme) to an existing face material. */
export function setFacePalette(material, palette) {
  material.uniforms.markColor.value.copy(rawColor(palette.mark));
  material.uniforms.gridColor.value.copy(rawColor(palette.grid));
  material.uniforms.gridAlpha.value = palette.gridAlpha;
}
