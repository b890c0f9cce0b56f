// The data contract between the CLI and the page (viz/model.js decodes it).
// Columns travel as base64 little-endian typed arrays: no parser library in the
// page, no per-row objects, ~23 bytes per interval before base64.

import type { Column, Table } from './payload-types.js';

export type { Column, Table, Lane, Track, PageFinding, ReportPayload } from './payload-types.js';

/** Category names (index = the `cat` byte); the page colours by name. */
export const CATEGORIES = [
  'kernel',
  'commit',
  'memcpy',
  'memset',
  'pending',
  'sync',
  'elapsed',
  'range',
  'slot',
  'record',
  'wait',
  'query',
  'marker',
  'submit',
  'launch',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const CAT: Record<Category, number> = Object.fromEntries(CATEGORIES.map((c, i) => [c, i])) as Record<Category, number>;

/** Interval flags. */
export const FLAG_OPEN = 1;
export const FLAG_ERROR = 2;

type Typed = Float64Array | Float32Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
const TYPE_NAME = new Map<unknown, Column['type']>([
  [Float64Array, 'f64'],
  [Float32Array, 'f32'],
  [Uint32Array, 'u32'],
  [Int32Array, 'i32'],
  [Uint16Array, 'u16'],
  [Uint8Array, 'u8'],
]);

/** The bytes behind each column made here, so the page's packed form (html.ts) takes them as they are. */
const RAW = new WeakMap<Column, Buffer>();

/**
 * A typed array -> an inlined column (little-endian, which is every platform Node runs on).
 * Its base64 is made only when something reads `b64` (serializing the column inline): the
 * report page packs the raw bytes instead (columnBytes), and encoding every column to base64
 * only to decode it again cost a second pass over ~23 bytes per interval.
 */
export function column(a: Typed): Column {
  const type = TYPE_NAME.get(a.constructor);
  if (!type) throw new Error('unsupported column type');
  const raw = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  let b64: string | undefined;
  const c = { type } as Column;
  Object.defineProperty(c, 'b64', {
    enumerable: true,
    get: () => {
      b64 ??= raw.toString('base64');
      return b64;
    },
  });
  RAW.set(c, raw);
  return c;
}

/** A column's bytes: the ones it was made from, or its base64 decoded; undefined for a packed column. */
export function columnBytes(c: Column): Buffer | undefined {
  const raw = RAW.get(c);
  if (raw) return raw;
  return c.b64 === undefined ? undefined : Buffer.from(c.b64, 'base64');
}

export function table(n: number, cols: Record<string, Typed>): Table {
  const out: Table = { n, cols: {} };
  for (const [k, v] of Object.entries(cols)) out.cols[k] = column(v.length === n ? v : v.subarray(0, n));
  return out;
}

/** Interns strings for the page's dictionary; id 0 is the empty string. */
export class StringDict {
  readonly list: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  id(s: string | null | undefined): number {
    if (s === null || s === undefined || s === '') return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}
