// Decodes the report's inlined columns: base64 text -> typed arrays.
// A hand-written decoder (not atob + charCodeAt per char into an array) keeps a
// 25 MB payload under ~100 ms and allocates only the output buffer.

const LOOKUP = (() => {
  const t = new Uint8Array(256).fill(255);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

/**
 * base64 (standard alphabet, '=' padding) -> bytes in a fresh, 8-byte aligned buffer.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function decodeBase64(text) {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61) len--; // '='
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const n =
      (LOOKUP[text.charCodeAt(i)] << 18) |
      (LOOKUP[text.charCodeAt(i + 1)] << 12) |
      (LOOKUP[text.charCodeAt(i + 2)] << 6) |
      LOOKUP[text.charCodeAt(i + 3)];
    out[o++] = (n >> 16) & 255;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = len - i;
  if (rest === 2) {
    const n = (LOOKUP[text.charCodeAt(i)] << 18) | (LOOKUP[text.charCodeAt(i + 1)] << 12);
    out[o++] = (n >> 16) & 255;
  } else if (rest === 3) {
    const n = (LOOKUP[text.charCodeAt(i)] << 18) | (LOOKUP[text.charCodeAt(i + 1)] << 12) | (LOOKUP[text.charCodeAt(i + 2)] << 6);
    out[o++] = (n >> 16) & 255;
    out[o++] = (n >> 8) & 255;
  }
  return out;
}

/** @typedef {{ type: string, b64: string }} Column */
/** @typedef {Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array} TypedColumn */

/** @type {Record<string, { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedColumn, BYTES_PER_ELEMENT: number }>} */
const TYPES = {
  f64: Float64Array,
  f32: Float32Array,
  u32: Uint32Array,
  i32: Int32Array,
  u16: Uint16Array,
  u8: Uint8Array,
};

/**
 * One inlined column `{type, b64}` -> its typed array (little-endian, as written by the CLI).
 * @param {Column} col
 * @returns {TypedColumn}
 */
export function decodeColumn(col) {
  const Type = TYPES[col.type];
  if (!Type) throw new Error(`unknown column type ${col.type}`);
  const bytes = decodeBase64(col.b64);
  return new Type(bytes.buffer, 0, Math.floor(bytes.byteLength / Type.BYTES_PER_ELEMENT));
}

/**
 * Decodes every column of a table `{n, cols: {name: {type, b64}}}` -> `{n, name: TypedArray...}`.
 * @param {{ n: number, cols: Record<string, Column> }} table
 * @returns {{ n: number } & Record<string, any>}
 */
export function decodeTable(table) {
  // `any`: the column names are the payload's (generated from the schema), not known to this file
  /** @type {{ n: number } & Record<string, any>} */
  const out = { n: table.n };
  for (const [name, col] of Object.entries(table.cols)) out[name] = decodeColumn(col);
  return out;
}
