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

/**
 * A column: its bytes inline as base64, or (a packed payload, after unpackPayload) a view of the inflated blob.
 * @typedef {{ type: string, b64?: string, at?: [number, number], bytes?: Uint8Array }} Column
 */
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
  if (col.bytes) {
    const b = col.bytes;
    // views need an aligned offset (packForPage aligns every part to 8 bytes); copy otherwise
    const own = b.byteOffset % Type.BYTES_PER_ELEMENT ? b.slice() : b;
    return new Type(own.buffer, own.byteOffset, Math.floor(own.byteLength / Type.BYTES_PER_ELEMENT));
  }
  if (col.b64 === undefined) throw new Error('column without data (a packed payload not unpacked)');
  const bytes = base64Bytes(col.b64);
  return new Type(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / Type.BYTES_PER_ELEMENT));
}

/**
 * base64 -> bytes: the engine's own decoder where it has one (Uint8Array.fromBase64, ~10x
 * faster than the loop), else decodeBase64. The result starts at byte 0 of its buffer.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function base64Bytes(text) {
  /** @type {any} */
  const U8 = Uint8Array;
  return typeof U8.fromBase64 === 'function' ? U8.fromBase64(text) : decodeBase64(text);
}

/**
 * raw deflate -> bytes, with the browser's DecompressionStream (native, streaming).
 * @param {Uint8Array} bytes
 * @returns {Promise<Uint8Array>}
 */
export async function inflateRaw(bytes) {
  if (typeof DecompressionStream !== 'function')
    throw new Error('this browser cannot inflate the report (no DecompressionStream); use a current Chrome, Firefox or Safari');
  const stream = new Blob([/** @type {BlobPart} */ (bytes)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The trace's strings by id. `get(i)` decodes one on first use (a 1 M-event trace has
 * ~160 k names, most never shown); `all()` decodes every one, once (for search).
 * @typedef {{ n: number, get: (i: number) => string, all: () => string[] }} StringTable
 */

/**
 * @param {string[]} list
 * @returns {StringTable}
 */
export function stringList(list) {
  return { n: list.length, get: (i) => list[i] ?? '', all: () => list };
}

/**
 * Strings stored as UTF-8 bytes one after the other, string i at offsets[i]..offsets[i + 1].
 * @param {Uint8Array} bytes
 * @param {Uint32Array} offsets
 * @returns {StringTable}
 */
export function lazyStrings(bytes, offsets) {
  const n = offsets.length - 1;
  /** @type {(string | undefined)[]} */
  const done = new Array(n);
  const dec = new TextDecoder();
  const get = (/** @type {number} */ i) => {
    if (!(i >= 0 && i < n)) return '';
    let s = done[i];
    if (s === undefined) done[i] = s = dec.decode(bytes.subarray(offsets[i], offsets[i + 1]));
    return s;
  };
  /** @type {string[] | null} */
  let list = null;
  return {
    n,
    get,
    all: () => {
      if (!list) {
        list = new Array(n);
        for (let i = 0; i < n; i++) list[i] = get(i);
      }
      return list;
    },
  };
}

/**
 * A packed page payload (src/report/html.ts packForPage) -> the plain form: every column
 * given `bytes`, a view of the inflated blob, and `stringTable`, the strings decoded lazily.
 * Plain payloads pass through.
 * @template {{ packed?: { b64: string, bytes: number, strings: [number, number], stringOffsets: [number, number] }, strings: string[], stringTable?: StringTable }} P
 * @param {P} payload
 * @param {Record<string, number>} [phases] gets performance.now() after each step (base64, inflate, strings)
 * @returns {Promise<P>}
 */
export async function unpackPayload(payload, phases = {}) {
  const p = payload.packed;
  if (!p) return payload;
  const z = base64Bytes(p.b64);
  phases.base64 = performance.now();
  const blob = await inflateRaw(z);
  phases.inflate = performance.now();
  if (blob.byteLength !== p.bytes) throw new Error(`report data damaged: ${blob.byteLength} bytes inflated, ${p.bytes} expected`);
  const [so, sn] = p.strings;
  const [oo, on] = p.stringOffsets;
  payload.stringTable = lazyStrings(blob.subarray(so, so + sn), new Uint32Array(blob.buffer, blob.byteOffset + oo, on / 4));
  for (const value of Object.values(payload)) {
    const cols = value && typeof value === 'object' && 'cols' in value ? /** @type {Record<string, Column>} */ (value.cols) : null;
    if (!cols) continue;
    for (const col of Object.values(cols)) if (col.at) col.bytes = blob.subarray(col.at[0], col.at[0] + col.at[1]);
  }
  delete payload.packed;
  return payload;
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
