/**
 * Decoder of the scene wire format, versions 1 to 3 (docs/reference/scene-format.md).
 * Version 2 adds compact face values: an "f16" values array (converted here to Float32Array)
 * and an optional `exact` list of {index (i32), values (f32)} written back over it; version 3
 * marks those elements in the f16 array itself (`exact: {marker, values}`: the elements whose
 * bits are the marker take the exact values in order), and may name one array from several faces.
 *
 * A scene is one ArrayBuffer: magic "MMSC", uint32 version, uint32 header length N, N bytes of
 * UTF-8 JSON, zero padding to a multiple of 8, then the data section. Arrays referenced from the
 * header are returned as typed-array views on the same buffer (no copy).
 *
 * @example
 *   const scene = decodeScene(await (await fetch("cell-1.mmscene")).arrayBuffer());
 *   scene.faces[0].values;        // Float32Array, row-major H*W
 *   scene.faces[0].rowOffsets;    // Float32Array(H)
 */

export const SCENE_MAGIC = "MMSC";
export const SCENE_VERSIONS = [1, 2, 3];

/**
 * @typedef {{offset: number, dtype: "f32"|"f16"|"u8"|"u16"|"i32", shape: number[]}} ArrayRef
 * @typedef {{
 *   path: string, name: string, kind: "leaf"|"result", shape: [number, number],
 *   p00: number[], row_dir: number[], col_dir: number[],
 *   blocks: {i: [number, number], j: [number, number]},
 *   absmax: number, absmin: number, color_range: [number, number], epilog: string, inputs?: string[],
 *   values: Float32Array, rowOffsets: Float32Array, colOffsets: Float32Array
 * }} DecodedFace
 * @typedef {{text: string, kind: string, face: string, position: number[], right: number[], up: number[], size: number}} Label
 * @typedef {{face: string, lines: Float32Array, corner: number[][], alpha: number}} Guide
 * @typedef {{node: string, side: "left"|"right", points: number[][], size: number}} Arrow
 * @typedef {{
 *   header: object, title: string, gap: number,
 *   bbox: {min: number[], max: number[]}, center: number[], viz: object,
 *   faces: DecodedFace[], nodes: object[], labels: Label[], guides: Guide[], arrows: Arrow[],
 *   camera: {position: number[], target: number[], up: number[]} | null, anim: object | null,
 *   elementCount: number
 * }} DecodedScene
 */

/** mm's default colour settings (used for keys a scene leaves out). */
export const DEFAULT_VIZ = Object.freeze({
  sensitivity: "global", min_size: 0.2, min_light: 0.4, max_light: 0.7, elem_scale: 1.25,
  zero_hue: 0.77, hue_gap: 0.74, hue_spread: 0.04, global_absmax: 1.0,
});

const DTYPES = {
  f32: [Float32Array, 4],
  f16: [Uint16Array, 2],     // IEEE half-precision bits; see halfToFloat32
  u8: [Uint8Array, 1],
  u16: [Uint16Array, 2],
  i32: [Int32Array, 4],
};

let HALF_TABLE = null;

/** float32 value of every float16 bit pattern (built once: 65536 entries). */
function halfTable() {
  if (HALF_TABLE) return HALF_TABLE;
  HALF_TABLE = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    HALF_TABLE[h] = exp === 0 ? sign * frac * 2 ** -24
      : exp === 31 ? (frac ? NaN : sign * Infinity)
        : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return HALF_TABLE;
}

/**
 * float16 bits (Uint16Array) to a new Float32Array (exact: every float16 is a float32).
 * With `exact` (version 3), the elements whose bits are `marker` take `exact`'s values in order.
 * @param {Uint16Array} bits
 * @param {number} [marker] bit pattern of a marked element
 * @param {Float32Array} [exact] their values, in element order
 * @returns {Float32Array}
 * @example halfToFloat32(new Uint16Array([0x3c00, 0xffff]), 0xffff, new Float32Array([0.1]))  // [1, 0.1]
 */
