/**
 * Animation hooks in the renderer's face shader, added from outside through `onBeforeCompile`:
 * a per-face reveal rule (hide all, show all, or block-local lexicographic reveal of a sweep),
 * a highlight of the active argument rows / columns (mm adds grey 0x808080), and for vvprod/axpy
 * the running sum computed in the shader from the argument textures (no upload per step).
 *
 * The patch needs three lines of pyodide_app/js/render/face-material.js to exist (ANCHORS); it
 * throws a clear error when one is missing, so a renderer change cannot silently break animations.
 *
 * @example
 *   const hooks = patchFaceMaterial(mesh.material);
 *   hooks.mode.value = REVEAL.LEX; hooks.cur.value.set(0, 3, 1 << 30);   // rows 0..3 revealed
 */
import * as THREE from "three";

export const REVEAL = Object.freeze({ SHOW: 0, HIDE: 1, LEX: 2, RUNNING: 3 });

/** Epilogs the running sum can apply per element in the shader (row-wise ones, softmax and
 * layernorm, cannot: their running sums are shown before the epilog). */
export const EPILOG_CODES = Object.freeze({
  "none": 0, "relu": 1, "gelu": 2, "sigmoid": 3, "silu": 4, "tanh": 5, "x**2": 6, "x/k": 7, "x/sqrt(k)": 8,
});

export const ANCHORS = Object.freeze({
  main: "void main() {",
  cell: /if \(c < 0 \|\| r < 0\) discard;/,
  value: /float v = texelFetch\(data,[^;]*;/,
  out: /outColor = vec4\(outRgb,/,
});

const DECLS = /* glsl */ `
uniform int animMode;          // REVEAL: 0 show, 1 hide, 2 lexicographic reveal, 3 running sum
uniform ivec3 animCur;         // (order 0 row-major / 1 col-major, current block-local row, column)
uniform ivec3 animHl;          // (row or -1 for any, column or -1 for any, enabled)
uniform sampler2D animL;       // running sum: left and right argument values
uniform sampler2D animR;
uniform ivec4 animLR;          // (L texture width, K, R texture width, J)
uniform ivec3 animK;           // (k block size, k to include per block (cur k + 1), last full column or -1 for vvprod)
uniform int animKCols;         // axpy: the current block-local column (-1: vvprod, every column partial)
uniform int animEpilog;        // pointwise epilog of the running sum (EPILOG_CODES), -1: none applied
uniform float animDepth;       // k of the matmul (for x/k and x/sqrt(k))

float animLoad(sampler2D t, int w, int idx) { return texelFetch(t, ivec2(idx % w, idx / w), 0).r; }

bool animVisible(int lr, int lc) {
  if (animMode == 1) return false;
  if (animMode != 2) return true;
  if (animCur.x == 0) return lr < animCur.y || (lr == animCur.y && lc <= animCur.z);
  return lc < animCur.z || (lc == animCur.z && lr <= animCur.y);
}

float animErf(float z) {       // Abramowitz & Stegun 7.1.26, as mm
  float a = abs(z), t = 1.0 / (1.0 + 0.3275911 * a);
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign(z) * y;
}

float animEpi(float x) {
  if (animEpilog == 1) return max(x, 0.0);
  if (animEpilog == 2) return 0.5 * x * (1.0 + animErf(x / sqrt(2.0)));
  if (animEpilog == 3) return 1.0 / (1.0 + exp(-x));
  if (animEpilog == 4) return x / (1.0 + exp(-x));
  if (animEpilog == 5) return tanh(x);
  if (animEpilog == 6) return x * x;
  if (animEpilog == 7) return x / animDepth;
  if (animEpilog == 8) return x / sqrt(animDepth);
  return x;
}

float animRunning(int r, int c, int lc) {
  int K = animLR.y, J = animLR.w, sk = animK.x;
  int upto = animK.y;                       // per k block: include local k < upto
  if (animKCols >= 0) {                     // axpy: columns before the current one are complete
    if (lc < animKCols) upto = sk;
    else if (lc > animKCols) return 0.0;
  }
  float acc = 0.0;
  for (int k0 = 0; k0 < K; k0 += sk) {
    for (int t = 0; t < upto && k0 + t < K; t++) {
      int k = k0 + t;
      acc += animLoad(animL, animLR.x, r * K + k) * animLoad(animR, animLR.z, k * J + c);
    }
  }
  return animEpi(acc);
}

vec3 animTint(vec3 rgb, int lr, int lc) {
  bool on = animHl.z != 0 && (animHl.x < 0 || animHl.x == lr) && (animHl.y < 0 || animHl.y == lc);
  return on ? min(rgb + vec3(0.5), vec3(1.0)) : rgb;
}
`;

const EMPTY = (() => {
  const t = new THREE.DataTexture(new Float32Array(1), 1, 1, THREE.RedFormat, THREE.FloatType);
  t.needsUpdate = true;
  return t;
})();

/** Insert the animation hooks into a face shader's source; throws naming a missing anchor. */
export function patchFragment(src) {
  for (const [name, pat] of Object.entries(ANCHORS)) {
    const found = typeof pat === "string" ? src.includes(pat) : pat.test(src);
    if (!found) throw new Error(`animation: the face shader has no '${name}' anchor (${pat}); expected face-material.js to keep it`);
  }
  return src
    .replace(ANCHORS.main, DECLS + "\n" + ANCHORS.main)
    .replace(ANCHORS.cell, (m) => `${m}\n  int animLr = r % blockSize.y; int animLc = c % blockSize.x;\n  if (!animVisible(animLr, animLc)) discard;`)
    .replace(ANCHORS.value, (m) => `${m.replace("float v =", "float v0 =")}\n  float v = animMode == 3 ? animRunning(r, c, animLc) : v0;`)
    .replace(ANCHORS.out, "outColor = vec4(animTint(outRgb, animLr, animLc),");
}

/** The uniforms the hooks read (fresh objects, shared with the compiled program). */
export function hookUniforms() {
  return {
    animMode: { value: REVEAL.SHOW },
    animCur: { value: new THREE.Vector3(0, 0, 0) },
    animHl: { value: new THREE.Vector3(-1, -1, 0) },
    animL: { value: EMPTY },
    animR: { value: EMPTY },
    animLR: { value: new THREE.Vector4(1, 0, 1, 0) },
    animK: { value: new THREE.Vector3(1, 0, -1) },
    animKCols: { value: -1 },
    animEpilog: { value: 0 },
    animDepth: { value: 1 },
  };
}

/**
 * Patch a face material once (idempotent); returns its hook uniforms.
 * @param {THREE.ShaderMaterial} material
 */
export function patchFaceMaterial(material) {
  if (material.userData.animHooks) return material.userData.animHooks;
  const hooks = hookUniforms();
  Object.assign(material.uniforms, hooks);
  material.fragmentShader = patchFragment(material.fragmentShader);
  material.needsUpdate = true;
  material.userData.animHooks = hooks;
  return hooks;
}

/** Put a patched material back to "no animation" (everything shown, nothing highlighted). */
export function resetHooks(hooks) {
  hooks.animMode.value = REVEAL.SHOW;
  hooks.animHl.value.set(-1, -1, 0);
}