export function halfToFloat32(bits, marker, exact) {
  const table = halfTable();
  const out = new Float32Array(bits.length);
  if (!exact) {
    for (let i = 0, n = bits.length; i < n; i++) out[i] = table[bits[i]];
    return out;
  }
  let k = 0;
  for (let i = 0, n = bits.length; i < n; i++) {
    const b = bits[i];
    if (b === marker) {
      if (k >= exact.length) throw new SceneFormatError(`more elements are marked exact than the ${exact.length} exact values`);
      out[i] = exact[k++];
    } else out[i] = table[b];
  }
  if (k !== exact.length) throw new SceneFormatError(`${k} elements are marked exact but ${exact.length} exact values follow`);
  return out;
}

/** Error thrown for a blob that is not a readable scene; the message says what was expected. */
export class SceneFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = "SceneFormatError";
  }
}

/**
 * Read one array reference as a typed-array view.
 * @param {ArrayBuffer} buffer
 * @param {number} dataStart byte offset of the data section
 * @param {ArrayRef} ref
 * @param {string} where name of the field, for error messages
 */
export function readArray(buffer, dataStart, ref, where) {
  if (!ref || typeof ref.offset !== "number" || !Array.isArray(ref.shape)) {
    throw new SceneFormatError(`${where}: expected an array reference {offset, dtype, shape}, got ${JSON.stringify(ref)}`);
  }
  const spec = DTYPES[ref.dtype];
  if (!spec) {
    throw new SceneFormatError(`${where}: unknown dtype ${JSON.stringify(ref.dtype)}; expected one of ${Object.keys(DTYPES).join(", ")}`);
  }
  const [Ctor, size] = spec;
  const n = ref.shape.reduce((a, b) => a * b, 1);
  const start = dataStart + ref.offset;
  if (ref.offset < 0 || start + n * size > buffer.byteLength) {
    throw new SceneFormatError(
      `${where}: array of ${n} ${ref.dtype} at data offset ${ref.offset} runs past the end of the blob ` +
      `(${buffer.byteLength} bytes, data section at ${dataStart})`);
  }
  if (start % size !== 0) {
    // Unaligned (should not happen: offsets are multiples of 8); fall back to a copy.
    return new Ctor(buffer.slice(start, start + n * size));
  }
  return new Ctor(buffer, start, n);
}

/**
 * Decode a scene blob.
 * @param {ArrayBuffer | ArrayBufferView} input
 * @returns {DecodedScene}
 */
export function decodeScene(input) {
  let buffer = input;
  if (ArrayBuffer.isView(input)) {
    buffer = input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength);
  }
  if (!(buffer instanceof ArrayBuffer)) {
    throw new SceneFormatError(`expected an ArrayBuffer holding a scene, got ${Object.prototype.toString.call(input)}`);
  }
  if (buffer.byteLength < 12) {
    throw new SceneFormatError(`scene blob is ${buffer.byteLength} bytes; expected at least 12 (magic, version, header length)`);
  }
  const head = new DataView(buffer);
  const magic = String.fromCharCode(head.getUint8(0), head.getUint8(1), head.getUint8(2), head.getUint8(3));
  if (magic !== SCENE_MAGIC) {
    throw new SceneFormatError(`not a scene: magic is ${JSON.stringify(magic)}, expected "${SCENE_MAGIC}"`);
  }
  const version = head.getUint32(4, true);
  if (!SCENE_VERSIONS.includes(version)) {
    throw new SceneFormatError(`scene format version ${version} is not supported; this renderer reads version(s) ${SCENE_VERSIONS.join(", ")}`);
  }
  const headerLength = head.getUint32(8, true);
  if (12 + headerLength > buffer.byteLength) {
    throw new SceneFormatError(`scene header length ${headerLength} exceeds the blob (${buffer.byteLength} bytes)`);
  }
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, headerLength)));
  } catch (err) {
    throw new SceneFormatError(`scene header is not valid JSON: ${err.message}`);
  }
  const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
  const gap = Number(header.gap ?? 0);

  let elementCount = 0;
  const faces = (header.faces || []).map((face, n) => {
    const where = `faces[${n}] (${face.name ?? "?"}, path ${JSON.stringify(face.path ?? "")})`;
    const shape = face.shape;
    if (!Array.isArray(shape) || shape.length !== 2) {
      throw new SceneFormatError(`${where}: expected shape [H, W], got ${JSON.stringify(shape)}`);
    }
    const [H, W] = shape;
    let values = readArray(buffer, dataStart, face.values, `${where}.values`);
    if (face.values.dtype === "f16" && face.exact && face.exact.marker !== undefined) {
      // version 3: the few elements whose colour class no float16 keeps are marked; exact float32 in order
      const exact = readArray(buffer, dataStart, face.exact.values, `${where}.exact.values`);
      try {
        values = halfToFloat32(values, face.exact.marker, exact);
      } catch (err) {
        throw new SceneFormatError(`${where}: ${err.message}`);
      }
    } else if (face.values.dtype === "f16") {
      values = halfToFloat32(values);
      if (face.exact) {      // version 2: the exact float32 values by flat index
        const at = readArray(buffer, dataStart, face.exact.index, `${where}.exact.index`);
        const exact = readArray(buffer, dataStart, face.exact.values, `${where}.exact.values`);
        if (at.length !== exact.length) {
          throw new SceneFormatError(`${where}: exact has ${at.length} indices and ${exact.length} values`);
        }
        for (let i = 0; i < at.length; i++) {
          if (at[i] < 0 || at[i] >= values.length) {
            throw new SceneFormatError(`${where}: exact index ${at[i]} outside the ${values.length} values`);
          }
          values[at[i]] = exact[i];
        }
      }
    } else if (!(values instanceof Float32Array)) values = Float32Array.from(values);   // the shader reads float32
    if (values.length !== H * W) {
      throw new SceneFormatError(`${where}: values hold ${values.length} elements, expected H*W = ${H}*${W} = ${H * W}`);
    }
    const rowOffsets = face.row_offsets ? readArray(buffer, dataStart, face.row_offsets, `${where}.row_offsets`) : defaultOffsets(H, face.blocks?.i, gap);
    const colOffsets = face.col_offsets ? readArray(buffer, dataStart, face.col_offsets, `${where}.col_offsets`) : defaultOffsets(W, face.blocks?.j, gap);
    if (rowOffsets.length !== H || colOffsets.length !== W) {
      throw new SceneFormatError(`${where}: offsets have lengths ${rowOffsets.length} and ${colOffsets.length}, expected ${H} and ${W}`);
    }
    elementCount += H * W;
    const blocks = face.blocks || { i: [1, H], j: [1, W] };
    return { ...face, blocks, values, rowOffsets, colOffsets };
  });

  const guides = (header.guides || []).map((g, n) => ({
    ...g, lines: g.lines ? readArray(buffer, dataStart, g.lines, `guides[${n}].lines`) : new Float32Array(0),
  }));

  return {
    header,
    title: header.title ?? "",
    gap,
    bbox: header.bbox || boxOfFaces(faces),
    center: header.center || [0, 0, 0],
    viz: { ...DEFAULT_VIZ, ...(header.viz || {}) },
    faces,
    nodes: header.nodes || [],
    labels: header.labels || [],
    guides,
    arrows: header.arrows || [],
    camera: header.camera || null,
    anim: header.anim ?? null,
    elementCount,
  };
}

/** Offsets r + floor(r / s) * gap for a dimension of n with blocks [count, size]. */
export function defaultOffsets(n, blocks, gap) {
  const s = blocks ? Math.max(1, blocks[1]) : Math.max(1, n);
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) out[r] = r + Math.floor(r / s) * gap;
  return out;
}

function boxOfFaces(faces) {
  const min = [Infinity, Infinity, Infinity], max = [-Infinity, -Infinity, -Infinity];
  for (const f of faces) {
    const H = f.shape[0], W = f.shape[1];
    const rr = H ? f.rowOffsets[H - 1] : 0, cc = W ? f.colOffsets[W - 1] : 0;
    for (const [a, b] of [[0, 0], [rr, 0], [0, cc], [rr, cc]]) {
      for (let d = 0; d < 3; d++) {
        const v = f.p00[d] + a * f.row_dir[d] + b * f.col_dir[d];
        min[d] = Math.min(min[d], v);
        max[d] = Math.max(max[d], v);
      }
    }
  }
  if (!faces.length) return { min: [0, 0, 0], max: [0, 0, 0] };
  return { min, max };
}
